// Package usbdev holds what the USB drivers share around gousb: a libusb
// context that is an error, not a panic, on a machine without USB, and a
// stack of things opened on the way to an endpoint, closed last first.
package usbdev

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

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

// ParseID reads a USB vendor and product id written VID:PID, four hex
// digits each, such as 0400:c35a.
func ParseID(s string) (vid, pid uint16, err error) {
	v, p, ok := strings.Cut(s, ":")
	vi, err1 := strconv.ParseUint(v, 16, 16)
	pi, err2 := strconv.ParseUint(p, 16, 16)
	if !ok || len(v) != 4 || len(p) != 4 || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("%q is not VID:PID in hex, such as 0400:c35a", s)
	}
	return uint16(vi), uint16(pi), nil
}
