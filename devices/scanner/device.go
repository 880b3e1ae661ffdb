package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/serialline"
)

// Device names a scanner: "serial:/dev/PATH[:BAUD]" (9600 unless said)
// or "evdev:/dev/input/PATH" (best its stable by-id link,
// /dev/input/by-id/usb-…-event-kbd). ParseDevice reads the grammar,
// String writes it, Open opens the scanner.
type Device struct {
	Kind string // "serial" or "evdev"
	Path string
	Baud int // serial only
}

// ParseDevice reads a scanner's name.
func ParseDevice(s string) (Device, error) {
	kind, rest, _ := strings.Cut(s, ":")
	bad := func(why string) (Device, error) {
		return Device{}, fmt.Errorf("scanner: device %q: %s", s, why)
	}
	switch kind {
	case "serial":
		path, baud, err := serialline.ParsePort(rest)
		if err != nil {
			return bad(err.Error())
		}
		return Device{Kind: kind, Path: path, Baud: baud}, nil
	case "evdev":
		if !strings.HasPrefix(rest, "/") {
			return bad("want evdev:/dev/input/PATH")
		}
		return Device{Kind: kind, Path: rest}, nil
	}
	return bad("want serial:/dev/PATH[:BAUD] or evdev:/dev/input/PATH")
}

func (d Device) String() string {
	if d.Kind == "serial" {
		return fmt.Sprintf("serial:%s:%d", d.Path, d.Baud)
	}
	return d.Kind + ":" + d.Path
}

// source is an open scanner's byte stream with read deadlines.
type source interface {
	io.ReadCloser
	SetReadDeadline(time.Time) error
}

// Scanner is an open scanner. It is not safe for concurrent use: one
// goroutine reads it.
type Scanner struct {
	dev   Device
	src   source
	kb    *Keyboard // evdev: keys to bytes
	frame Framer
	scans []Scan // read and not yet returned
	buf   []byte
	held  []byte // evdev: the part of an event a read cut
}

// Open opens the scanner: the serial line at its rate, or the evdev
// device, grabbed for this process alone.
func (d Device) Open() (*Scanner, error) {
	switch d.Kind {
	case "serial":
		p, err := serialline.Open(d.Path, d.Baud)
		if err != nil {
			return nil, fmt.Errorf("scanner: open %s: %w", d, err)
		}
		return &Scanner{dev: d, src: p, buf: make([]byte, 512)}, nil
	case "evdev":
		f, err := os.OpenFile(d.Path, os.O_RDONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("scanner: open %s: %w", d, err)
		}
		if _, err := evdevName(f); err != nil {
			f.Close()
			return nil, err
		}
		if err := grab(f); err != nil {
			f.Close()
			return nil, err
		}
		return &Scanner{dev: d, src: f, kb: &Keyboard{}, buf: make([]byte, 64*eventSize)}, nil
	}
	return nil, fmt.Errorf("scanner: %q is no device (ParseDevice)", d.Kind)
}

// Device is the scanner's name.
func (s *Scanner) Device() Device { return s.dev }

// Next waits for the next code. A scan that is no code the terminal
// reads is an error wrapping ErrBadCode, after which Next can be called
// again; ctx's end is ctx.Err(); any other error means the scanner is
// gone (unplugged): close it and open it again later.
func (s *Scanner) Next(ctx context.Context) (string, error) {
	for {
		if len(s.scans) > 0 {
			sc := s.scans[0]
			s.scans = s.scans[1:]
			return sc.Code, sc.Err
		}
		if err := ctx.Err(); err != nil {
			return "", err
		}
		s.src.SetReadDeadline(time.Now().Add(serialline.Poll * 2))
		n, err := s.src.Read(s.buf)
		if n > 0 {
			s.feed(s.buf[:n])
		}
		switch {
		case err == nil, errors.Is(err, os.ErrDeadlineExceeded):
		case errors.Is(err, io.EOF) && s.kb == nil:
			// A serial line's quiet poll (serialline turns those into
			// deadlines; a pty's closed master ends here).
			return "", fmt.Errorf("scanner: %s: %w", s.dev, err)
		default:
			return "", fmt.Errorf("scanner: %s: %w", s.dev, err)
		}
	}
}

// feed takes what a read brought: bytes from a serial line, whole
// input_events from evdev (a cut event waits for its rest).
func (s *Scanner) feed(p []byte) {
	if s.kb != nil {
		s.held = append(s.held, p...)
		whole := len(s.held) / eventSize * eventSize
		p = s.kb.Events(s.held[:whole])
		s.held = append(s.held[:0], s.held[whole:]...)
	}
	s.scans = append(s.scans, s.frame.Feed(p)...)
}

// Close closes the scanner (and lets go of an evdev grab).
func (s *Scanner) Close() error { return s.src.Close() }
