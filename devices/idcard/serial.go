package idcard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/serialline"
)

// serialTransport speaks to the module over a serial line (a USB-serial
// adapter, a UART, or a pseudo-terminal in tests).
type serialTransport struct {
	port  *serialline.Port
	dec   Decoder
	buf   []byte
	dirty bool // a step failed: bytes of a late reply may still arrive
}

// OpenSerial opens the reader on a serial port at baud (115200 unless the
// module was set otherwise).
func OpenSerial(path string, baud int) (Transport, error) {
	p, err := serialline.Open(path, baud)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("idcard: open %s: %w", path, ErrUnplugged)
		}
		return nil, fmt.Errorf("idcard: open %s: %w", path, err)
	}
	return &serialTransport{port: p, buf: make([]byte, 4096)}, nil
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
		// Wait one poll at a time, so a cancelled step is noticed soon.
		s.port.SetReadDeadline(time.Now().Add(serialline.Poll))
		n, err := s.port.Read(s.buf)
		switch {
		case errors.Is(err, serialline.ErrGone):
			return Reply{}, s.fail(ErrUnplugged)
		case errors.Is(err, os.ErrDeadlineExceeded):
			if ctx.Err() != nil {
				return Reply{}, s.fail(ErrNoReply)
			}
			continue
		case err != nil:
			// EIO when the adapter is pulled: the port is gone.
			return Reply{}, s.fail(fmt.Errorf("idcard: read: %w: %v", ErrUnplugged, err))
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
		s.port.SetReadDeadline(time.Now().Add(serialline.Poll))
		if _, err := s.port.Read(s.buf); err != nil {
			break
		}
	}
	s.dirty = false
}

func (s *serialTransport) Close() error { return s.port.Close() }
