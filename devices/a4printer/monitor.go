package a4printer

import (
	"context"
	"log/slog"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Monitor asks the print system how the printer stands, now and then and
// when poked, and reports it to the registry: staff see paper out before
// a resident finds it.
type Monitor struct {
	Printer *Printer
	Kind    devices.Kind
	Reg     *devices.Registry
	Log     *slog.Logger
	// Every is how often it asks (10 s).
	Every time.Duration

	poke chan struct{}
}

// NewMonitor makes a monitor of the printer.
func NewMonitor(p *Printer, kind devices.Kind, reg *devices.Registry, log *slog.Logger) *Monitor {
	return &Monitor{Printer: p, Kind: kind, Reg: reg, Log: log, Every: 10 * time.Second, poke: make(chan struct{}, 1)}
}

// Poke asks it to ask at once (a job just ended). It never blocks.
func (m *Monitor) Poke() {
	select {
	case m.poke <- struct{}{}:
	default:
	}
}

// Run reports until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	var last devices.Status
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-m.poke:
		}
		ask, cancel := context.WithTimeout(ctx, 10*time.Second)
		st, err := m.Printer.Status(ask)
		cancel()
		if ctx.Err() != nil {
			return
		}
		s := st.Status(m.Kind)
		if err != nil {
			s = StatusOf(m.Kind, err)
		}
		if s != last && m.Log != nil {
			m.Log.Info("a4 printer", "device", m.Printer.Device().String(), "state", s.State.String(), "reason", s.Reason)
		}
		last = s
		m.Reg.Report(s)
		t.Reset(m.Every)
	}
}
