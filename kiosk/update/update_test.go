package update

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// A terminal as the updater sees it: what the district names, what dpkg
// holds, how each version's kiosk behaves.
type fakeTerminal struct {
	t         *testing.T
	target    protocol.ReleaseTarget
	config    protocol.TerminalConfig
	installed string
	broken    map[string]string // version → how its check fails: "ready", "selftest"
	busy      bool
	fetchErr  error
	installs  []string
	cutShort  bool // the next Install is killed midway: the process "dies"
	recovered int
	// failEnv is what the self-test finds wrong whatever the version (the
	// district unreachable); installErr fails the next installs of those
	// versions without touching dpkg (its lock held, no link).
	failEnv    []string
	installErr map[string]error
}

func (f *fakeTerminal) Target(context.Context) (protocol.ReleaseTarget, bool, error) {
	return f.target, f.target.Version != "", nil
}
func (f *fakeTerminal) Config(context.Context) (protocol.TerminalConfig, error) { return f.config, nil }
func (f *fakeTerminal) Installed(context.Context) (string, error)               { return f.installed, nil }
func (f *fakeTerminal) Recover(context.Context) error                           { f.recovered++; return nil }
func (f *fakeTerminal) Fetch(context.Context, string) error                     { return f.fetchErr }
func (f *fakeTerminal) Install(ctx context.Context, v string) error {
	f.installs = append(f.installs, v)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.installErr[v]; err != nil {
		delete(f.installErr, v)
		return err
	}
	if f.cutShort {
		f.cutShort = false
		panic(errKilled) // the run ends here, as under SIGKILL
	}
	f.installed = v
	return nil
}
func (f *fakeTerminal) Busy() bool                                 { return f.busy }
func (f *fakeTerminal) Restarted(context.Context, time.Time) error { return nil }
func (f *fakeTerminal) Ready(context.Context, time.Time) error {
	if f.broken[f.installed] == "ready" {
		return errors.New("no READY within the time allowed")
	}
	return nil
}
func (f *fakeTerminal) Selftest(context.Context) ([]string, error) {
	failed := slices.Clone(f.failEnv)
	if f.broken[f.installed] == "selftest" {
		failed = append(failed, "printer")
	}
	return failed, nil
}

var errKilled = errors.New("killed")

// at 03:00 local: inside the default window and outside 08:00-20:00.
var night = time.Date(2026, 12, 7, 3, 0, 0, 0, time.Local)
var noon = time.Date(2026, 12, 7, 12, 0, 0, 0, time.Local)

func newUpdater(t *testing.T, f *fakeTerminal, at time.Time) *Updater {
	return &Updater{Dir: t.TempDir(), District: f, Packages: f, Service: f, Now: func() time.Time { return at }}
}

func run(t *testing.T, u *Updater, force bool) Outcome {
	t.Helper()
	o, err := u.Run(context.Background(), force)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestInstallsOnlyInsideTheWindowAndWithNoResident(t *testing.T) {
	f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "all", Version: "2"}, installed: "1",
		config: protocol.TerminalConfig{ServiceHours: "08:00-20:00"}}
	u := newUpdater(t, f, noon)
	if o := run(t, u, false); o.Action != "waiting" || len(f.installs) != 0 {
		t.Fatalf("at noon: %+v, installs %v", o, f.installs)
	}
	u.Now = func() time.Time { return night }
	f.busy = true
	if o := run(t, u, false); o.Action != "waiting" || !strings.Contains(o.Detail, "resident") || len(f.installs) != 0 {
		t.Fatalf("a resident at the terminal: %+v, installs %v", o, f.installs)
	}
	f.busy = false
	if o := run(t, u, false); o.Action != "installed" || f.installed != "2" {
		t.Fatalf("at night: %+v, installed %s", o, f.installed)
	}
	st, _ := ReadState(u.Dir)
	if st.Pending != nil || st.Good != "2" || st.Last.Result != protocol.UpdateInstalled || st.Last.From != "1" || st.Last.Running != "2" {
		t.Errorf("state after the install: %+v %+v", st, st.Last)
	}
	if o := run(t, u, false); o.Action != "none" || len(f.installs) != 1 {
		t.Errorf("run again: %+v, installs %v", o, f.installs)
	}
	// A technician's --now skips the window, never the resident.
	f.target.Version = "3"
	u.Now = func() time.Time { return noon }
	f.busy = true
	if o := run(t, u, true); o.Action != "waiting" {
		t.Errorf("--now with a resident: %+v", o)
	}
	f.busy = false
	if o := run(t, u, true); o.Action != "installed" || f.installed != "3" {
		t.Errorf("--now: %+v", o)
	}
}

func TestABrokenVersionIsRolledBackAndRefused(t *testing.T) {
	for _, how := range []string{"ready", "selftest"} {
		t.Run(how, func(t *testing.T) {
			f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "canary", Version: "3"}, installed: "2",
				broken: map[string]string{"3": how}}
			u := newUpdater(t, f, night)
			o := run(t, u, false)
			if o.Action != protocol.UpdateRolledBack || f.installed != "2" || !slices.Equal(f.installs, []string{"3", "2"}) {
				t.Fatalf("%+v; installed %s; installs %v", o, f.installed, f.installs)
			}
			st, _ := ReadState(u.Dir)
			l := st.Last
			if l.Version != "3" || l.From != "2" || l.Running != "2" || l.Result != protocol.UpdateRolledBack ||
				!slices.Equal(l.Refused, []string{"3"}) || l.Reason == "" {
				t.Errorf("report %+v", l)
			}
			want := map[string]string{"ready": "did not become ready", "selftest": "self-test failed"}[how]
			if !strings.Contains(l.Reason, want) {
				t.Errorf("reason %q lacks %q", l.Reason, want)
			}
			// The ring still names 3: the terminal stays on 2, and says so
			// once (the same report, not a new one each run).
			if o := run(t, u, false); o.Action != "refused" || len(f.installs) != 2 {
				t.Errorf("again: %+v, installs %v", o, f.installs)
			}
			if st2, _ := ReadState(u.Dir); st2.Last.ID != l.ID {
				t.Error("a refused version made a new report")
			}
			// The district moves the ring back to 2: nothing to do.
			f.target.Version = "2"
			if o := run(t, u, false); o.Action != "none" {
				t.Errorf("ring back on 2: %+v", o)
			}
		})
	}
}

func TestARingPinnedToAnOlderVersionGoesDown(t *testing.T) {
	f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "early", Version: "1"}, installed: "2"}
	u := newUpdater(t, f, night)
	if o := run(t, u, false); o.Action != "installed" || f.installed != "1" {
		t.Fatalf("%+v", o)
	}
}

func TestAFailedFetchInstallsNothingAndReportsOnce(t *testing.T) {
	f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "all", Version: "2"}, installed: "1",
		fetchErr: errors.New("the repository's signature is not the district's")}
	u := newUpdater(t, f, night)
	if o := run(t, u, false); o.Action != "failed" || len(f.installs) != 0 {
		t.Fatalf("%+v installs %v", o, f.installs)
	}
	st, _ := ReadState(u.Dir)
	if st.Last.Result != protocol.UpdateFailed || st.Last.Running != "1" || len(st.Refused) != 0 || !strings.Contains(st.Last.Reason, "signature") {
		t.Errorf("report %+v; refused %v", st.Last, st.Refused)
	}
	run(t, u, false)
	if st2, _ := ReadState(u.Dir); st2.Last.ID != st.Last.ID {
		t.Error("the same failure made a new report")
	}
	// The repository is put right: the update goes through.
	f.fetchErr = nil
	if o := run(t, u, false); o.Action != "installed" {
		t.Errorf("%+v", o)
	}
}

func TestAnInstallCutShortIsFinishedAndCheckedOnTheNextRun(t *testing.T) {
	for _, c := range []struct {
		name     string
		broken   map[string]string
		finished bool // dpkg brings the new version to an end
		want     string
		final    string
		refused  bool
	}{
		{"good version", nil, true, "installed", "2", false},
		{"broken version", map[string]string{"2": "selftest"}, true, protocol.UpdateRolledBack, "1", true},
		// Cut before dpkg unpacked: 1 is still there; 2 is tried again later.
		{"cut before the unpack", nil, false, protocol.UpdateFailed, "1", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "all", Version: "2"}, installed: "1", broken: c.broken, cutShort: true}
			u := newUpdater(t, f, noon) // recovery does not wait for the window
			u.Now = func() time.Time { return night }
			func() {
				defer func() {
					if r := recover(); r != errKilled {
						panic(r)
					}
				}()
				u.Run(context.Background(), false)
				t.Fatal("the install was not cut short")
			}()
			st, _ := ReadState(u.Dir)
			if st.Pending == nil || st.Pending.Version != "2" || st.Pending.From != "1" {
				t.Fatalf("pending after the cut: %+v", st.Pending)
			}
			// dpkg finishes what it began (Recover).
			if c.finished {
				f.installed = "2"
			}
			u.Now = func() time.Time { return noon }
			recovered := f.recovered
			if o := run(t, u, false); o.Action != c.want || f.installed != c.final {
				t.Fatalf("%+v, installed %s", o, f.installed)
			}
			if f.recovered == recovered {
				t.Error("dpkg was not asked to recover")
			}
			st, _ = ReadState(u.Dir)
			if st.Pending != nil {
				t.Errorf("still pending: %+v", st.Pending)
			}
			if slices.Contains(st.Refused, "2") != c.refused {
				t.Errorf("refused %v", st.Refused)
			}
			if !c.finished {
				u.Now = func() time.Time { return night }
				if o := run(t, u, false); o.Action != "installed" || f.installed != "2" {
					t.Errorf("the next run: %+v", o)
				}
			}
		})
	}
}

func TestWindowOf(t *testing.T) {
	at := func(hhmm string) time.Time {
		var h, m int
		fmt.Sscanf(hhmm, "%d:%d", &h, &m)
		return time.Date(2026, 12, 7, h, m, 0, 0, time.Local)
	}
	for _, c := range []struct {
		cfg     protocol.TerminalConfig
		in, out []string
		str     string
	}{
		{protocol.TerminalConfig{}, []string{"02:00", "04:59"}, []string{"01:59", "05:00", "12:00"}, "02:00-05:00"},
		{protocol.TerminalConfig{ServiceHours: "08:30-17:30"}, []string{"17:30", "23:59", "00:00", "08:29"}, []string{"08:30", "12:00", "17:29"}, "17:30-08:30"},
		{protocol.TerminalConfig{ServiceHours: "00:00-24:00"}, []string{"03:00"}, []string{"12:00"}, "02:00-05:00"},
		{protocol.TerminalConfig{ServiceHours: "08:00-20:00", UpdateWindow: "22:00-06:00"}, []string{"22:00", "05:59"}, []string{"21:59", "06:00", "20:30"}, "22:00-06:00"},
		{protocol.TerminalConfig{UpdateWindow: "12:00-13:00"}, []string{"12:00", "12:59"}, []string{"13:00", "11:59"}, "12:00-13:00"},
	} {
		w, err := WindowOf(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if w.String() != c.str {
			t.Errorf("%+v: window %s, want %s", c.cfg, w, c.str)
		}
		for _, s := range c.in {
			if !w.Contains(at(s)) {
				t.Errorf("%s: %s is outside", w, s)
			}
		}
		for _, s := range c.out {
			if w.Contains(at(s)) {
				t.Errorf("%s: %s is inside", w, s)
			}
		}
	}
	if _, err := WindowOf(protocol.TerminalConfig{UpdateWindow: "25:00-01:00"}); err == nil {
		t.Error("a malformed window was taken")
	}
	// Served nearly all day: the minute outside is no window.
	if w, _ := WindowOf(protocol.TerminalConfig{ServiceHours: "00:00-23:59"}); w != DefaultWindow {
		t.Errorf("service hours 00:00-23:59: window %s", w)
	}
	if (&protocol.TerminalConfig{Version: 1, UpdateWindow: "12:00-12:10"}).Validate() == nil {
		t.Error("a ten-minute update window was taken")
	}
}

// TestAStoppedRunLeavesItsStateForTheNext: a run stopped while it
// installs (shutdown) writes nothing, keeps Pending, refuses nothing; the
// next run takes it up.
func TestAStoppedRunLeavesItsStateForTheNext(t *testing.T) {
	f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "all", Version: "2"}, installed: "1"}
	u := newUpdater(t, f, night)
	ctx, cancel := context.WithCancel(context.Background())
	f.installErr = map[string]error{}
	// Stopped just as the install starts.
	u.Packages = stopAtInstall{f, cancel}
	if _, err := u.Run(ctx, false); !errors.Is(err, context.Canceled) {
		t.Fatalf("a stopped run: %v", err)
	}
	st, _ := ReadState(u.Dir)
	if st.Pending == nil || len(st.Refused) != 0 || st.Last != nil {
		t.Fatalf("state after a stop: %+v", st)
	}
	u.Packages = f
	f.installed = "2" // dpkg finished after all
	if o := run(t, u, false); o.Action != "installed" {
		t.Fatalf("the next run: %+v", o)
	}
}

type stopAtInstall struct {
	*fakeTerminal
	stop func()
}

func (s stopAtInstall) Install(ctx context.Context, v string) error {
	s.stop()
	return s.fakeTerminal.Install(ctx, v)
}

// TestAFailedGoingBackIsTriedAgain: when putting the version before back
// fails (no link), the refused version is not left running: the next run
// goes back again.
func TestAFailedGoingBackIsTriedAgain(t *testing.T) {
	f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "canary", Version: "3"}, installed: "2",
		broken: map[string]string{"3": "selftest"}, installErr: map[string]error{"2": errors.New("no link")}}
	u := newUpdater(t, f, night)
	if o := run(t, u, false); o.Action != protocol.UpdateFailed || f.installed != "3" {
		t.Fatalf("going back failed: %+v, installed %s", o, f.installed)
	}
	st, _ := ReadState(u.Dir)
	if st.Pending == nil || !slices.Equal(st.Refused, []string{"3"}) || !strings.Contains(st.Last.Reason, "tried again") {
		t.Fatalf("state: %+v %+v", st.Pending, st.Last)
	}
	if o := run(t, u, false); o.Action != protocol.UpdateRolledBack || f.installed != "2" {
		t.Fatalf("the next run: %+v, installed %s", o, f.installed)
	}
	if st, _ := ReadState(u.Dir); st.Pending != nil || st.Last.Running != "2" {
		t.Errorf("after going back: %+v %+v", st.Pending, st.Last)
	}
}

// TestWhatFailedBeforeDoesNotCount: a self-test failure that was there
// before the install (the district unreachable) does not refuse the new
// version; a new one does.
func TestWhatFailedBeforeDoesNotCount(t *testing.T) {
	f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "all", Version: "2"}, installed: "1", failEnv: []string{"district"}}
	u := newUpdater(t, f, night)
	if o := run(t, u, false); o.Action != "installed" {
		t.Fatalf("with the district unreachable before and after: %+v", o)
	}
	f.target.Version, f.broken = "3", map[string]string{"3": "selftest"}
	o := run(t, u, false)
	if o.Action != protocol.UpdateRolledBack || !strings.Contains(o.Detail, "printer") || strings.Contains(o.Detail, "district") {
		t.Fatalf("a new failure: %+v", o)
	}
}

// TestAnInstallThatNeverStartedRefusesNothing: dpkg's lock held, the
// install never touches the package: reported, not refused, tried again.
func TestAnInstallThatNeverStartedRefusesNothing(t *testing.T) {
	f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "all", Version: "2"}, installed: "1",
		installErr: map[string]error{"2": errors.New("could not get the dpkg lock")}}
	u := newUpdater(t, f, night)
	if o := run(t, u, false); o.Action != protocol.UpdateFailed || f.installed != "1" {
		t.Fatalf("%+v", o)
	}
	st, _ := ReadState(u.Dir)
	if st.Pending != nil || len(st.Refused) != 0 {
		t.Fatalf("state: %+v", st)
	}
	if o := run(t, u, false); o.Action != "installed" || f.installed != "2" {
		t.Fatalf("the next run: %+v", o)
	}
}

// TestABrokenPackageIsRepaired: a package dpkg does not have whole, with
// nothing pending, gets the last good version again, whatever the hour.
func TestABrokenPackageIsRepaired(t *testing.T) {
	f := &fakeTerminal{t: t, target: protocol.ReleaseTarget{Ring: "all", Version: "2"}, installed: "1"}
	u := newUpdater(t, f, night)
	run(t, u, false)
	f.installed = "" // half-installed: something outside the updater
	u.Now = func() time.Time { return noon }
	if o := run(t, u, false); f.installed != "2" || !strings.Contains(o.Detail, "not whole") {
		t.Fatalf("%+v, installed %q", o, f.installed)
	}
}
