// Package serialline opens serial ports — USB-serial adapters, UARTs and the
// pseudo-terminals the simulators use — through github.com/tarm/serial, and
// gives reads a deadline. tarm reads in polls of a tenth of a second and
// reports a poll that found nothing as (0, io.EOF) on Linux; here that means
// "nothing yet", never the end of the line.
package serialline

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tarm/serial"
)

// Poll is how long one read of the line waits for bytes: a deadline or a
// vanished port is noticed within it.
const Poll = 100 * time.Millisecond

// Rates are the line rates the terminal's serial devices run at: what the
// ID-card modules and receipt printers offer, and so what the
// configuration, kioskctl and the device scan accept.
var Rates = []int{9600, 19200, 38400, 57600, 115200}

// CheckRate says whether baud is one of Rates.
func CheckRate(baud int) error {
	if slices.Contains(Rates, baud) {
		return nil
	}
	return fmt.Errorf("%d baud is not a rate the devices take (9600, 19200, 38400, 57600 or 115200)", baud)
}

// ParsePort reads the part of a device name after "serial:", the
// grammar every serial device shares: /dev/PATH[:BAUD], an absolute path
// and one of Rates, 9600 when left out.
func ParsePort(s string) (path string, baud int, err error) {
	path, baud = s, 9600
	if i := strings.LastIndex(s, ":"); i > 0 {
		if b, err := strconv.Atoi(s[i+1:]); err == nil {
			path, baud = s[:i], b
		}
	}
	if !strings.HasPrefix(path, "/") {
		return "", 0, errors.New("want serial:/dev/PATH[:BAUD]")
	}
	if err := CheckRate(baud); err != nil {
		return "", 0, err
	}
	return path, baud, nil
}

// ErrGone means the port's device file has gone: the adapter was pulled.
var ErrGone = errors.New("serial port gone")

// Port is an open serial line. It is not safe for concurrent reads.
type Port struct {
	p    *serial.Port
	path string
	dl   time.Time
}

// Open opens path at baud, 8N1. A missing device file is os.ErrNotExist.
func Open(path string, baud int) (*Port, error) {
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: baud, ReadTimeout: Poll})
	if err != nil {
		return nil, err
	}
	return &Port{p: p, path: path}, nil
}

// Read waits for bytes until the read deadline (forever without one). At
// the deadline it returns os.ErrDeadlineExceeded, or ErrGone when the
// port's device file has disappeared meanwhile. Any other error (EIO from a
// pulled adapter) is returned as it is.
func (s *Port) Read(b []byte) (int, error) {
	for {
		n, err := s.p.Read(b)
		if n > 0 {
			return n, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if !s.dl.IsZero() && !time.Now().Before(s.dl) {
			if _, statErr := os.Stat(s.path); errors.Is(statErr, os.ErrNotExist) {
				return 0, fmt.Errorf("%w: %s", ErrGone, s.path)
			}
			return 0, os.ErrDeadlineExceeded
		}
	}
}

// SetReadDeadline sets when Read gives up; the zero time means never.
func (s *Port) SetReadDeadline(t time.Time) error { s.dl = t; return nil }

// SetWriteDeadline does nothing: writes to a serial line without flow
// control do not block.
func (s *Port) SetWriteDeadline(time.Time) error { return nil }

func (s *Port) Write(b []byte) (int, error) { return s.p.Write(b) }

// Close closes the port.
func (s *Port) Close() error { return s.p.Close() }
