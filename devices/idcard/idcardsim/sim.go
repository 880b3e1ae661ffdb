// Package idcardsim is a simulated ID-card reader module. It speaks the SAM
// frame protocol byte for byte, so the real driver can be tested end to end:
// over a pseudo-terminal for the serial transport (see PTY), or over any
// byte stream. Cards are placed and removed on command, and faults can be
// injected: noise, split frames, corrupted checksums, transient read
// failures, a failed SAM, silence, and real baud-rate pacing.
package idcardsim

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
)

// Fault is a misbehaviour the simulator can be told to show.
type Fault int

const (
	// Noise puts random bytes before each reply.
	Noise Fault = iota + 1
	// Split sends each reply in small pieces with pauses between them.
	Split
	// CorruptChecksum sends the next reply with a wrong checksum.
	CorruptChecksum
	// Transient answers the next select or read with 0x41 (read failed).
	Transient
	// SAMFailure answers every command with 0x60 (SAM self-test failed).
	SAMFailure
	// Silence answers nothing at all.
	Silence
	// Refind lets find succeed again right after a read, while the card is
	// still on the reader, as some modules do.
	Refind
)

// Sim is one simulated reader module. Its methods are safe to call while
// Serve runs.
type Sim struct {
	mu       sync.Mutex
	card     *idcard.Card // the card on the reader, or nil
	read     bool         // the card was read since it was placed
	selected bool
	faults   map[Fault]int // remaining count; -1 means until cleared
	baud     int           // pace replies at this rate; 0 sends at once
	samID    [16]byte
	commands int
}

// New returns a simulator with no card on it.
func New() *Sim {
	s := &Sim{faults: make(map[Fault]int)}
	for i := range s.samID {
		s.samID[i] = byte(0x05 + i*7)
	}
	return s
}

// Place puts a card on the reader (replacing any other).
func (s *Sim) Place(c idcard.Card) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.card, s.read, s.selected = &c, false, false
}

// Remove takes the card away.
func (s *Sim) Remove() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.card, s.read, s.selected = nil, false, false
}

// Inject turns a fault on for the next n replies it applies to; n < 0 keeps
// it on until Clear.
func (s *Sim) Inject(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[f] = n
}

// Clear turns a fault off.
func (s *Sim) Clear(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, f)
}

// Pace sends replies at the given baud rate, as a real serial line would
// (10 bits a byte); 0 sends them at once.
func (s *Sim) Pace(baud int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baud = baud
}

// Commands returns how many command frames the simulator has answered or
// ignored.
func (s *Sim) Commands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands
}

// take reports whether fault f is on, and uses one of its count.
func (s *Sim) take(f Fault) bool {
	n, ok := s.faults[f]
	if !ok || n == 0 {
		return false
	}
	if n > 0 {
		s.faults[f] = n - 1
	}
	return true
}

func (s *Sim) on(f Fault) bool {
	n, ok := s.faults[f]
	return ok && n != 0
}

// Serve answers command frames read from rw until ctx ends or rw fails.
func (s *Sim) Serve(ctx context.Context, rw io.ReadWriter) error {
	var dec idcard.Decoder
	buf := make([]byte, 512)
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		n, err := rw.Read(buf)
		if err != nil {
			return err
		}
		dec.Write(buf[:n])
		for {
			body, ok, err := dec.NextFrame()
			if errors.Is(err, idcard.ErrChecksum) {
				if err := s.send(ctx, rw, idcard.EncodeReply(idcard.StatusChecksum, nil)); err != nil {
					return err
				}
				continue
			}
			if !ok {
				break
			}
			reply := s.Answer(body)
			if reply == nil {
				continue
			}
			if err := s.send(ctx, rw, reply); err != nil {
				return err
			}
		}
	}
}

// Answer returns the reply frame to a command frame's body (CMD Para Data),
// or nil when the module stays silent. Serve uses it; so can a simulated
// USB module.
func (s *Sim) Answer(body []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands++
	if s.on(Silence) {
		s.take(Silence)
		return nil
	}
	cmd, _, err := idcard.ParseCommand(body)
	if err != nil {
		return idcard.EncodeReply(idcard.StatusLength, nil)
	}
	if s.on(SAMFailure) && cmd != idcard.CmdResetSAM {
		s.take(SAMFailure)
		return idcard.EncodeReply(idcard.StatusSelfTest, nil)
	}
	reply := s.reply(cmd)
	if s.take(CorruptChecksum) {
		reply[len(reply)-1] ^= 0x5A
	}
	if s.on(Noise) {
		s.take(Noise)
		noise := make([]byte, 1+rand.IntN(24))
		for i := range noise {
			noise[i] = byte(rand.IntN(256))
		}
		reply = append(noise, reply...)
	}
	return reply
}

func (s *Sim) reply(cmd idcard.Command) []byte {
	switch cmd {
	case idcard.CmdResetSAM, idcard.CmdSAMStatus:
		return idcard.EncodeReply(idcard.StatusOK, nil)
	case idcard.CmdSAMID:
		return idcard.EncodeReply(idcard.StatusOK, s.samID[:])
	case idcard.CmdFind:
		if s.card == nil || (s.read && !s.on(Refind)) {
			return idcard.EncodeReply(idcard.StatusNoCard, nil)
		}
		s.selected = false
		return idcard.EncodeReply(idcard.StatusFound, []byte{0, 0, 0, 0})
	case idcard.CmdSelect:
		if s.card == nil {
			return idcard.EncodeReply(idcard.StatusSelectFailed, nil)
		}
		if s.take(Transient) {
			return idcard.EncodeReply(idcard.StatusReadFailed, nil)
		}
		s.selected = true
		return idcard.EncodeReply(idcard.StatusOK, make([]byte, 8))
	case idcard.CmdRead, idcard.CmdReadFinger:
		if s.card == nil || !s.selected {
			return idcard.EncodeReply(idcard.StatusReadFailed, nil)
		}
		if s.take(Transient) {
			return idcard.EncodeReply(idcard.StatusReadFailed, nil)
		}
		data, err := cardData(*s.card, cmd == idcard.CmdReadFinger)
		if err != nil {
			return idcard.EncodeReply(idcard.StatusInfoCheck, nil)
		}
		s.read, s.selected = true, false
		return idcard.EncodeReply(idcard.StatusOK, data)
	}
	return idcard.EncodeReply(idcard.StatusCommand, nil)
}

// cardData lays out a read reply's data: the lengths, then text, photo and
// (for the fingerprint read) the fingerprint.
func cardData(c idcard.Card, finger bool) ([]byte, error) {
	text, err := c.TextBlock()
	if err != nil {
		return nil, err
	}
	photo := make([]byte, idcard.PhotoLen)
	copy(photo, c.Photo)
	var d []byte
	d = binary.BigEndian.AppendUint16(d, uint16(len(text)))
	d = binary.BigEndian.AppendUint16(d, uint16(len(photo)))
	if finger {
		d = binary.BigEndian.AppendUint16(d, uint16(len(c.Fingerprint)))
	}
	d = append(d, text...)
	d = append(d, photo...)
	if finger {
		d = append(d, c.Fingerprint...)
	}
	return d, nil
}

// send writes a reply, in pieces and at the line's pace when told to.
func (s *Sim) send(ctx context.Context, w io.Writer, frame []byte) error {
	s.mu.Lock()
	split := s.take(Split)
	baud := s.baud
	s.mu.Unlock()

	chunk := len(frame)
	switch {
	case split:
		chunk = 3
	case baud > 0:
		chunk = 32
	}
	// At a paced rate each piece is written when its last byte would have
	// crossed the wire, counted from the start, so pauses do not drift.
	start, sent := time.Now(), 0
	for len(frame) > 0 {
		n := min(chunk, len(frame))
		sent += n
		var wait time.Duration
		if baud > 0 {
			wait = time.Until(start.Add(time.Duration(sent) * 10 * time.Second / time.Duration(baud)))
		}
		if split && sent > n {
			wait = max(wait, time.Millisecond)
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		if _, err := w.Write(frame[:n]); err != nil {
			return fmt.Errorf("idcardsim: write: %w", err)
		}
		frame = frame[n:]
	}
	return nil
}
