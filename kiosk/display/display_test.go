package display

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"
)

func at(hhmm string) time.Time {
	t, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-27 "+hhmm, time.FixedZone("CST", 8*3600))
	return t
}

func TestSchedule(t *testing.T) {
	for _, tc := range []struct {
		hours string
		on    []string
		off   []string
	}{
		{"", []string{"00:00", "12:00", "23:59"}, nil},
		{"08:00-20:00", []string{"08:00", "12:30", "19:59"}, []string{"07:59", "20:00", "23:00", "00:00"}},
		{"20:00-08:00", []string{"20:00", "23:59", "00:00", "07:59"}, []string{"08:00", "12:00", "19:59"}},
		{"00:00-24:00", []string{"00:00", "23:59"}, nil},
	} {
		s, err := ParseSchedule(tc.hours)
		if err != nil {
			t.Fatalf("%q: %v", tc.hours, err)
		}
		for _, h := range tc.on {
			if !s.On(at(h)) {
				t.Errorf("%q: off at %s", tc.hours, h)
			}
		}
		for _, h := range tc.off {
			if s.On(at(h)) {
				t.Errorf("%q: on at %s", tc.hours, h)
			}
		}
	}
	for _, bad := range []string{"8:00-20:00", "08:00~20:00", "08:00-25:00", "08:60-20:00", "08:00-08:00", "aa:bb-cc:dd", "08:00-20:00 "} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// fakePower records what the screen was told.
type fakePower struct {
	calls []string
	fail  bool
}

func (p *fakePower) Keep() error { return p.record("keep") }
func (p *fakePower) Sleep(quiet time.Duration) error {
	return p.record("sleep " + quiet.String())
}

func (p *fakePower) record(s string) error {
	p.calls = append(p.calls, s)
	if p.fail {
		return errors.New("no display")
	}
	return nil
}

func TestKeeperTellsThePowerOnlyOnChanges(t *testing.T) {
	s, _ := ParseSchedule("08:00-20:00")
	p := &fakePower{}
	k := &Keeper{Schedule: s, Power: p, Quiet: time.Minute, Log: slog.New(slog.DiscardHandler)}
	for _, h := range []string{"07:58", "07:59", "08:00", "12:00", "19:59", "20:00", "23:00"} {
		k.Step(at(h))
	}
	want := []string{"sleep 1m0s", "keep", "sleep 1m0s"}
	if len(p.calls) != len(want) {
		t.Fatalf("calls %v, want %v", p.calls, want)
	}
	for i := range want {
		if p.calls[i] != want[i] {
			t.Fatalf("calls %v, want %v", p.calls, want)
		}
	}
}

func TestKeeperRetriesAFailure(t *testing.T) {
	p := &fakePower{fail: true}
	k := &Keeper{Power: p, Log: slog.New(slog.DiscardHandler)}
	k.Step(at("12:00"))
	k.Step(at("12:01"))
	p.fail = false
	k.Step(at("12:02"))
	k.Step(at("12:03"))
	if len(p.calls) != 3 {
		t.Fatalf("calls %v: a failed call is tried again, a good one not repeated", p.calls)
	}
}

func TestRunLeavesTheScreenOn(t *testing.T) {
	s, _ := ParseSchedule("08:00-20:00")
	p := &fakePower{}
	k := &Keeper{Schedule: s, Power: p, Quiet: time.Minute, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	k.Run(ctx, func() time.Time { return at("23:00") })
	if len(p.calls) != 2 || p.calls[0] != "sleep 1m0s" || p.calls[1] != "keep" {
		t.Fatalf("calls %v: off at night, then on when the terminal stops", p.calls)
	}
}

// FuzzParseSchedule: any text is refused or gives a schedule that prints
// back as the same hours, and never panics.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"", "08:00-20:00", "20:00-08:00", "00:00-24:00", "8:00-20:00", "24:00-00:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sched, err := ParseSchedule(s)
		if err != nil || s == "" {
			return
		}
		again, err := ParseSchedule(sched.String())
		if err != nil || again != sched {
			t.Fatalf("%q → %q → %+v, %v", s, sched.String(), again, err)
		}
	})
}
