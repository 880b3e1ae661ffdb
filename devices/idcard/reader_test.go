package idcard_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
)

// rig is a simulated module on a pseudo-terminal and the real driver
// reading it through the serial transport.
type rig struct {
	t      *testing.T
	sim    *idcardsim.Sim
	pty    *idcardsim.PTY
	reg    *devices.Registry
	reader *idcard.Reader
}

func newRig(t *testing.T, tune func(*idcard.ReaderConfig)) *rig {
	t.Helper()
	sim := idcardsim.New()
	p, err := idcardsim.ServePTY(sim, filepath.Join(t.TempDir(), "idcard"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	reg := devices.NewRegistry(devices.IDCardReader)
	cfg := idcard.ReaderConfig{
		Open:   func() (idcard.Transport, error) { return idcard.OpenSerial(p.Path(), 115200) },
		Report: func(s devices.Status) { reg.Report(s) },
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Poll:   20 * time.Millisecond,
		Reopen: 100 * time.Millisecond,
	}
	if tune != nil {
		tune(&cfg)
	}
	r := idcard.NewReader(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	rg := &rig{t: t, sim: sim, pty: p, reg: reg, reader: r}
	rg.waitState(devices.Online, 5*time.Second)
	return rg
}

func (r *rig) state() devices.Status { return r.reg.Snapshot()[0] }

func (r *rig) waitState(want devices.State, within time.Duration) devices.Status {
	r.t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := r.state()
		if s.State == want {
			return s
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("reader is %s (%s), want %s within %v", s.State, s.Reason, want, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *rig) event(within time.Duration) idcard.Event {
	r.t.Helper()
	select {
	case ev := <-r.reader.Events():
		return ev
	case <-time.After(within):
		r.t.Fatalf("no card event within %v (reader %s)", within, r.state().State)
	}
	return idcard.Event{}
}

func (r *rig) noEvent(during time.Duration) {
	r.t.Helper()
	select {
	case ev := <-r.reader.Events():
		r.t.Fatalf("unexpected event: card type %q err %v", ev.Card.Type, ev.Err)
	case <-time.After(during):
	}
}

func sameCard(t *testing.T, got, want idcard.Card) {
	t.Helper()
	if !bytes.Equal(got.Photo, want.Photo) {
		t.Errorf("photo differs (%d bytes, want %d)", len(got.Photo), len(want.Photo))
	}
	got.Photo, want.Photo = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("card\n got  %+v\n want %+v", got, want)
	}
}

func TestReadEveryCardTypeOverSerial(t *testing.T) {
	r := newRig(t, nil)
	if id := r.reader.SAMID(); len(id) != 35 {
		t.Errorf("SAM id %q, want 16 bytes in hex groups", id)
	}
	for _, c := range idcard.SampleCards() {
		r.sim.Place(c)
		placed := time.Now()
		ev := r.event(3 * time.Second)
		if ev.Err != nil {
			t.Fatalf("%s: %v", c.Type, ev.Err)
		}
		if ev.At.Before(placed) || time.Since(ev.At) > 3*time.Second {
			t.Errorf("%s: event time %v, placed %v", c.Type, ev.At, placed)
		}
		sameCard(t, ev.Card, c)
		r.sim.Remove()
		r.waitState(devices.Online, time.Second)
	}
}

func TestOneEventPerPlacement(t *testing.T) {
	for _, refind := range []bool{false, true} {
		r := newRig(t, nil)
		if refind {
			r.sim.Inject(idcardsim.Refind, -1) // the module finds the card again and again
		}
		card := idcard.SampleCards()[0]
		r.sim.Place(card)
		r.event(3 * time.Second)
		r.noEvent(300 * time.Millisecond) // many polls with the card still there
		r.sim.Remove()
		// A few polls with no card. A loaded machine may have been in the
		// middle of a re-read when the card went: that read fails, and
		// says so once; it is not the next placement's event.
		time.Sleep(600 * time.Millisecond)
		select {
		case ev := <-r.reader.Events():
			if ev.Err == nil {
				t.Fatalf("refind %v: an event with no card on the reader: %+v", refind, ev)
			}
		default:
		}
		r.sim.Place(card)
		if ev := r.event(3 * time.Second); ev.Err != nil || ev.Card.IDNumber != card.IDNumber {
			t.Fatalf("refind %v: second placement: %+v", refind, ev)
		}
	}
}

func TestReadSurvivesLineFaults(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault idcardsim.Fault
		n     int
	}{
		{"noise", idcardsim.Noise, -1},
		{"split frames", idcardsim.Split, -1},
		{"corrupt checksum", idcardsim.CorruptChecksum, 1},
		{"transient 0x41", idcardsim.Transient, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, nil)
			r.sim.Inject(tc.fault, tc.n)
			want := idcard.SampleCards()[3]
			r.sim.Place(want)
			ev := r.event(5 * time.Second)
			if ev.Err != nil {
				t.Fatalf("read failed: %v", ev.Err)
			}
			sameCard(t, ev.Card, want)
		})
	}
}

func TestTransientTwiceIsReported(t *testing.T) {
	r := newRig(t, nil)
	r.sim.Inject(idcardsim.Transient, 2) // one retry only: the second failure stands
	r.sim.Place(idcard.SampleCards()[1])
	ev := r.event(3 * time.Second)
	var se *idcard.StatusError
	if !errors.As(ev.Err, &se) || se.Status != idcard.StatusReadFailed {
		t.Fatalf("event err = %v, want read failed", ev.Err)
	}
}

func TestSAMFailureNeedsTechnician(t *testing.T) {
	r := newRig(t, nil)
	r.sim.Inject(idcardsim.SAMFailure, -1)
	s := r.waitState(devices.HardwareError, 3*time.Second)
	if s.Actor != devices.Technician {
		t.Fatalf("actor %s, want technician", s.Actor)
	}
	r.sim.Clear(idcardsim.SAMFailure)
	r.waitState(devices.Online, 5*time.Second)
}

func TestSilentModuleGoesOfflineAndBack(t *testing.T) {
	r := newRig(t, func(c *idcard.ReaderConfig) { c.FindWait = 200 * time.Millisecond })
	r.sim.Inject(idcardsim.Silence, -1)
	r.waitState(devices.Offline, 3*time.Second)
	r.sim.Clear(idcardsim.Silence)
	r.waitState(devices.Online, 5*time.Second)
	r.sim.Place(idcard.SampleCards()[0])
	if ev := r.event(3 * time.Second); ev.Err != nil {
		t.Fatalf("after silence: %v", ev.Err)
	}
}

func TestUnplugAndReplug(t *testing.T) {
	r := newRig(t, nil)
	r.pty.Unplug()
	if s := r.waitState(devices.NoDevice, 3*time.Second); s.Actor != devices.Technician {
		t.Fatalf("unplugged: actor %s", s.Actor)
	}
	if err := r.pty.Plug(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r.waitState(devices.Online, 5*time.Second)
	t.Logf("back online %v after re-plugging", time.Since(start).Round(time.Millisecond))
	r.sim.Place(idcard.SampleCards()[2])
	if ev := r.event(3 * time.Second); ev.Err != nil {
		t.Fatalf("after re-plug: %v", ev.Err)
	}
}

func TestMissingPortIsNoDeviceAndRetried(t *testing.T) {
	var mu sync.Mutex
	var states []devices.Status
	opens := 0
	r := idcard.NewReader(idcard.ReaderConfig{
		Open: func() (idcard.Transport, error) {
			mu.Lock()
			opens++
			mu.Unlock()
			return idcard.OpenSerial("/dev/nonexistent-yizhan", 115200)
		},
		Report: func(s devices.Status) {
			mu.Lock()
			states = append(states, s)
			mu.Unlock()
		},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Reopen: 50 * time.Millisecond,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	if err := r.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if opens < 3 {
		t.Errorf("opened %d times in 400 ms, want retries every 50 ms", opens)
	}
	if len(states) == 0 || states[0].State != devices.NoDevice || states[0].Actor != devices.Technician {
		t.Fatalf("states %+v, want noDevice for a technician first", states)
	}
	if !strings.Contains(states[0].Reason, "unplugged") {
		t.Errorf("reason %q does not say the reader is missing", states[0].Reason)
	}
}

func TestPacedReadAt115200(t *testing.T) {
	r := newRig(t, nil)
	r.sim.Pace(115200)
	want := idcard.SampleCards()[5]
	r.sim.Place(want)
	ev := r.event(5 * time.Second)
	if ev.Err != nil {
		t.Fatal(ev.Err)
	}
	sameCard(t, ev.Card, want)
}

func TestReadWithFingerprint(t *testing.T) {
	for _, fpLen := range []int{1024, 512, 0} {
		r := newRig(t, func(c *idcard.ReaderConfig) { c.Fingerprint = true })
		want := idcard.SampleCards()[0]
		want.Fingerprint = bytes.Repeat([]byte{0xA5}, fpLen)
		r.sim.Place(want)
		ev := r.event(3 * time.Second)
		if ev.Err != nil {
			t.Fatalf("fingerprint %d: %v", fpLen, ev.Err)
		}
		if len(ev.Card.Fingerprint) != fpLen || (fpLen > 0 && !bytes.Equal(ev.Card.Fingerprint, want.Fingerprint)) {
			t.Fatalf("fingerprint %d: got %d bytes", fpLen, len(ev.Card.Fingerprint))
		}
		if want.Fingerprint == nil || fpLen == 0 {
			want.Fingerprint = nil
		}
		got := ev.Card
		got.Fingerprint, want.Fingerprint = nil, nil
		sameCard(t, got, want)
	}
}

// A resting reader looks for cards only every RestPoll; leaving rest looks
// again at once, without waiting out the pause.
func TestRestingReaderPollsSlowlyAndHurriesWhenTold(t *testing.T) {
	r := newRig(t, func(c *idcard.ReaderConfig) { c.RestPoll = time.Hour })
	r.reader.Rest(true)
	time.Sleep(200 * time.Millisecond) // the pause under way when told ends
	before := r.sim.Commands()
	r.sim.Place(idcard.SampleCards()[0])
	r.noEvent(500 * time.Millisecond)
	if n := r.sim.Commands(); n != before {
		t.Fatalf("a resting reader sent %d commands in half a second", n-before)
	}
	r.reader.Rest(false)
	ev := r.event(3 * time.Second)
	if ev.Err != nil {
		t.Fatalf("card after rest: %v", ev.Err)
	}
	r.sim.Remove()
	r.reader.Rest(false) // told twice: still polls at Poll
	r.sim.Place(idcard.SampleCards()[1])
	r.event(3 * time.Second)
}
