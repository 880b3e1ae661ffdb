// Package printersim is a simulated serial receipt printer: on a
// pseudo-terminal it answers DLE EOT with a status the test sets (paper
// out, cover open …) and keeps every byte it was sent, so the real driver
// can be tested end to end and what it sent can be read back.
package printersim

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices/ptyharness"
)

// Sim is a simulated printer.
type Sim struct {
	mu       sync.Mutex
	status   [4]byte
	received []byte
	// paperAfter, when > 0, runs the paper out once that many bytes of
	// print data have arrived; later data is lost, as on real paper.
	paperAfter int
	silent     bool
	printed    int // print data bytes taken (not status requests)
}

// Idle is the status of a ready printer: 0x12 for every request.
var Idle = [4]byte{0x12, 0x12, 0x12, 0x12}

// New returns a ready printer.
func New() *Sim { return &Sim{status: Idle} }

// SetStatus sets the replies to DLE EOT 1 to 4.
func (s *Sim) SetStatus(st [4]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = st
}

// PaperOutAfter makes the paper run out after n bytes of print data.
func (s *Sim) PaperOutAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.paperAfter = n
}

// Silence stops the printer answering status requests.
func (s *Sim) Silence(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent = on
}

// Received returns a copy of every byte the printer was sent.
func (s *Sim) Received() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.received...)
}

// Reset forgets what was received.
func (s *Sim) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received, s.printed = nil, 0
}

// Take handles bytes from the host and returns the status bytes to send
// back; pending carries a request split across calls. Like a real printer
// it answers DLE EOT n wherever it finds it. Serve uses it; so can a
// simulated USB printer.
func (s *Sim) Take(b []byte, pending *[]byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var reply []byte
	data := append(*pending, b...)
	*pending = nil
	for i := 0; i < len(data); i++ {
		if data[i] == 0x10 {
			if i+2 >= len(data) {
				*pending = append([]byte(nil), data[i:]...)
				break
			}
			if data[i+1] == 0x04 && data[i+2] >= 1 && data[i+2] <= 4 {
				s.received = append(s.received, data[i:i+3]...)
				if !s.silent {
					reply = append(reply, s.status[data[i+2]-1])
				}
				i += 2
				continue
			}
		}
		if s.paperAfter > 0 && s.printed >= s.paperAfter {
			s.status[1] |= 0x20 // stopped by paper end
			s.status[3] |= 0x60 // paper end
			s.printed++
			continue // the paper is gone: this byte is lost
		}
		s.received = append(s.received, data[i])
		s.printed++
	}
	return reply
}

// PTY serves a Sim on a pseudo-terminal.
type PTY struct {
	master, slave *os.File
	cancel        context.CancelFunc
	done          chan struct{}
}

// ServePTY starts the printer on a new pseudo-terminal.
func ServePTY(s *Sim) (*PTY, error) {
	master, slave, err := ptyharness.Open()
	if err != nil {
		return nil, fmt.Errorf("printersim: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &PTY{master: master, slave: slave, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		s.Serve(ctx, master)
	}()
	return p, nil
}

// Serve acts as the printer on a byte stream until ctx ends or the stream
// fails.
func (s *Sim) Serve(ctx context.Context, rw io.ReadWriter) error {
	buf := make([]byte, 4096)
	var pending []byte
	for ctx.Err() == nil {
		n, err := rw.Read(buf)
		if err != nil {
			return err
		}
		if reply := s.Take(buf[:n], &pending); len(reply) > 0 {
			if _, err := rw.Write(reply); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// ServeTCP acts as a network printer on raw port connections accepted from
// ln, one at a time, until ln is closed.
func (s *Sim) ServeTCP(ctx context.Context, ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		s.Serve(ctx, c)
		c.Close()
	}
}

// Path is the port the driver opens.
func (p *PTY) Path() string { return p.slave.Name() }

// Close unplugs the printer.
func (p *PTY) Close() error {
	p.cancel()
	p.master.Close()
	p.slave.Close()
	<-p.done
	return nil
}
