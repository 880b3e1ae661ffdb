package printer

import (
	"fmt"
	"strings"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Status is the printer's real-time status, from the four DLE EOT replies.
type Status struct {
	Offline         bool // n=1 bit 3
	CoverOpen       bool // n=2 bit 2
	PaperStop       bool // n=2 bit 5: printing stopped at the paper end
	Error           bool // n=2 bit 6
	CutterError     bool // n=3 bit 3
	Unrecoverable   bool // n=3 bit 5
	AutoRecoverable bool // n=3 bit 6
	PaperNearEnd    bool // n=4 bits 2–3
	PaperOut        bool // n=4 bits 5–6
}

// dleEOT asks for real-time status n (1 to 4).
func dleEOT(n byte) []byte { return []byte{0x10, 0x04, n} }

// ParseStatus reads the replies to DLE EOT 1, 2, 3 and 4 in that order. A
// reply whose fixed bits are wrong (bits 1 and 4 set, 0 and 7 clear) is
// not a status byte: the line is noisy or the device is not a printer.
func ParseStatus(r [4]byte) (Status, error) {
	for i, b := range r {
		if b&0x93 != 0x12 {
			return Status{}, fmt.Errorf("printer: status %d reply %#02x has wrong fixed bits", i+1, b)
		}
	}
	return Status{
		Offline:         r[0]&0x08 != 0,
		CoverOpen:       r[1]&0x04 != 0,
		PaperStop:       r[1]&0x20 != 0,
		Error:           r[1]&0x40 != 0,
		CutterError:     r[2]&0x08 != 0,
		Unrecoverable:   r[2]&0x20 != 0,
		AutoRecoverable: r[2]&0x40 != 0,
		PaperNearEnd:    r[3]&0x0C != 0,
		PaperOut:        r[3]&0x60 != 0,
	}, nil
}

// PortStatus reads the USB printer class's GET_PORT_STATUS byte, all a
// one-way USB printer can say: bit 5 paper empty, bit 4 selected, bit 3
// not error.
func PortStatus(b byte) Status {
	return Status{
		PaperOut: b&0x20 != 0,
		Offline:  b&0x10 == 0,
		Error:    b&0x08 == 0,
	}
}

// Printable reports whether a receipt may be sent now.
func (s Status) Printable() bool {
	return !(s.Offline || s.CoverOpen || s.PaperStop || s.Error || s.CutterError ||
		s.Unrecoverable || s.AutoRecoverable || s.PaperOut)
}

// Device maps the status onto the device model: the state, who must act,
// and a short reason in English for technicians and logs.
func (s Status) Device() (devices.State, devices.Actor, string) {
	var reasons []string
	add := func(on bool, why string) {
		if on {
			reasons = append(reasons, why)
		}
	}
	add(s.Unrecoverable, "unrecoverable error")
	add(s.CutterError, "cutter error")
	add(s.PaperOut || s.PaperStop, "paper out: replace paper")
	add(s.CoverOpen, "cover open: close the cover")
	add(s.AutoRecoverable, "recovering (head too hot)")
	add(s.Offline && len(reasons) == 0, "offline")
	add(s.Error && len(reasons) == 0, "error")
	add(s.PaperNearEnd, "paper near end: replace paper soon")
	reason := strings.Join(reasons, "; ")
	switch {
	case s.Unrecoverable:
		return devices.HardwareError, devices.Technician, reason
	case s.CutterError, s.PaperOut, s.PaperStop, s.CoverOpen:
		return devices.UserError, devices.Staff, reason
	case s.AutoRecoverable, s.Offline, s.Error:
		return devices.Offline, devices.Device, reason
	case s.PaperNearEnd:
		// Still printing; the warning tells staff before it runs out.
		return devices.Online, devices.Staff, reason
	}
	return devices.Online, devices.NoOne, ""
}
