// Package usbdev holds what the USB drivers share around gousb: a libusb
// context that is an error, not a panic, on a machine without USB, and a
// stack of things opened on the way to an endpoint, closed last first.
package usbdev

import (
	"errors"
	"fmt"

	"github.com/google/gousb"
)

// NewContext starts libusb. gousb panics where libusb cannot start (no
// /dev/bus/usb, as in a container); that is returned as an error.
func NewContext() (ctx *gousb.Context, err error) {
	defer func() {
		if r := recover(); r != nil {
			ctx, err = nil, fmt.Errorf("usb unavailable: %v", r)
		}
	}()
	return gousb.NewContext(), nil
}

// Closers closes, last first, what was opened on the way to a device:
// context, device, configuration, interface.
type Closers struct{ fns []func() error }

// Add puts f on the stack.
func (c *Closers) Add(f func() error) { c.fns = append(c.fns, f) }

// Close closes everything, last first, and returns every error.
func (c *Closers) Close() error {
	var errs []error
	for i := len(c.fns) - 1; i >= 0; i-- {
		errs = append(errs, c.fns[i]())
	}
	c.fns = nil
	return errors.Join(errs...)
}
