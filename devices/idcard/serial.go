package idcard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tarm/serial"
)

// serialTransport speaks to the module over a serial line (a USB-serial
// adapter, a UART, or a pseudo-terminal in tests).
type serialTransport struct {
	path  string
	port  *serial.Port
	dec   Decoder
	buf   []byte
	dirty bool // a step failed: bytes of a late reply may still arrive
}

// serialPoll is how long one Read waits for bytes. The serial driver counts
// it in tenths of a second; a cancelled step is noticed within it.
const serialPoll = 100 * time.Millisecond

// OpenSerial opens the reader on a serial port at baud (115200 unless the
// module was set otherwise).
func OpenSerial(path string, baud int) (Transport, error) {
	p, err := serial.OpenPort(&serial.Config{Name: path, Baud: baud, ReadTimeout: serialPoll})
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("idcard: open %s: %w", path, ErrUnplugged)
		}
		return nil, fmt.Errorf("idcard: open %s: %w", path, err)
	}
	return &serialTransport{path: path, port: p, buf: make([]byte, 4096)}, nil
}

func (s *serialTransport) Exchange(ctx context.Context, cmd []byte) (Reply, error) {
	if s.dirty {
		s.drain()
	}
	s.dec.Reset()
	if _, err := s.port.Write(cmd); err != nil {
		return Reply{}, s.fail(fmt.Errorf("idcard: write: %w", err))
	}
	for {
		if err := ctx.Err(); err != nil {
			if _, statErr := os.Stat(s.path); errors.Is(statErr, os.ErrNotExist) {
				return Reply{}, s.fail(ErrUnplugged)
			}
			return Reply{}, s.fail(ErrNoReply)
		}
		n, err := s.port.Read(s.buf)
		if err != nil && !(n == 0 && errors.Is(err, io.EOF)) {
			// (0, io.EOF) is the read timeout: nothing yet. Anything else
			// (EIO when the adapter is pulled) means the port is gone.
			return Reply{}, s.fail(fmt.Errorf("idcard: read: %w: %v", ErrUnplugged, err))
		}
		if n == 0 {
			continue
		}
		s.dec.Write(s.buf[:n])
		r, ok, err := s.dec.Next()
		if err != nil {
			return Reply{}, s.fail(err)
		}
		if ok {
			return r, nil
		}
	}
}

func (s *serialTransport) fail(err error) error {
	s.dirty = true
	return err
}

// drain throws away whatever a late reply left on the line, reading until
// the line is quiet for one poll.
func (s *serialTransport) drain() {
	for i := 0; i < 50; i++ {
		n, err := s.port.Read(s.buf)
		if n == 0 || err != nil {
			break
		}
	}
	s.dirty = false
}

func (s *serialTransport) Close() error { return s.port.Close() }
