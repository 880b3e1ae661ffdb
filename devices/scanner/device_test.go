package scanner_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/scanner"
	"github.com/yizhan-kiosk/yizhan/devices/scanner/scannersim"
)

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]string{
		"serial:/dev/ttyACM0":                                   "serial:/dev/ttyACM0:9600",
		"serial:/dev/ttyUSB1:115200":                            "serial:/dev/ttyUSB1:115200",
		"serial:/dev/yizhan/scanner:9600":                       "serial:/dev/yizhan/scanner:9600",
		"evdev:/dev/input/by-id/usb-Newland_NLS-FR40-event-kbd": "evdev:/dev/input/by-id/usb-Newland_NLS-FR40-event-kbd",
	} {
		d, err := scanner.ParseDevice(in)
		if err != nil || d.String() != want {
			t.Errorf("%q: %v %v, want %s", in, d, err, want)
		}
		if again, err := scanner.ParseDevice(d.String()); err != nil || again != d {
			t.Errorf("%q does not read back: %v %v", d, again, err)
		}
	}
	for _, bad := range []string{"", "usb", "serial:", "serial:ttyACM0", "serial:/dev/ttyACM0:1234", "evdev:", "evdev:event3", "tcp:1.2.3.4:9"} {
		if d, err := scanner.ParseDevice(bad); err == nil {
			t.Errorf("%q read as %v", bad, d)
		}
	}
}

func FuzzParseDevice(f *testing.F) {
	f.Add("serial:/dev/ttyACM0:9600")
	f.Add("evdev:/dev/input/event3")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := scanner.ParseDevice(s)
		if err != nil {
			return
		}
		if again, err := scanner.ParseDevice(d.String()); err != nil || again != d {
			t.Fatalf("%q → %v → %v (%v)", s, d, again, err)
		}
	})
}

// TestSerialScannerThroughTheDriver: codes sent over a pseudo-terminal as
// a serial scanner sends them come out of the real driver whole, a scan
// that is no code is said and passed over, and an unplugged scanner ends
// Next with an error.
func TestSerialScannerThroughTheDriver(t *testing.T) {
	sim, err := scannersim.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dev, err := scanner.ParseDevice("serial:" + sim.Path() + ":9600")
	if err != nil {
		t.Fatal(err)
	}
	s, err := dev.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	receipt := "https://zwfw.example.gov.cn/r?n=20261207-0001&s=c2lnbmF0dXJl"
	sim.Send(receipt[:20])
	time.Sleep(50 * time.Millisecond) // a read cut in two
	sim.Send(receipt[20:] + "\r\n")
	if got, err := s.Next(ctx); err != nil || got != receipt {
		t.Fatalf("first scan: %q %v", got, err)
	}
	sim.Send("\x1b[2Jnot a code\r")
	if _, err := s.Next(ctx); !errors.Is(err, scanner.ErrBadCode) {
		t.Fatalf("garbage: %v", err)
	}
	sim.Scan("20261207-0002")
	if got, err := s.Next(ctx); err != nil || got != "20261207-0002" {
		t.Fatalf("after the garbage: %q %v", got, err)
	}

	// Nothing scanned: Next waits for ctx.
	short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = s.Next(short)
	stop()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("nothing scanned: %v", err)
	}

	sim.Close() // unplugged
	_, err = s.Next(ctx)
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "scanner:") {
		t.Fatalf("unplugged: %v", err)
	}
}
