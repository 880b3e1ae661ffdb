package main

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/display"
	"github.com/yizhan-kiosk/yizhan/kiosk/display/xdpms"
	"github.com/yizhan-kiosk/yizhan/kiosk/sdnotify"
)

// superviseUI tells systemd the terminal is ready once the UI loop runs
// (the window is up), then pings the watchdog for as long as the UI loop
// answers: a frozen screen misses its pings and systemd restarts it.
// Called once the app has started; answers asks the UI loop (uiAnswers).
func superviseUI(ctx context.Context, wg *sync.WaitGroup, answers func(context.Context, time.Duration) bool, log *slog.Logger) {
	wg.Go(func() {
		if !answers(ctx, 30*time.Second) {
			return
		}
		if sent, err := sdnotify.Notify("READY=1"); err != nil {
			log.Warn("systemd not told the terminal is ready", "err", err)
		} else if sent {
			log.Info("systemd told the terminal is ready")
		}
		every, on, err := sdnotify.WatchdogInterval()
		if err != nil {
			log.Warn("watchdog", "err", err)
		}
		if !on {
			return
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if !answers(ctx, every) {
				log.Error("the UI loop does not answer: no watchdog ping")
				continue
			}
			if _, err := sdnotify.Notify("WATCHDOG=1"); err != nil {
				log.Warn("watchdog ping", "err", err)
			}
		}
	})
}

// uiAnswers reports whether Fyne's goroutine runs a function within wait.
func uiAnswers(ctx context.Context, wait time.Duration) bool {
	done := make(chan struct{})
	fyne.Do(func() { close(done) })
	select {
	case <-done:
		return true
	case <-ctx.Done():
	case <-time.After(wait):
	}
	return false
}

// keepDisplay turns the screen off outside its hours (the configuration's,
// else the district's service hours) and keeps it from blanking in them.
// A screen that cannot be powered down is left on, with a note in the log.
func keepDisplay(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, serviceHours string, log *slog.Logger) {
	hours := cfg.Display.Hours
	if hours == "" {
		hours = serviceHours
	}
	sched, err := display.ParseSchedule(hours)
	if err != nil {
		log.Warn("display hours ignored: the screen stays on", "hours", hours, "err", err)
	}
	screen, err := xdpms.Open("")
	if err != nil {
		log.Warn("the screen cannot be powered down: it stays on", "err", err)
		return
	}
	k := &display.Keeper{Schedule: sched, Power: screen, Quiet: cfg.Display.OffAfter.Duration, Log: log}
	wg.Go(func() {
		defer screen.Close()
		k.Run(ctx, time.Now)
	})
}

// uiGate is how the terminal's goroutines call into the screens. Once the
// terminal is stopping, the screens are left alone: the gate drops calls
// from the moment it closes.
type uiGate struct {
	closed atomic.Bool
}

// do runs f on Fyne's goroutine unless the gate is closed.
func (g *uiGate) do(f func()) {
	fyne.Do(func() {
		if !g.closed.Load() {
			f()
		}
	})
}

// doAndWait is do, waiting for f; false when f was dropped.
func (g *uiGate) doAndWait(f func()) bool {
	ran := false
	fyne.DoAndWait(func() {
		if !g.closed.Load() {
			f()
			ran = true
		}
	})
	return ran
}

// close drops every later call.
func (g *uiGate) close() { g.closed.Store(true) }
