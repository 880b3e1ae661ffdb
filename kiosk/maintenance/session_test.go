package maintenance

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

var ctx = context.Background()

func enter(t *testing.T, s *Session, pin string) Result {
	t.Helper()
	r, err := s.Enter(ctx, pin)
	if err != nil {
		t.Fatalf("Enter(%q): %v", pin, err)
	}
	return r
}

func TestEnterLogExit(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	s := newSession(t, t.TempDir(), out, clk)
	if s.Active() {
		t.Fatal("active before entry")
	}
	if r := enter(t, s, testPIN); r.Outcome != Entered {
		t.Fatalf("right PIN: %+v", r)
	}
	if !s.Active() {
		t.Fatal("not active after entry")
	}
	if _, err := s.Enter(ctx, testPIN); err == nil {
		t.Error("entered twice")
	}
	for _, a := range [][2]string{{"test_page", OutcomeOK}, {"sync_now", OutcomeFailed}, {"device_test", "printer_offline"}} {
		if err := s.Log(ctx, a[0], a[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Exit(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Active() {
		t.Fatal("active after exit")
	}
	if err := s.Exit(ctx); err != nil {
		t.Fatalf("second exit: %v", err)
	}
	want := [][2]string{{"enter", "ok"}, {"test_page", "ok"}, {"sync_now", "failed"}, {"device_test", "printer_offline"}, {"exit", "ok"}}
	if got := out.trail(t); !reflect.DeepEqual(got, want) {
		t.Errorf("audit trail %v, want %v", got, want)
	}
}

func TestLockoutAfterFiveWrongPINs(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	dir := t.TempDir()
	s := newSession(t, dir, out, clk)
	for left := MaxFailures - 1; left > 0; left-- {
		r := enter(t, s, "999990")
		if r.Outcome != WrongPIN || r.AttemptsLeft != left {
			t.Fatalf("wrong PIN: %+v, want WrongPIN with %d left", r, left)
		}
		clk.advance(10 * time.Second)
	}
	r := enter(t, s, "999990")
	until := clk.t.Add(15 * time.Minute)
	if r.Outcome != Locked || !r.LockedUntil.Equal(until) {
		t.Fatalf("fifth wrong PIN: %+v, want Locked until %v", r, until)
	}
	// While locked even the right PIN is refused, and not checked.
	clk.advance(15*time.Minute - time.Second)
	if r := enter(t, s, testPIN); r.Outcome != Locked || !r.LockedUntil.Equal(until) || s.Active() {
		t.Fatalf("right PIN while locked: %+v", r)
	}
	clk.advance(time.Second)
	if r := enter(t, s, testPIN); r.Outcome != Entered {
		t.Fatalf("right PIN after the lock: %+v", r)
	}
	want := [][2]string{
		{"enter", "wrong_pin"}, {"enter", "wrong_pin"}, {"enter", "wrong_pin"}, {"enter", "wrong_pin"},
		{"enter", "wrong_pin"}, {"lockout", "locked"}, {"enter", "locked"}, {"enter", "ok"},
	}
	if got := out.trail(t); !reflect.DeepEqual(got, want) {
		t.Errorf("audit trail %v, want %v", got, want)
	}
}

func TestLockRunsOutWithItsCount(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	s := newSession(t, t.TempDir(), out, clk)
	for range MaxFailures {
		enter(t, s, "999990")
	}
	clk.advance(LockoutPeriod)
	if r := enter(t, s, "999990"); r.Outcome != WrongPIN || r.AttemptsLeft != MaxFailures-1 {
		t.Fatalf("first wrong PIN after the lock: %+v, want %d left", r, MaxFailures-1)
	}
}

func TestRightPINResetsTheCount(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	dir := t.TempDir()
	s := newSession(t, dir, out, clk)
	for range 3 {
		enter(t, s, "999990")
	}
	if r := enter(t, s, testPIN); r.Outcome != Entered {
		t.Fatalf("right PIN: %+v", r)
	}
	s.Exit(ctx)
	if r := enter(t, s, "999990"); r.AttemptsLeft != MaxFailures-1 {
		t.Fatalf("count not reset: %+v", r)
	}
	// …and on disk: a new session sees the count since the right PIN.
	s2 := newSession(t, dir, out, clk)
	if r := enter(t, s2, "999990"); r.AttemptsLeft != MaxFailures-2 {
		t.Fatalf("count after restart: %+v, want %d left", r, MaxFailures-2)
	}
}

// Switching the terminal off and on (a new Session on the same folder)
// keeps both the count and the lock.
func TestLockoutSurvivesARestart(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	dir := t.TempDir()
	s := newSession(t, dir, out, clk)
	enter(t, s, "999990")
	enter(t, s, "999990")

	s = newSession(t, dir, out, clk)
	if r := enter(t, s, "999990"); r.Outcome != WrongPIN || r.AttemptsLeft != 2 {
		t.Fatalf("after restart: %+v, want 2 left", r)
	}
	enter(t, s, "999990")
	r := enter(t, s, "999990")
	if r.Outcome != Locked {
		t.Fatalf("fifth wrong PIN across a restart: %+v", r)
	}
	until := r.LockedUntil

	clk.advance(time.Minute)
	s = newSession(t, dir, out, clk)
	if r := enter(t, s, testPIN); r.Outcome != Locked || !r.LockedUntil.Equal(until) {
		t.Fatalf("after restart while locked: %+v, want locked until %v", r, until)
	}
	info, err := os.Stat(lockoutPath(dir))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("lockout file: %v, %v", info, err)
	}
}

// A damaged lockout file locks for a whole period from when it is found,
// is audited, and is written back so a restart does not extend the lock.
func TestDamagedLockoutFileLocks(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":           "\x00\x13garbage",
		"empty":             "",
		"truncated":         `{"failures":2,"locked_`,
		"count too high":    `{"failures":99}`,
		"negative count":    `{"failures":-3}`,
		"full without time": `{"failures":5}`,
		"time without full": `{"failures":1,"locked_until":"2026-03-02T09:00:00Z"}`,
		"bad time":          `{"failures":5,"locked_until":"soon"}`,
	} {
		t.Run(name, func(t *testing.T) {
			out, clk := newOutbox(t), newClock()
			dir := t.TempDir()
			if err := os.WriteFile(lockoutPath(dir), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s := newSession(t, dir, out, clk)
			until := clk.t.Add(LockoutPeriod)
			if r := enter(t, s, testPIN); r.Outcome != Locked || !r.LockedUntil.Equal(until) {
				t.Fatalf("right PIN with a damaged file: %+v, want locked until %v", r, until)
			}
			clk.advance(5 * time.Minute)
			s = newSession(t, dir, out, clk)
			if r := enter(t, s, testPIN); r.Outcome != Locked || !r.LockedUntil.Equal(until) {
				t.Fatalf("after restart: %+v, want still until %v", r, until)
			}
			clk.advance(10 * time.Minute)
			if r := enter(t, s, testPIN); r.Outcome != Entered {
				t.Fatalf("after the period: %+v", r)
			}
			want := [][2]string{{"lockout", "state_damaged"}, {"enter", "locked"}, {"enter", "locked"}, {"enter", "ok"}}
			if got := out.trail(t); !reflect.DeepEqual(got, want) {
				t.Errorf("audit trail %v, want %v", got, want)
			}
		})
	}
}

// A clock that went back (a dead clock battery) must not lock for ever.
func TestLockSurvivesTheClockGoingBack(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	s := newSession(t, t.TempDir(), out, clk)
	for range MaxFailures {
		enter(t, s, "999990")
	}
	clk.advance(-365 * 24 * time.Hour)
	r := enter(t, s, testPIN)
	if r.Outcome != Locked || r.LockedUntil.Sub(clk.t) != LockoutPeriod {
		t.Fatalf("after the clock went back: %+v, want locked for one period from %v", r, clk.t)
	}
	clk.advance(LockoutPeriod)
	if r := enter(t, s, testPIN); r.Outcome != Entered {
		t.Fatalf("one period later: %+v", r)
	}
}

func TestEnterWithoutPIN(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	dir := t.TempDir()
	s, err := NewSession(ctx, Options{DataDir: dir, TerminalID: testTerminal, Outbox: out, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Enter(ctx, testPIN)
	if !errors.Is(err, ErrNoPIN) || !strings.Contains(err.Error(), "kioskctl pin set") {
		t.Fatalf("err = %v, want ErrNoPIN", err)
	}
	if s.Active() {
		t.Fatal("active without a PIN")
	}
	// Not a wrong PIN: it does not count towards the lockout.
	if _, err := os.Stat(lockoutPath(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lockout file written: %v", err)
	}
	if got := out.trail(t); !reflect.DeepEqual(got, [][2]string{{"enter", "unavailable"}}) {
		t.Errorf("audit trail %v", got)
	}
}

func TestEnterRefusesLoosePINFile(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	dir := t.TempDir()
	s := newSession(t, dir, out, clk)
	os.Chmod(PINPath(dir), 0o644)
	if _, err := s.Enter(ctx, testPIN); err == nil || !strings.Contains(err.Error(), "readable by its owner only") {
		t.Fatalf("err = %v", err)
	}
	if s.Active() {
		t.Fatal("entered with a PIN file others can read")
	}
}

func TestLogOutsideMaintenance(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	s := newSession(t, t.TempDir(), out, clk)
	if err := s.Log(ctx, "test_page", OutcomeOK); !errors.Is(err, ErrNotActive) {
		t.Fatalf("err = %v, want ErrNotActive", err)
	}
	enter(t, s, testPIN)
	for _, a := range [][2]string{
		{ActionEnter, OutcomeOK}, {ActionExit, OutcomeOK}, {ActionLockout, OutcomeLocked}, // the session's own
		{"test page", OutcomeOK}, {"", OutcomeOK}, {"TestPage", OutcomeOK}, // not codes
		{"read_card", "11010519491231002X"}, {"note", "张三 13912345678"}, // free text
	} {
		if err := s.Log(ctx, a[0], a[1]); err == nil {
			t.Errorf("Log(%q, %q) accepted", a[0], a[1])
		}
	}
	if got := out.trail(t); len(got) != 1 {
		t.Errorf("audit trail %v, want the entry alone", got)
	}
}

// failingOutbox refuses every submission.
type failingOutbox struct{}

func (failingOutbox) Submit(context.Context, outbox.Submission) (outbox.Record, error) {
	return outbox.Record{}, errors.New("disk on fire")
}

// Maintenance that cannot be audited does not happen; leaving it always
// does.
func TestEntryNeedsItsAuditRecord(t *testing.T) {
	clk := newClock()
	dir := t.TempDir()
	out := newOutbox(t)
	s := newSession(t, dir, out, clk)
	s.opt.Outbox = failingOutbox{}
	if _, err := s.Enter(ctx, testPIN); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("err = %v", err)
	}
	if s.Active() {
		t.Fatal("entered without an audit record")
	}
	// A wrong PIN still counts when its record cannot be stored.
	s.Enter(ctx, "999990")
	s.opt.Outbox = out
	if r := enter(t, s, "999990"); r.AttemptsLeft != MaxFailures-2 {
		t.Fatalf("%+v, want %d left", r, MaxFailures-2)
	}
	enter(t, s, testPIN)
	s.opt.Outbox = failingOutbox{}
	if err := s.Exit(ctx); err == nil {
		t.Error("exit without a record reported no error")
	}
	if s.Active() {
		t.Error("still active after exit")
	}
}

func TestNewSessionChecksItsOptions(t *testing.T) {
	out := newOutbox(t)
	for name, opt := range map[string]Options{
		"no folder":   {TerminalID: testTerminal, Outbox: out},
		"no outbox":   {DataDir: t.TempDir(), TerminalID: testTerminal},
		"no terminal": {DataDir: t.TempDir(), Outbox: out},
		"bad id":      {DataDir: t.TempDir(), TerminalID: "HALL 7", Outbox: out},
	} {
		if _, err := NewSession(ctx, opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
