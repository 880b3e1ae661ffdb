// Package display turns the terminal's screen off outside its hours and
// keeps it on, never blanking, while residents are served. Outside the
// hours the screen is off, a touch wakes it, and it goes off again after a
// quiet spell: kiosk owners ask for this first (a screen lit all night in
// an empty hall wears out and wastes power). The schedule is plain Go; the
// screen's power is a small interface (xdpms drives it through X's DPMS).
package display

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// Schedule is when the screen stays on: from From to To each day, in
// minutes after midnight; To before From spans midnight ("20:00-08:00").
// The zero Schedule is always on.
type Schedule struct {
	From, To int
	set      bool
}

// ParseSchedule reads "HH:MM-HH:MM"; "" is always on.
func ParseSchedule(s string) (Schedule, error) {
	if s == "" {
		return Schedule{}, nil
	}
	if len(s) != 11 || s[5] != '-' {
		return Schedule{}, fmt.Errorf("display: %q is not HH:MM-HH:MM", s)
	}
	from, err1 := clock(s[:5])
	to, err2 := clock(s[6:])
	switch {
	case err1 != nil:
		return Schedule{}, err1
	case err2 != nil:
		return Schedule{}, err2
	case from == to:
		return Schedule{}, fmt.Errorf("display: %q is on for no time: leave it empty to keep the screen on", s)
	}
	return Schedule{From: from, To: to, set: true}, nil
}

func clock(hhmm string) (int, error) {
	h, err1 := strconv.Atoi(hhmm[:2])
	m, err2 := strconv.Atoi(hhmm[3:])
	if hhmm[2] != ':' || err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("display: %q is not a time of day (HH:MM)", hhmm)
	}
	return h*60 + m, nil
}

// Set reports whether the schedule names hours (the zero one names none).
func (s Schedule) Set() bool { return s.set }

// On reports whether the screen should be on at t (t's own time zone).
func (s Schedule) On(t time.Time) bool {
	if !s.set {
		return true
	}
	m := t.Hour()*60 + t.Minute()
	if s.From < s.To {
		return m >= s.From && m < s.To
	}
	return m >= s.From || m < s.To // spans midnight
}

func (s Schedule) String() string {
	if !s.set {
		return "always"
	}
	return fmt.Sprintf("%02d:%02d-%02d:%02d", s.From/60, s.From%60, s.To/60, s.To%60)
}

// Power is the screen's power.
type Power interface {
	// Keep keeps the screen on with no blanking of its own: in service,
	// only the terminal's idle rules decide what is shown.
	Keep() error
	// Sleep turns the screen off now; a touch wakes it, and after
	// quiet of no input it goes off again.
	Sleep(quiet time.Duration) error
}

// Keeper applies a Schedule to a Power. It is not safe for concurrent use:
// Run owns it.
type Keeper struct {
	Schedule Schedule
	Power    Power
	Quiet    time.Duration // out of hours, how long a touch keeps the screen on
	Log      *slog.Logger

	applied string // "on" or "off": what the Power was last told
}

// Step applies the schedule at now, telling the Power only when the
// state changes (and again after a failure).
func (k *Keeper) Step(now time.Time) {
	want, err := "on", error(nil)
	if !k.Schedule.On(now) {
		want = "off"
	}
	if want == k.applied {
		return
	}
	if want == "on" {
		err = k.Power.Keep()
	} else {
		err = k.Power.Sleep(k.Quiet)
	}
	if err != nil {
		k.Log.Warn("display power", "want", want, "err", err)
		k.applied = "" // try again at the next step
		return
	}
	k.Log.Info("display", "state", want, "hours", k.Schedule.String())
	k.applied = want
}

// Run applies the schedule now and each minute until ctx ends; it leaves
// the screen on when it stops, so a restarted terminal is never dark.
func (k *Keeper) Run(ctx context.Context, now func() time.Time) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		k.Step(now())
		select {
		case <-ctx.Done():
			if k.applied == "off" {
				if err := k.Power.Keep(); err != nil {
					k.Log.Warn("display power on stop", "err", err)
				}
			}
			return
		case <-t.C:
		}
	}
}
