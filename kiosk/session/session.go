// Package session holds what the terminal knows about the resident in front
// of it — the language they chose, elderly mode, where they are — and decides
// when they have walked away: after a quiet time it asks whether they are
// still there, counts down, and then clears everything. It is plain Go with
// the time passed in, so every rule is tested without a clock or a display.
package session

import "time"

// Home is the screen a session starts on and returns to.
const Home = "home"

// Timing is how long the session waits for input.
type Timing struct {
	Timeout        time.Duration // quiet time before the countdown, standard mode
	ElderlyTimeout time.Duration // the same in elderly mode
	Countdown      time.Duration // how long the countdown runs
}

// Phase is where the idle countdown stands.
type Phase int

const (
	// Resting: nobody is using the terminal (home screen, defaults); there is
	// nothing to clear, so no countdown runs.
	Resting Phase = iota
	// Active: a resident is using the terminal.
	Active
	// CountingDown: quiet for the timeout; the terminal is asking whether the
	// resident is still there.
	CountingDown
	// Expired: the countdown ran out and the session has been cleared.
	Expired
)

func (p Phase) String() string {
	switch p {
	case Resting:
		return "resting"
	case Active:
		return "active"
	case CountingDown:
		return "countingDown"
	case Expired:
		return "expired"
	}
	return "Phase(?)"
}

// Status is the result of Tick.
type Status struct {
	Phase Phase
	// Remaining is the time left while CountingDown, rounded up to whole
	// seconds as the resident sees it.
	Remaining time.Duration
}

// Session is one resident's session. It is not safe for concurrent use: the
// UI goroutine owns it.
type Session struct {
	timing      Timing
	defaultLang string

	lang      string
	elderly   bool
	screen    string
	patience  int // the current step's multiple of the timeout; 0 is 1
	lastInput time.Time
}

// New returns a resting session in defaultLang.
func New(timing Timing, defaultLang string, now time.Time) *Session {
	s := &Session{timing: timing, defaultLang: defaultLang}
	s.Clear(now)
	return s
}

// Clear forgets everything about the resident: back home, in the default
// language, standard mode.
func (s *Session) Clear(now time.Time) {
	s.lang = s.defaultLang
	s.elderly = false
	s.screen = Home
	s.patience = 0
	s.lastInput = now
}

// Lang returns the session's language.
func (s *Session) Lang() string { return s.lang }

// Elderly reports whether elderly mode is on.
func (s *Session) Elderly() bool { return s.elderly }

// Screen returns the screen the resident is on.
func (s *Session) Screen() string { return s.screen }

// InUse reports whether the session holds anything a resident chose, which
// an idle timeout must clear.
func (s *Session) InUse() bool {
	return s.screen != Home || s.lang != s.defaultLang || s.elderly
}

// Touch records input from the resident; it cancels a running countdown.
func (s *Session) Touch(now time.Time) { s.lastInput = now }

// SetLang switches the session's language.
func (s *Session) SetLang(lang string, now time.Time) {
	s.lang = lang
	s.Touch(now)
}

// SetElderly turns elderly mode on or off.
func (s *Session) SetElderly(on bool, now time.Time) {
	s.elderly = on
	s.Touch(now)
}

// Show records that the resident moved to screen.
func (s *Session) Show(screen string, now time.Time) {
	s.screen = screen
	s.patience = 0
	s.Touch(now)
}

// SetPatience lets the current step wait n times the usual quiet time
// (a form to type, a guide to read); showing another screen resets it.
func (s *Session) SetPatience(n int) { s.patience = n }

// timeout is the quiet time allowed in the session's current mode.
func (s *Session) timeout() time.Duration {
	d := s.timing.Timeout
	if s.elderly {
		d = s.timing.ElderlyTimeout
	}
	return d * time.Duration(max(1, s.patience))
}

// Tick advances the idle rules to now. When the countdown has run out it
// clears the session and returns Expired once; the caller then shows home.
func (s *Session) Tick(now time.Time) Status {
	if !s.InUse() {
		s.lastInput = now // nothing to time out; keep the clock fresh
		return Status{Phase: Resting}
	}
	quiet := now.Sub(s.lastInput)
	if quiet < 0 { // the wall clock was set back: count from now
		s.lastInput = now
		quiet = 0
	}
	timeout := s.timeout()
	switch {
	case quiet < timeout:
		return Status{Phase: Active}
	case quiet < timeout+s.timing.Countdown:
		left := timeout + s.timing.Countdown - quiet
		// Whole seconds, rounded up: "1.2 s left" shows as 2, never 0.
		return Status{Phase: CountingDown, Remaining: (left + time.Second - 1).Truncate(time.Second)}
	default:
		s.Clear(now)
		return Status{Phase: Expired}
	}
}
