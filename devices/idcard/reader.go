package idcard

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Event is one card placement: the card read, or why it could not be.
type Event struct {
	Card Card
	// Err is set when the card was found but not read: ErrDamaged for
	// inconsistent data, or the SAM status of a failed read.
	Err error
	// At is when the card was read; a screen that starts waiting for a
	// card ignores one read before it began.
	At time.Time
}

// ReaderConfig configures a Reader. Open is required; the rest have
// defaults.
type ReaderConfig struct {
	// Open opens the transport to the module (OpenSerial, OpenUSB ...).
	Open func() (Transport, error)
	// Report receives the reader's state in the device model.
	Report func(devices.Status)
	Log    *slog.Logger

	Poll        time.Duration // between finds while idle; default 200 ms
	RestPoll    time.Duration // between finds while the terminal rests (see Rest); default 500 ms
	Reopen      time.Duration // between attempts to open a missing port; default 1 s
	FindWait    time.Duration // per step; defaults 0.8 s, 0.3 s, 1.1 s
	SelectWait  time.Duration
	ReadWait    time.Duration
	Fingerprint bool // read the fingerprint block too (longer reply)
}

// Reader finds, selects and reads cards in a loop and reports one Event per
// card placement. Run drives it.
type Reader struct {
	cfg    ReaderConfig
	events chan Event

	resting atomic.Bool
	hurry   chan struct{} // a resident came: cut a resting pause short

	mu    sync.Mutex
	samID string
}

// NewReader returns a reader; call Run to start it.
func NewReader(cfg ReaderConfig) *Reader {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Poll, 200*time.Millisecond)
	def(&cfg.RestPoll, 500*time.Millisecond)
	def(&cfg.Reopen, time.Second)
	def(&cfg.FindWait, 800*time.Millisecond)
	def(&cfg.SelectWait, 300*time.Millisecond)
	def(&cfg.ReadWait, 1100*time.Millisecond)
	if cfg.Fingerprint {
		cfg.ReadWait += 100 * time.Millisecond // 2321 bytes take 90 ms longer on the wire
	}
	if cfg.Report == nil {
		cfg.Report = func(devices.Status) {}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Reader{cfg: cfg, events: make(chan Event, 1), hurry: make(chan struct{}, 1)}
}

// Rest says whether the terminal is at rest — nobody at it, its home screen
// waiting. A resting reader looks for a card every RestPoll instead of
// every Poll: at rest the polls are most of what the terminal does, and a
// card placed then is seen a few tenths of a second later. Leaving rest
// ends the pause at once.
func (r *Reader) Rest(on bool) {
	if r.resting.Swap(on) && !on {
		select {
		case r.hurry <- struct{}{}:
		default:
		}
	}
}

// pause waits between two finds; it reports whether ctx is still live.
func (r *Reader) pause(ctx context.Context) bool {
	d := r.cfg.Poll
	if r.resting.Load() {
		d = r.cfg.RestPoll
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-r.hurry:
	case <-t.C:
	}
	return true
}

// Events delivers card placements. Only the newest waits if nobody reads:
// a card placed while no screen wants one is not kept for later.
func (r *Reader) Events() <-chan Event { return r.events }

// SAMID returns the SAM module's id, read when the reader last came online.
func (r *Reader) SAMID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.samID
}

func (r *Reader) report(state devices.State, actor devices.Actor, reason string) {
	r.cfg.Report(devices.Status{Kind: devices.IDCardReader, State: state, Actor: actor, Reason: reason})
}

// Run opens the reader, keeps it online and polls for cards until ctx ends.
// A missing or unplugged port is retried every Reopen, so a re-plugged
// reader comes back by itself.
func (r *Reader) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		t, err := r.cfg.Open()
		if err != nil {
			r.report(devices.NoDevice, devices.Technician, err.Error())
			if !sleep(ctx, r.cfg.Reopen) {
				break
			}
			continue
		}
		err = r.serve(ctx, t)
		t.Close()
		if ctx.Err() != nil {
			break
		}
		var se *StatusError
		switch {
		case errors.As(err, &se) && se.SAMFault():
			r.report(devices.HardwareError, devices.Technician, se.Status.String())
			r.cfg.Log.Error("idcard: SAM fault", "status", se.Status.String())
			sleep(ctx, 5*r.cfg.Reopen) // a SAM fault rarely clears by itself
		case errors.Is(err, ErrUnplugged):
			r.report(devices.NoDevice, devices.Technician, err.Error())
			sleep(ctx, r.cfg.Reopen)
		default:
			r.report(devices.Offline, devices.Device, err.Error())
			r.cfg.Log.Warn("idcard: reader not answering", "err", err)
			sleep(ctx, r.cfg.Reopen)
		}
	}
	r.report(devices.Offline, devices.NoOne, "stopped")
	return ctx.Err()
}

// serve talks to an open module until the transport fails.
func (r *Reader) serve(ctx context.Context, t Transport) error {
	reply, err := r.exchange(ctx, t, CmdSAMID, r.cfg.FindWait)
	if err != nil {
		return fmt.Errorf("idcard: SAM id: %w", err)
	}
	r.mu.Lock()
	r.samID = FormatSAMID(reply.Data)
	r.mu.Unlock()
	r.cfg.Log.Info("idcard: reader online", "sam", r.SAMID())
	r.report(devices.Online, devices.NoOne, "")

	var present string // the card read and still on the reader ("" when none)
	noReply := 0
	for {
		if !r.pause(ctx) {
			return ctx.Err()
		}
		_, err := r.exchange(ctx, t, CmdFind, r.cfg.FindWait)
		switch {
		case err == nil:
			noReply = 0
		case errors.Is(err, ErrNoCard):
			noReply, present = 0, "" // the card has left the field
			continue
		case errors.Is(err, ErrNoReply), errors.Is(err, ErrChecksum), errors.Is(err, ErrShortReply):
			if noReply++; noReply >= 3 {
				return err
			}
			continue
		default:
			var se *StatusError
			if errors.As(err, &se) && !se.SAMFault() {
				continue // another poll will do
			}
			return err
		}
		r.report(devices.Busy, devices.NoOne, "reading")
		ev, key, err := r.readCard(ctx, t)
		if err != nil && !isCardError(err) {
			return err
		}
		r.report(devices.Online, devices.NoOne, "")
		if key != "" && key == present {
			continue // the same card, never taken away: one event per placement
		}
		present = key
		if err != nil {
			ev = Event{Err: err}
		}
		ev.At = time.Now()
		r.cfg.Log.Info("idcard: card", "type", string(ev.Card.Type), "ok", ev.Err == nil)
		r.deliver(ev)
	}
}

// isCardError reports an error that concerns the card, not the reader.
func isCardError(err error) bool {
	var se *StatusError
	return errors.Is(err, ErrDamaged) || (errors.As(err, &se) && !se.SAMFault())
}

// readCard selects and reads the found card. key identifies the card for
// telling a new placement from the same card left on the reader.
func (r *Reader) readCard(ctx context.Context, t Transport) (ev Event, key string, err error) {
	if _, err := r.step(ctx, t, CmdSelect, r.cfg.SelectWait); err != nil {
		return Event{}, "", err
	}
	cmd := CmdRead
	if r.cfg.Fingerprint {
		cmd = CmdReadFinger
	}
	reply, err := r.step(ctx, t, cmd, r.cfg.ReadWait)
	if err != nil {
		return Event{}, "", err
	}
	card, err := ParseRead(reply.Data, r.cfg.Fingerprint)
	sum := sha256.Sum256(reply.Data)
	key = hex.EncodeToString(sum[:8])
	if err != nil {
		return Event{}, key, err
	}
	return Event{Card: card}, key, nil
}

// step runs one select or read, retrying once on a transient radio error.
func (r *Reader) step(ctx context.Context, t Transport, c Command, wait time.Duration) (Reply, error) {
	reply, err := r.exchange(ctx, t, c, wait)
	var se *StatusError
	if errors.As(err, &se) && se.Transient() || errors.Is(err, ErrChecksum) {
		reply, err = r.exchange(ctx, t, c, wait)
	}
	return reply, err
}

// exchange sends one command with its deadline and checks SW3.
func (r *Reader) exchange(ctx context.Context, t Transport, c Command, wait time.Duration) (Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	reply, err := t.Exchange(ctx, c.Encode())
	if err != nil {
		return Reply{}, err
	}
	return reply, reply.Err()
}

func (r *Reader) deliver(ev Event) {
	for {
		select {
		case r.events <- ev:
			return
		default:
		}
		select {
		case <-r.events: // drop the stale one
		default:
		}
	}
}

// ParseRead parses the data of a read reply (after SW3): the block lengths,
// the text, the photo and, when asked for, the fingerprint.
func ParseRead(data []byte, fingerprint bool) (Card, error) {
	words := 2
	if fingerprint {
		words = 3
	}
	if len(data) < 2*words {
		return Card{}, damaged("read reply of %d bytes", len(data))
	}
	textLen := int(binary.BigEndian.Uint16(data[0:]))
	photoLen := int(binary.BigEndian.Uint16(data[2:]))
	fpLen := 0
	if fingerprint {
		fpLen = int(binary.BigEndian.Uint16(data[4:]))
	}
	body := data[2*words:]
	if textLen != TextLen || photoLen != PhotoLen || len(body) != textLen+photoLen+fpLen {
		return Card{}, damaged("read reply lengths text %d photo %d fingerprint %d in %d bytes", textLen, photoLen, fpLen, len(body))
	}
	c, err := ParseText(body[:textLen])
	if err != nil {
		return Card{}, err
	}
	c.Photo = append([]byte(nil), body[textLen:textLen+photoLen]...)
	if fpLen > 0 {
		c.Fingerprint = append([]byte(nil), body[textLen+photoLen:]...)
	}
	return c, nil
}

// FormatSAMID writes the 16-byte SAM id as hex groups of eight digits
// (050c131a-21282f36-…), as the reader, kioskctl and the device scan show it.
func FormatSAMID(b []byte) string {
	h := hex.EncodeToString(b)
	out := make([]byte, 0, len(h)+len(h)/8)
	for i := 0; i < len(h); i += 8 {
		if i > 0 {
			out = append(out, '-')
		}
		out = append(out, h[i:min(i+8, len(h))]...)
	}
	return string(out)
}

// sleep waits d or until ctx ends; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
