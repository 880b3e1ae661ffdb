package idcard

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/yizhan-kiosk/yizhan/devices/serialline"
	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
)

// Source says where the card reader is, as the configuration's [idcard]
// and kioskctl write it: a serial port at a rate, or the module's USB
// variant by VID:PID. The terminal, kioskctl and the self-test open the
// reader through it alone.
type Source struct {
	Port string // a serial port, an absolute path (/dev/yizhan/idcard)
	Baud int    // the port's rate; 115200 when 0
	USB  string // VID:PID of the USB variant, instead of Port
}

// ErrNoSource is a Source that names no reader.
var ErrNoSource = errors.New("idcard: no reader given (a serial port or a USB VID:PID)")

// Check says what is wrong with s; a Source naming no reader is
// ErrNoSource.
func (s Source) Check() error {
	switch {
	case s.Port != "" && s.USB != "":
		return errors.New("idcard: a serial port or a USB VID:PID, not both")
	case s.Port != "":
		if !filepath.IsAbs(s.Port) {
			return fmt.Errorf("idcard: port %q: want an absolute path such as /dev/yizhan/idcard", s.Port)
		}
		if s.Baud != 0 {
			if err := serialline.CheckRate(s.Baud); err != nil {
				return fmt.Errorf("idcard: %w", err)
			}
		}
	case s.USB != "":
		if _, _, err := usbdev.ParseID(s.USB); err != nil {
			return fmt.Errorf("idcard: usb %q: %w", s.USB, err)
		}
	default:
		return ErrNoSource
	}
	return nil
}

// Opener returns what opens the reader s names, each time it is called (a
// reader unplugged and plugged again is opened anew).
func (s Source) Opener() (func() (Transport, error), error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if s.USB != "" {
		vid, pid, _ := usbdev.ParseID(s.USB) // checked above
		return func() (Transport, error) { return OpenUSB(vid, pid) }, nil
	}
	port, baud := s.Port, s.Baud
	if baud == 0 {
		baud = 115200
	}
	return func() (Transport, error) { return OpenSerial(port, baud) }, nil
}

// String names the reader as technicians read it: the port, or usb:VID:PID.
func (s Source) String() string {
	if s.USB != "" {
		return "usb:" + s.USB
	}
	return s.Port
}
