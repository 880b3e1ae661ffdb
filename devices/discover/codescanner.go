package discover

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// CodeScanner is the 2D-code scanner residents hold their receipt to.
const CodeScanner Role = "code-scanner"

// scannerMakers are the vendors of the USB ids that make kiosk code
// scanners (and nothing the terminal would mistake for one).
var scannerMakers = map[string]string{
	"0c2e": "Honeywell", "0536": "Hand Held Products (Honeywell)", "05e0": "Zebra (Symbol)",
	"05f9": "Datalogic", "1eab": "Newland (新大陆)",
}

// scannerWords in a USB device's name mark a code scanner, whoever made
// it.
var scannerWords = []string{"scanner", "barcode", "bar code", "qr code", "扫描", "扫码", "条码"}

// scannerMaker says why the USB device is taken for a code scanner, if it
// is: its vendor, or its name.
func scannerMaker(u USBID) (string, bool) {
	vid, _, _ := strings.Cut(u.ID, ":")
	if maker, ok := scannerMakers[vid]; ok {
		return "its vendor id " + vid + " is " + maker + "'s, a maker of code scanners", true
	}
	name := strings.ToLower(u.Name())
	for _, w := range scannerWords {
		if strings.Contains(name, w) {
			return fmt.Sprintf("named %q", u.Name()), true
		}
	}
	return "", false
}

// keyboardInterface is the device's HID interface that is a keyboard (a
// boot keyboard, or any HID interface with an input node that udev calls
// a keyboard): how a keyboard-wedge scanner types its codes.
func keyboardInterface(d USBDevice) (Interface, bool) {
	for _, in := range d.Interfaces {
		if in.Class == "03" && (in.Protocol == "01" || len(d.Inputs) > 0) {
			return in, true
		}
	}
	return Interface{}, false
}

// inputNodes maps each USB device (by its sysfs name) to the evdev nodes
// of its keyboards, by their /dev/input/by-id name when udev made one
// (…-event-kbd: it stays across re-plugging), else /dev/input/eventN.
func (s *scanner) inputNodes() map[string][]string {
	class := filepath.Join(s.sys, "class", "input")
	entries, err := os.ReadDir(class)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.noteErr(fmt.Errorf("discover: read %s: %w", s.sysPath(class), pathErr(err)))
		}
		return nil
	}
	byID := map[string]string{}
	if links, err := os.ReadDir(filepath.Join(s.dev, "input", "by-id")); err == nil {
		for _, l := range links {
			if !strings.HasSuffix(l.Name(), "-event-kbd") {
				continue
			}
			if target, err := os.Readlink(filepath.Join(s.dev, "input", "by-id", l.Name())); err == nil {
				byID[filepath.Base(target)] = "/dev/input/by-id/" + l.Name()
			}
		}
	}
	out := map[string][]string{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "event") {
			continue
		}
		dev, err := filepath.EvalSymlinks(filepath.Join(class, e.Name(), "device"))
		if err != nil {
			continue
		}
		usb := s.usbDeviceAbove(dev)
		if usb == "" {
			continue
		}
		node := "/dev/input/" + e.Name()
		if id, ok := byID[e.Name()]; ok {
			node = id
		} else if _, err := os.Stat(filepath.Join(s.dev, "input", e.Name())); err != nil {
			continue // no node: not for this terminal's users
		}
		name := filepath.Base(usb)
		if !slices.Contains(out[name], node) {
			out[name] = append(out[name], node)
		}
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

// scannerGuess is the guess for a USB keyboard-wedge scanner, when d is
// one.
func scannerGuess(d USBDevice) (Guess, bool) {
	if len(d.Video) > 0 {
		// A document camera (a "document scanner", whose buttons are often
		// a HID keyboard) is a camera.
		return Guess{}, false
	}
	why, ok := scannerMaker(d.USBID)
	if !ok {
		return Guess{}, false
	}
	in, ok := keyboardInterface(d)
	if !ok {
		return Guess{}, false
	}
	where := "no input node seen: is the kernel's usbhid loaded?"
	if len(d.Inputs) > 0 {
		where = "read from " + d.Inputs[0] + " with a grab, so its keys never reach the screens"
	}
	return Guess{Role: CodeScanner, Reason: fmt.Sprintf(
		"a keyboard-wedge code scanner: %s, and interface %s is a keyboard; %s; scan a receipt with kioskctl scanner read to be sure", why, in.Name, where)}, true
}
