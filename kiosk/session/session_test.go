package session

import (
	"testing"
	"time"
)

var timing = Timing{Timeout: 90 * time.Second, ElderlyTimeout: 180 * time.Second, Countdown: 15 * time.Second}

// t0 is an arbitrary fixed instant; the tests move time by hand.
var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestRestingSessionNeverCountsDown(t *testing.T) {
	s := New(timing, "zh", t0)
	for _, d := range []time.Duration{0, 89 * time.Second, 2 * time.Hour} {
		if st := s.Tick(at(d)); st.Phase != Resting {
			t.Fatalf("at %s: %v, want resting", d, st.Phase)
		}
	}
}

func TestCountdownThenClear(t *testing.T) {
	s := New(timing, "zh", t0)
	s.Show("apply", at(0))
	s.SetLang("en", at(10*time.Second))

	steps := []struct {
		d     time.Duration
		phase Phase
		left  time.Duration
	}{
		{99 * time.Second, Active, 0},
		{100 * time.Second, CountingDown, 15 * time.Second},                      // 90 s after the last input
		{100*time.Second + 300*time.Millisecond, CountingDown, 15 * time.Second}, // 14.7 s shows as 15
		{114 * time.Second, CountingDown, time.Second},
		{114*time.Second + 999*time.Millisecond, CountingDown, time.Second},
		{115 * time.Second, Expired, 0},
		{116 * time.Second, Resting, 0},
	}
	for _, st := range steps {
		got := s.Tick(at(st.d))
		if got.Phase != st.phase || got.Remaining != st.left {
			t.Fatalf("at %s: %v %s, want %v %s", st.d, got.Phase, got.Remaining, st.phase, st.left)
		}
	}
	if s.Lang() != "zh" || s.Screen() != Home || s.Elderly() || s.InUse() {
		t.Fatalf("after expiry: lang %s screen %s elderly %v, want a cleared session", s.Lang(), s.Screen(), s.Elderly())
	}
}

func TestTouchCancelsCountdown(t *testing.T) {
	s := New(timing, "zh", t0)
	s.Show("query", at(0))
	if st := s.Tick(at(95 * time.Second)); st.Phase != CountingDown {
		t.Fatalf("want countdown, got %v", st.Phase)
	}
	s.Touch(at(96 * time.Second))
	if st := s.Tick(at(96 * time.Second)); st.Phase != Active {
		t.Fatalf("after touch: %v, want active", st.Phase)
	}
	// The next countdown is a full timeout after the touch.
	if st := s.Tick(at(96*time.Second + 89*time.Second)); st.Phase != Active {
		t.Fatalf("89 s after touch: %v, want active", st.Phase)
	}
	if st := s.Tick(at(96*time.Second + 90*time.Second)); st.Phase != CountingDown {
		t.Fatalf("90 s after touch: %v, want countdown", st.Phase)
	}
	if s.Screen() != "query" {
		t.Fatalf("screen %q lost by a cancelled countdown", s.Screen())
	}
}

func TestElderlyModeWaitsLonger(t *testing.T) {
	s := New(timing, "zh", t0)
	s.SetElderly(true, at(0))
	if st := s.Tick(at(179 * time.Second)); st.Phase != Active {
		t.Fatalf("elderly at 179 s: %v, want active", st.Phase)
	}
	if st := s.Tick(at(180 * time.Second)); st.Phase != CountingDown || st.Remaining != 15*time.Second {
		t.Fatalf("elderly at 180 s: %+v, want countdown 15 s", st)
	}
	if st := s.Tick(at(195 * time.Second)); st.Phase != Expired {
		t.Fatalf("elderly at 195 s: %v, want expired", st.Phase)
	}
	if s.Elderly() {
		t.Fatal("elderly mode survived the session")
	}
}

func TestHomeInDefaultsIsNotInUse(t *testing.T) {
	s := New(timing, "zh", t0)
	s.Show("apply", at(0))
	s.Show(Home, at(time.Second))
	if s.InUse() {
		t.Fatal("home with default language and mode counts as in use")
	}
	s.SetLang("en", at(2*time.Second))
	if !s.InUse() {
		t.Fatal("a language choice must be cleared by the idle timeout")
	}
}

func TestClockSetBack(t *testing.T) {
	s := New(timing, "zh", t0)
	s.Show("apply", at(time.Hour))
	// NTP moves the wall clock back an hour: the session must not expire at
	// once, nor wait an hour more than it should.
	if st := s.Tick(at(0)); st.Phase != Active {
		t.Fatalf("after clock set back: %v, want active", st.Phase)
	}
	if st := s.Tick(at(90 * time.Second)); st.Phase != CountingDown {
		t.Fatalf("90 s after the jump: %v, want countdown", st.Phase)
	}
}

func TestPatienceStretchesTheStepThenResets(t *testing.T) {
	s := New(timing, "zh", t0)
	s.Show("applying", at(0))
	s.SetPatience(3)
	if st := s.Tick(at(269 * time.Second)); st.Phase != Active {
		t.Fatalf("a patient step counted down after 269 s: %v", st.Phase)
	}
	if st := s.Tick(at(270 * time.Second)); st.Phase != CountingDown {
		t.Fatalf("3 × 90 s: %v", st.Phase)
	}
	s.SetElderly(true, at(0))
	s.Touch(at(0))
	if st := s.Tick(at(539 * time.Second)); st.Phase != Active {
		t.Fatalf("elderly, 3 × 180 s: %v", st.Phase)
	}
	s.Show("home-ish", at(0))
	if st := s.Tick(at(180 * time.Second)); st.Phase != CountingDown {
		t.Fatalf("another screen kept the step's patience: %v", st.Phase)
	}
}
