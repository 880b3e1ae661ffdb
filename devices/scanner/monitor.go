package scanner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Monitor keeps a scanner open for as long as its context lasts: it
// reports the scanner's state to the registry, hands each code to the
// terminal, and opens the scanner again after it was unplugged.
type Monitor struct {
	Device Device
	Kind   devices.Kind
	Reg    *devices.Registry
	Log    *slog.Logger
	// Code is called with each code scanned, from the monitor's
	// goroutine; it must not block (the screens take it through fyne.Do).
	Code func(string)
	// Refused is called, if set, for a scan that was no code the terminal
	// reads: the screen may say so.
	Refused func(error)
	// Retry is how long an unplugged scanner waits before it is looked for
	// again (2 s).
	Retry time.Duration
}

func (m *Monitor) report(state devices.State, actor devices.Actor, reason string) {
	m.Reg.Report(devices.Status{Kind: m.Kind, State: state, Actor: actor, Reason: reason})
}

// Run opens and reads the scanner until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	retry := m.Retry
	if retry <= 0 {
		retry = 2 * time.Second
	}
	log := m.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for ctx.Err() == nil {
		s, err := m.Device.Open()
		if err != nil {
			state, actor, reason := devices.HardwareError, devices.Technician, err.Error()
			if errors.Is(err, os.ErrNotExist) {
				state, reason = devices.NoDevice, fmt.Sprintf("%s missing", m.Device.Path)
			}
			m.report(state, actor, reason)
			select {
			case <-ctx.Done():
			case <-time.After(retry):
			}
			continue
		}
		m.report(devices.Online, devices.NoOne, "")
		log.Info("scanner open", "device", m.Device.String())
		for {
			code, err := s.Next(ctx)
			if err == nil {
				// The code is not logged: a resident's receipt is theirs.
				m.Code(code)
				continue
			}
			if errors.Is(err, ErrBadCode) {
				log.Info("a scan that is no code the terminal reads", "err", err)
				if m.Refused != nil {
					m.Refused(err)
				}
				continue
			}
			if ctx.Err() == nil {
				log.Warn("scanner lost", "device", m.Device.String(), "err", err)
				m.report(devices.NoDevice, devices.Technician, "lost: "+err.Error())
			}
			break
		}
		s.Close()
	}
}
