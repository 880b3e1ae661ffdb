package idcard_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
)

// usbModule is a simulated USB reader module: four bulk pipes in front of
// the simulator, with 64-byte packets as full-speed bulk transfers have.
type usbModule struct {
	sim *idcardsim.Sim

	mu      sync.Mutex
	header  []byte
	reply   []byte // waiting to be read: header part first, then body
	arrived chan struct{}
	writes  map[string]int
}

func newUSBModule(sim *idcardsim.Sim) *usbModule {
	return &usbModule{sim: sim, arrived: make(chan struct{}, 1), writes: make(map[string]int)}
}

type pipe struct {
	m    *usbModule
	addr string
}

func (p pipe) WriteContext(ctx context.Context, b []byte) (int, error) {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writes[p.addr]++
	if p.addr == "0x02" {
		m.header = append([]byte(nil), b...)
		return len(b), nil
	}
	var dec idcard.Decoder
	dec.Write(m.header)
	dec.Write(b)
	body, ok, err := dec.NextFrame()
	if !ok || err != nil {
		return len(b), nil // a module ignores a broken command
	}
	if r := m.sim.Answer(body); r != nil {
		m.reply = r
		select {
		case m.arrived <- struct{}{}:
		default:
		}
	}
	return len(b), nil
}

func (p pipe) ReadContext(ctx context.Context, b []byte) (int, error) {
	m := p.m
	for {
		m.mu.Lock()
		if len(m.reply) > 0 {
			n := 7
			if p.addr == "0x85" {
				n = min(64, len(m.reply), len(b))
			}
			n = copy(b, m.reply[:n])
			m.reply = m.reply[n:]
			m.mu.Unlock()
			return n, nil
		}
		m.mu.Unlock()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-m.arrived:
		}
	}
}

func TestReadOverUSBPipes(t *testing.T) {
	sim := idcardsim.New()
	m := newUSBModule(sim)
	reg := devices.NewRegistry(devices.IDCardReader)
	r := idcard.NewReader(idcard.ReaderConfig{
		Open: func() (idcard.Transport, error) {
			return idcard.NewUSBTransportForTest(pipe{m, "0x02"}, pipe{m, "0x06"}, pipe{m, "0x81"}, pipe{m, "0x85"}), nil
		},
		Report: func(s devices.Status) { reg.Report(s) },
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Poll:   10 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	for _, want := range idcard.SampleCards() {
		sim.Place(want)
		select {
		case ev := <-r.Events():
			if ev.Err != nil {
				t.Fatalf("%s: %v", want.Type, ev.Err)
			}
			sameCard(t, ev.Card, want)
		case <-time.After(3 * time.Second):
			t.Fatalf("%s: no card over USB (reader %s)", want.Type, reg.Snapshot()[0].State)
		}
		sim.Remove()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.writes["0x02"] == 0 || m.writes["0x02"] != m.writes["0x06"] {
		t.Errorf("header and body pipes used %d and %d times: every command uses both", m.writes["0x02"], m.writes["0x06"])
	}
}

func TestUSBSilenceIsNoReply(t *testing.T) {
	sim := idcardsim.New()
	sim.Inject(idcardsim.Silence, -1)
	m := newUSBModule(sim)
	tr := idcard.NewUSBTransportForTest(pipe{m, "0x02"}, pipe{m, "0x06"}, pipe{m, "0x81"}, pipe{m, "0x85"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := tr.Exchange(ctx, idcard.CmdFind.Encode()); err != idcard.ErrNoReply {
		t.Fatalf("err = %v, want ErrNoReply", err)
	}
}

func TestOpenUSBWithoutTheDevice(t *testing.T) {
	// Whatever this machine has (no USB at all, or no such module), opening
	// an absent module is an error, never a panic.
	if _, err := idcard.OpenUSB(0xFFFE, 0xFFFE); err == nil {
		t.Fatal("opened a module that is not there")
	}
}
