package discover

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/gousb"

	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
)

// USB class codes the guesses use (bDeviceClass, bInterfaceClass).
const (
	classPrinter = "07"
	classHub     = "09"
	classVideo   = "0e"
)

// usbDevices lists the devices under /sys/bus/usb/devices: not the
// interfaces (1-2:1.0) and not the root hubs (usb1), which are the
// computer's own.
func (s *scanner) usbDevices() []USBDevice {
	dir := filepath.Join(s.sys, "bus", "usb", "devices")
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.noteErr(fmt.Errorf("discover: read %s: %w", s.sysPath(dir), pathErr(err)))
		return []USBDevice{}
	}
	devices := []USBDevice{}
	for _, e := range entries {
		name := e.Name()
		if strings.Contains(name, ":") || strings.HasPrefix(name, "usb") {
			continue
		}
		devDir, err := filepath.EvalSymlinks(filepath.Join(dir, name))
		if err != nil {
			s.noteErr(fmt.Errorf("discover: read %s: %w", s.sysPath(filepath.Join(dir, name)), pathErr(err)))
			continue
		}
		d := USBDevice{USBID: s.usbID(devDir), Class: strings.ToLower(s.attr(devDir, "bDeviceClass"))}
		d.Interfaces = s.interfaces(devDir, name)
		s.printerID(&d, devDir)
		devices = append(devices, d)
	}
	return devices
}

// interfaces reads the interfaces of the device in devDir: the folders
// named NAME:CONFIG.NUMBER beside its attributes.
func (s *scanner) interfaces(devDir, name string) []Interface {
	entries, err := os.ReadDir(devDir)
	if err != nil {
		s.noteErr(fmt.Errorf("discover: read %s: %w", s.sysPath(devDir), pathErr(err)))
		return []Interface{}
	}
	out := []Interface{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), name+":") {
			continue
		}
		dir := filepath.Join(devDir, e.Name())
		in := Interface{
			Name:     e.Name(),
			Class:    strings.ToLower(s.attr(dir, "bInterfaceClass")),
			SubClass: strings.ToLower(s.attr(dir, "bInterfaceSubClass")),
			Protocol: strings.ToLower(s.attr(dir, "bInterfaceProtocol")),
			Driver:   driverOf(dir),
		}
		// The kernel writes bInterfaceNumber in hex and
		// bAlternateSetting in decimal.
		if n, err := strconv.ParseUint(s.attr(dir, "bInterfaceNumber"), 16, 8); err == nil {
			in.Number = int(n)
		}
		if n, err := strconv.Atoi(s.attr(dir, "bAlternateSetting")); err == nil {
			in.Alt = n
		}
		in.Endpoints = s.endpoints(dir)
		out = append(out, in)
	}
	return out
}

// endpoints reads an interface's ep_XX folders.
func (s *scanner) endpoints(dir string) []Endpoint {
	entries, err := os.ReadDir(dir)
	if err != nil {
		s.noteErr(fmt.Errorf("discover: read %s: %w", s.sysPath(dir), pathErr(err)))
		return nil
	}
	var out []Endpoint
	for _, e := range entries {
		addr, ok := strings.CutPrefix(e.Name(), "ep_")
		if !ok {
			continue
		}
		out = append(out, Endpoint{Address: strings.ToLower(addr), Type: s.attr(filepath.Join(dir, e.Name()), "type")})
	}
	return out
}

// printerID reads the IEEE 1284 id of a device's printer interface. The
// usblp driver shows it in sysfs when it holds the printer; otherwise it
// is asked for over USB. A printer that does not say it is still a
// printer: the failure is a note.
func (s *scanner) printerID(d *USBDevice, devDir string) {
	in, ok := printerInterface(*d)
	if !ok {
		return
	}
	text := s.attr(filepath.Join(devDir, in.Name), "ieee1284_id")
	source := "sysfs"
	if text == "" {
		var err error
		text, err = s.opts.DeviceID(d.Bus, d.Address, in.Number, in.Alt)
		if err != nil {
			s.noteErr(fmt.Errorf("discover: %s (%s): IEEE 1284 id not read: %w", d.Sysfs, d.ID, err))
			return
		}
		source = "usb"
	}
	id := ParseDeviceID(text)
	id.Source = source
	d.DeviceID = &id
}

// printerInterface is the device's interface of the USB printer class.
func printerInterface(d USBDevice) (Interface, bool) {
	for _, in := range d.Interfaces {
		if in.Class == classPrinter {
			return in, true
		}
	}
	return Interface{}, false
}

// The USB variant of the card-reader module moves its frames over four
// bulk pipes, 0x02 and 0x06 out and 0x81 and 0x85 in (devices/idcard's
// USB transport). An interface with all four is taken for the module: its
// USB chip's VID:PID is no sign, since such chips serve many devices.
var samPipes = []string{"02", "06", "81", "85"}

// samInterface is the device's interface that has the module's pipes.
func samInterface(d USBDevice) (Interface, bool) {
	for _, in := range d.Interfaces {
		found := 0
		for _, want := range samPipes {
			for _, ep := range in.Endpoints {
				if ep.Address == want && strings.EqualFold(ep.Type, "Bulk") {
					found++
					break
				}
			}
		}
		if found == len(samPipes) {
			return in, true
		}
	}
	return Interface{}, false
}

// The printer class's GET_DEVICE_ID request (devices.md §2).
const (
	reqTypeClassIn = 0xA1
	reqGetDeviceID = 0x00
)

// USBDeviceID asks a printer for its IEEE 1284 id with the printer class
// request GET_DEVICE_ID, through libusb. Where usblp holds the interface,
// Linux may refuse the request as busy; the scan reads usblp's copy in
// sysfs first for that reason. The request waits at most two seconds, so
// a printer that never answers cannot hold up the scan.
func USBDeviceID(bus, address, intf, alt int) (string, error) {
	ctx, err := usbdev.NewContext()
	if err != nil {
		return "", fmt.Errorf("discover: %w", err)
	}
	defer ctx.Close()
	devs, err := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		return d.Bus == bus && d.Address == address
	})
	// Devices must be closed before the context, or its Close fails.
	defer func() {
		for _, d := range devs {
			d.Close()
		}
	}()
	if len(devs) == 0 {
		if err == nil {
			err = errors.New("no longer on the bus")
		}
		return "", fmt.Errorf("discover: usb bus %d address %d: %w", bus, address, err)
	}
	dev := devs[0]
	dev.ControlTimeout = 2 * time.Second
	buf := make([]byte, 1024)
	n, err := dev.Control(reqTypeClassIn, reqGetDeviceID, 0, uint16(intf)<<8|uint16(alt), buf)
	if err != nil {
		return "", fmt.Errorf("discover: usb bus %d address %d: GET_DEVICE_ID: %w", bus, address, err)
	}
	return DeviceIDText(buf[:n])
}
