package serialline

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/ptyharness"
)

func TestReadDeadlineAndData(t *testing.T) {
	m, s, err := ptyharness.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	defer s.Close()
	p, err := Open(s.Name(), 115200)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	buf := make([]byte, 8)
	p.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	start := time.Now()
	if _, err := p.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("quiet line: %v, want a deadline", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond || d > 2*time.Second {
		t.Fatalf("deadline of 150 ms took %v", d)
	}
	m.Write([]byte{0xAA, 0x0A})
	p.SetReadDeadline(time.Now().Add(time.Second))
	if n, err := p.Read(buf); err != nil || n != 2 || buf[0] != 0xAA {
		t.Fatalf("read % X, %v", buf[:n], err)
	}
}

func TestMissingPort(t *testing.T) {
	if _, err := Open("/dev/nonexistent-yizhan-serial", 9600); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}

func TestParsePort(t *testing.T) {
	for in, want := range map[string]struct {
		path string
		baud int
	}{
		"/dev/ttyUSB0": {"/dev/ttyUSB0", 9600}, "/dev/ttyUSB0:115200": {"/dev/ttyUSB0", 115200},
		"/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0:19200": {"/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0", 19200},
	} {
		path, baud, err := ParsePort(in)
		if err != nil || path != want.path || baud != want.baud {
			t.Errorf("%q: %q %d %v", in, path, baud, err)
		}
	}
	for _, bad := range []string{"", "ttyUSB0", "/dev/ttyUSB0:1234", ":9600"} {
		if _, _, err := ParsePort(bad); err == nil {
			t.Errorf("%q taken", bad)
		}
	}
}

func FuzzParsePort(f *testing.F) {
	f.Add("/dev/ttyUSB0:115200")
	f.Add("/dev/serial/by-id/x:y:9600")
	f.Fuzz(func(t *testing.T, s string) {
		path, baud, err := ParsePort(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(path, "/") || CheckRate(baud) != nil {
			t.Fatalf("%q → %q %d", s, path, baud)
		}
		// Written back with its rate, it reads the same.
		if p2, b2, err := ParsePort(fmt.Sprintf("%s:%d", path, baud)); err != nil || p2 != path || b2 != baud {
			t.Fatalf("%q → %q %d → %q %d %v", s, path, baud, p2, b2, err)
		}
	})
}
