package printer

import (
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Every combination of the documented bits, each reply with its fixed bits.
func TestEveryStatusCombination(t *testing.T) {
	bits := [4][]byte{{0x08}, {0x04, 0x20, 0x40}, {0x08, 0x20, 0x40}, {0x0C, 0x60}}
	combos := func(bs []byte) []byte {
		var out []byte
		for mask := 0; mask < 1<<len(bs); mask++ {
			v := byte(0x12)
			for i, b := range bs {
				if mask&(1<<i) != 0 {
					v |= b
				}
			}
			out = append(out, v)
		}
		return out
	}
	n := 0
	for _, a := range combos(bits[0]) {
		for _, b := range combos(bits[1]) {
			for _, c := range combos(bits[2]) {
				for _, d := range combos(bits[3]) {
					n++
					s, err := ParseStatus([4]byte{a, b, c, d})
					if err != nil {
						t.Fatalf("% X: %v", []byte{a, b, c, d}, err)
					}
					want := Status{
						Offline: a&0x08 != 0, CoverOpen: b&0x04 != 0, PaperStop: b&0x20 != 0, Error: b&0x40 != 0,
						CutterError: c&0x08 != 0, Unrecoverable: c&0x20 != 0, AutoRecoverable: c&0x40 != 0,
						PaperNearEnd: d&0x0C != 0, PaperOut: d&0x60 != 0,
					}
					if s != want {
						t.Fatalf("% X: %+v, want %+v", []byte{a, b, c, d}, s, want)
					}
					state, actor, reason := s.Device()
					checkMapping(t, s, state, actor, reason)
				}
			}
		}
	}
	if n != 2*8*8*4 {
		t.Fatalf("%d combinations", n)
	}
}

func checkMapping(t *testing.T, s Status, state devices.State, actor devices.Actor, reason string) {
	t.Helper()
	switch {
	case s.Unrecoverable:
		if state != devices.HardwareError || actor != devices.Technician {
			t.Fatalf("%+v: %s/%s", s, state, actor)
		}
	case s.PaperOut || s.PaperStop:
		if state != devices.UserError || actor != devices.Staff || !strings.Contains(reason, "replace paper") {
			t.Fatalf("%+v: %s/%s %q", s, state, actor, reason)
		}
	case s.CoverOpen || s.CutterError:
		if state != devices.UserError || actor != devices.Staff {
			t.Fatalf("%+v: %s/%s", s, state, actor)
		}
	case s.AutoRecoverable || s.Offline || s.Error:
		if state != devices.Offline || actor != devices.Device {
			t.Fatalf("%+v: %s/%s", s, state, actor)
		}
	case s.PaperNearEnd:
		if state != devices.Online || actor != devices.Staff || !strings.Contains(reason, "near end") {
			t.Fatalf("%+v: %s/%s %q", s, state, actor, reason)
		}
	default:
		if state != devices.Online || actor != devices.NoOne || reason != "" || !s.Printable() {
			t.Fatalf("%+v: %s/%s %q", s, state, actor, reason)
		}
	}
	if s.Printable() != (state == devices.Online) {
		t.Fatalf("%+v: printable %v but state %s", s, s.Printable(), state)
	}
}

func TestIdleStatusIs0x12(t *testing.T) {
	s, err := ParseStatus([4]byte{0x12, 0x12, 0x12, 0x12})
	if err != nil || !s.Printable() || s != (Status{}) {
		t.Fatalf("%+v %v", s, err)
	}
	for _, bad := range [][4]byte{{0x00, 0x12, 0x12, 0x12}, {0x12, 0x13, 0x12, 0x12}, {0x12, 0x12, 0x92, 0x12}, {0x12, 0x12, 0x12, 0x02}} {
		if _, err := ParseStatus(bad); err == nil {
			t.Errorf("% X accepted", bad)
		}
	}
}

func TestPortStatus(t *testing.T) {
	if s := PortStatus(0x18); !s.Printable() {
		t.Errorf("selected, no error: %+v", s)
	}
	if s := PortStatus(0x38); !s.PaperOut || s.Printable() {
		t.Errorf("paper empty: %+v", s)
	}
	if s := PortStatus(0x08); !s.Offline {
		t.Errorf("not selected: %+v", s)
	}
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte{0x12, 0x12, 0x12, 0x12})
	f.Add([]byte{0x1A, 0x76, 0x7A, 0x7E})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 4 {
			return
		}
		s, err := ParseStatus([4]byte(b[:4]))
		if err != nil {
			return
		}
		state, _, reason := s.Device()
		if (state == devices.Online) != s.Printable() {
			t.Fatalf("% X: state %s printable %v", b[:4], state, s.Printable())
		}
		if state != devices.Online && reason == "" {
			t.Fatalf("% X: %s without a reason", b[:4], state)
		}
	})
}
