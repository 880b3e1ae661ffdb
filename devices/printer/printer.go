package printer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Config configures a Printer. Open is required.
type Config struct {
	Open    func(ctx context.Context) (Port, error)
	Profile Profile
	Report  func(devices.Status)
	Log     *slog.Logger
	Poll    time.Duration // status poll while idle; default 5 s
	Reopen  time.Duration // between attempts to open a missing port; default 2 s
	// Settle is how long after sending a receipt the printer is asked
	// again whether it printed it all; default 300 ms.
	Settle time.Duration
}

// Printer is the receipt printer: it keeps its status current and prints.
type Printer struct {
	cfg Config

	mu   sync.Mutex // guards port; held for a whole print
	port Port
	last devices.Status
}

// ErrNotReady means the printer cannot print now; the error says why.
var ErrNotReady = errors.New("printer: not ready")

// ErrFailed means a receipt was not printed whole.
var ErrFailed = errors.New("printer: receipt not printed")

// ErrPaperOut comes with ErrNotReady or ErrFailed when the paper has run
// out (or is about to stop the printer): the one failure residents are told
// about by name, since staff fix it in a minute.
var ErrPaperOut = errors.New("printer: paper out")

// New returns a printer; call Run to keep its status.
func New(cfg Config) *Printer {
	if cfg.Poll <= 0 {
		cfg.Poll = 5 * time.Second
	}
	if cfg.Reopen <= 0 {
		cfg.Reopen = 2 * time.Second
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 300 * time.Millisecond
	}
	if cfg.Report == nil {
		cfg.Report = func(devices.Status) {}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Printer{cfg: cfg}
}

func (p *Printer) report(state devices.State, actor devices.Actor, reason string) {
	s := devices.Status{Kind: devices.ReceiptPrinter, State: state, Actor: actor, Reason: reason}
	if s != p.last {
		p.last = s
		if state != devices.Online && state != devices.Busy {
			p.cfg.Log.Warn("printer", "state", state.String(), "reason", reason)
		}
	}
	p.cfg.Report(s)
}

// Run polls the printer's status while it is idle until ctx ends.
func (p *Printer) Run(ctx context.Context) error {
	for {
		wait := p.cfg.Poll
		if err := p.check(ctx); err != nil {
			wait = p.cfg.Reopen
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			p.mu.Lock()
			p.closePort()
			p.mu.Unlock()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// check opens the port if needed, asks the status and reports it.
func (p *Printer) check(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.status(ctx)
	return err
}

// status asks the printer's status and reports it; p.mu is held.
func (p *Printer) status(ctx context.Context) (Status, error) {
	if p.port == nil {
		port, err := p.cfg.Open(ctx)
		if err != nil {
			p.report(devices.NoDevice, devices.Technician, err.Error())
			return Status{}, err
		}
		p.port = port
	}
	sctx, cancel := context.WithTimeout(ctx, 4*statusWait)
	defer cancel()
	st, err := p.port.Status(sctx)
	switch {
	case errors.Is(err, ErrNoStatus):
		// A printer that cannot say how it is: assume ready, and say so.
		p.report(devices.Online, devices.NoOne, "no status on this port")
		return Status{}, nil
	case errors.Is(err, ErrGone):
		p.closePort()
		p.report(devices.NoDevice, devices.Technician, err.Error())
		return Status{}, err
	case err != nil:
		p.closePort()
		p.report(devices.Offline, devices.Device, err.Error())
		return Status{}, err
	}
	state, actor, reason := st.Device()
	p.report(state, actor, reason)
	return st, nil
}

func (p *Printer) closePort() {
	if p.port != nil {
		p.port.Close()
		p.port = nil
	}
}

// Print prints a receipt. It asks the status first and refuses a printer
// that is not ready; after sending, it asks again, and a printer that ran
// out of paper or failed on the way means the receipt was not printed.
// Print never reports a receipt as printed that may not have been.
func (p *Printer) Print(ctx context.Context, r Receipt) error {
	data, err := Render(r, p.cfg.Profile)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.status(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotReady, err)
	}
	if !st.Printable() {
		return notPrintable(ErrNotReady, st)
	}
	p.report(devices.Busy, devices.NoOne, "printing")
	if err := p.port.Write(ctx, data); err != nil {
		p.closePort()
		p.status(context.WithoutCancel(ctx)) // say what became of the printer
		return fmt.Errorf("%w: %v", ErrFailed, err)
	}
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w: %v", ErrFailed, ctx.Err())
	case <-time.After(p.cfg.Settle):
	}
	st, err = p.status(ctx)
	if err != nil {
		return fmt.Errorf("%w: no status after printing: %v", ErrFailed, err)
	}
	if !st.Printable() {
		return notPrintable(ErrFailed, st)
	}
	return nil
}

// notPrintable is kind (ErrNotReady or ErrFailed) with the printer's
// reason, and ErrPaperOut when that is the reason.
func notPrintable(kind error, st Status) error {
	_, _, reason := st.Device()
	if st.PaperOut || st.PaperStop {
		return fmt.Errorf("%w: %w: %s", kind, ErrPaperOut, reason)
	}
	return fmt.Errorf("%w: %s", kind, reason)
}

// Status asks the printer now (for kioskctl and the technician's screen).
func (p *Printer) Status(ctx context.Context) (Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status(ctx)
}
