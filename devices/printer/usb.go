package printer

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/gousb"

	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
)

// The USB printer class (devices.md §2).
const (
	usbClassPrinter     = 0x07
	usbProtoBidirection = 0x02
	reqGetDeviceID      = 0x00
	reqGetPortStatus    = 0x01
	reqTypeClassIn      = 0xA1
)

// usbPort prints on a USB printer-class interface. Status comes back on
// the bulk IN pipe of a bidirectional printer, else from GET_PORT_STATUS.
type usbPort struct {
	out interface {
		WriteContext(context.Context, []byte) (int, error)
	}
	in interface {
		ReadContext(context.Context, []byte) (int, error)
	} // nil when one-way
	control func(rType, request uint8, val, idx uint16, data []byte) (int, error)
	intf    uint16
	close   func() error
}

// USBPrinter is a printer found on the bus.
type USBPrinter struct {
	VID, PID      uint16
	Bus, Address  int
	Bidirectional bool
	DeviceID      string // IEEE 1284 device id ("MFG:…;MDL:…;CMD:ESC/POS;")
}

// Model returns the MFG and MDL fields of the device id.
func (p USBPrinter) Model() string {
	var mfg, mdl string
	for _, f := range strings.Split(p.DeviceID, ";") {
		k, v, _ := strings.Cut(f, ":")
		switch strings.ToUpper(strings.TrimSpace(k)) {
		case "MFG", "MANUFACTURER":
			mfg = v
		case "MDL", "MODEL":
			mdl = v
		}
	}
	return strings.TrimSpace(mfg + " " + mdl)
}

// printerInterface finds the printer-class interface of a device.
func printerInterface(desc *gousb.DeviceDesc) (cfg, intf, alt int, bidi bool, ok bool) {
	for _, c := range desc.Configs {
		for _, i := range c.Interfaces {
			for _, a := range i.AltSettings {
				if a.Class == usbClassPrinter {
					return c.Number, i.Number, a.Alternate, a.Protocol == usbProtoBidirection, true
				}
			}
		}
	}
	return 0, 0, 0, false, false
}

// ListUSB lists the USB printers on the bus: by interface class 7, since
// the common VID:PIDs of printer chips are shared with other devices.
func ListUSB() ([]USBPrinter, error) {
	ctx, err := usbdev.NewContext()
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	defer ctx.Close()
	var found []USBPrinter
	devs, err := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		_, _, _, _, ok := printerInterface(d)
		return ok
	})
	for _, d := range devs {
		_, intf, alt, bidi, _ := printerInterface(d.Desc)
		p := USBPrinter{VID: uint16(d.Desc.Vendor), PID: uint16(d.Desc.Product), Bus: d.Desc.Bus, Address: d.Desc.Address, Bidirectional: bidi}
		p.DeviceID, _ = deviceID(d.Control, uint16(intf), uint16(alt))
		found = append(found, p)
		d.Close()
	}
	return found, err
}

// deviceID reads the IEEE 1284 device id: two bytes of big-endian length,
// then the text.
func deviceID(control func(uint8, uint8, uint16, uint16, []byte) (int, error), intf, alt uint16) (string, error) {
	buf := make([]byte, 1024)
	n, err := control(reqTypeClassIn, reqGetDeviceID, 0, intf<<8|alt, buf)
	if err != nil {
		return "", err
	}
	if n < 2 {
		return "", errors.New("printer: short device id")
	}
	l := min(int(buf[0])<<8|int(buf[1]), n)
	if l < 2 {
		return "", nil
	}
	return string(buf[2:l]), nil
}

// OpenUSB opens a USB printer by VID:PID, or the first printer found when
// both are zero. The kernel's usblp driver is detached while it is open.
func OpenUSB(vid, pid uint16) (port Port, err error) {
	ctx, err := usbdev.NewContext()
	if err != nil {
		return nil, fmt.Errorf("printer: %w", err)
	}
	closers := &usbdev.Closers{}
	defer func() {
		if err != nil {
			closers.Close()
		}
	}()
	closers.Add(ctx.Close)

	first := true
	devs, listErr := ctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if !first {
			return false
		}
		_, _, _, _, ok := printerInterface(d)
		if ok && (vid == 0 && pid == 0 || uint16(d.Vendor) == vid && uint16(d.Product) == pid) {
			first = false
			return true
		}
		return false
	})
	if len(devs) == 0 {
		if listErr == nil {
			listErr = ErrGone
		}
		return nil, fmt.Errorf("printer: no USB printer %04x:%04x: %w", vid, pid, listErr)
	}
	dev := devs[0]
	closers.Add(dev.Close)
	if err := dev.SetAutoDetach(true); err != nil {
		return nil, fmt.Errorf("printer: detach usblp: %w", err)
	}
	cfgNum, intfNum, alt, bidi, _ := printerInterface(dev.Desc)
	cfg, err := dev.Config(cfgNum)
	if err != nil {
		return nil, fmt.Errorf("printer: usb config: %w", err)
	}
	closers.Add(cfg.Close)
	intf, err := cfg.Interface(intfNum, alt)
	if err != nil {
		return nil, fmt.Errorf("printer: usb interface: %w", err)
	}
	closers.Add(func() error { intf.Close(); return nil })

	p := &usbPort{control: dev.Control, intf: uint16(intfNum), close: closers.Close}
	for _, ep := range intf.Setting.Endpoints {
		if ep.TransferType != gousb.TransferTypeBulk {
			continue
		}
		switch {
		case ep.Direction == gousb.EndpointDirectionOut && p.out == nil:
			if p.out, err = intf.OutEndpoint(ep.Number); err != nil {
				return nil, fmt.Errorf("printer: usb out endpoint: %w", err)
			}
		case ep.Direction == gousb.EndpointDirectionIn && bidi && p.in == nil:
			if p.in, err = intf.InEndpoint(ep.Number); err != nil {
				return nil, fmt.Errorf("printer: usb in endpoint: %w", err)
			}
		}
	}
	if p.out == nil {
		return nil, errors.New("printer: usb interface has no bulk out endpoint")
	}
	return p, nil
}

func (u *usbPort) Write(ctx context.Context, b []byte) error {
	for len(b) > 0 {
		n, err := u.out.WriteContext(ctx, b[:min(4096, len(b))])
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("printer: usb write: %w", ctx.Err())
			}
			if errors.Is(err, gousb.ErrorNoDevice) {
				return fmt.Errorf("printer: usb write: %w", ErrGone)
			}
			return fmt.Errorf("printer: usb write: %w", err)
		}
		b = b[n:]
	}
	return nil
}

func (u *usbPort) Status(ctx context.Context) (Status, error) {
	if u.in == nil {
		buf := make([]byte, 1)
		if _, err := u.control(reqTypeClassIn, reqGetPortStatus, 0, u.intf<<8, buf); err != nil {
			if errors.Is(err, gousb.ErrorNoDevice) {
				return Status{}, fmt.Errorf("printer: usb status: %w", ErrGone)
			}
			return Status{}, fmt.Errorf("printer: usb status: %w", err)
		}
		return PortStatus(buf[0]), nil
	}
	var r [4]byte
	buf := make([]byte, 64)
	for n := byte(1); n <= 4; n++ {
		if err := u.Write(ctx, dleEOT(n)); err != nil {
			return Status{}, err
		}
		rctx, cancel := context.WithTimeout(ctx, statusWait)
		got, err := u.in.ReadContext(rctx, buf)
		cancel()
		if err != nil || got < 1 {
			return Status{}, fmt.Errorf("printer: usb status: %w", ErrNoStatus)
		}
		r[n-1] = buf[got-1] // the newest byte answers this request
	}
	return ParseStatus(r)
}

func (u *usbPort) Close() error { return u.close() }
