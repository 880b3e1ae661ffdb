// Package update is the terminal's updater. yizhan-update.service runs it
// from a timer, outside the kiosk process: it installs the version the
// district's ring names for this terminal, up or down, only inside the
// maintenance window and when no resident is at the terminal; then it
// checks the terminal — the kiosk said READY, the self-test passes — and
// when the check fails it installs the version that ran before, refuses
// the failed version from then on, and says why.
//
// What it keeps (State, in its own folder, root's) holds these
// invariants:
//   - Pending is written, and synced, before apt is started and cleared
//     only once the check has decided. A run that finds it set was cut
//     short (power, SIGKILL): it lets dpkg finish what it began, then
//     checks what is installed and rolls back as any failed check does.
//     Recovery runs at every start, window or not: it is what makes a
//     terminal whole again.
//   - A version in Refused is never installed again here; the district
//     sees the list in the heartbeat and promotes another.
//   - Last is the outcome the heartbeat reports and the kiosk records
//     once as an event; its ID tells outcomes apart.
//
// Apt, systemd and the self-test are reached through small interfaces
// (Packages, Service), so every rule here is tested without them; the
// package test in packaging/debtest runs it against the real ones.
package update

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/release"
)

// StateDir is the updater's folder on a terminal: systemd makes it
// (StateDirectory=yizhan-update), root's, readable by the kiosk for
// StateFile.
const StateDir = "/var/lib/yizhan-update"

// StateFile is the updater's state in its folder.
const StateFile = "state.json"

// State is what the updater keeps between runs.
type State struct {
	Pending *Pending               `json:"pending,omitempty"`
	Refused []string               `json:"refused,omitempty"`
	Last    *protocol.UpdateReport `json:"last,omitempty"`
	// Good is the last version that passed its check here.
	Good string `json:"good,omitempty"`
}

// Pending is an install begun and not yet decided.
type Pending struct {
	Version string    `json:"version"`
	From    string    `json:"from"`
	Started time.Time `json:"started"`
	// Baseline is the self-test's failed checks before the install: they
	// do not count against the new version.
	Baseline []string `json:"baseline,omitempty"`
}

// ReadState reads the state in dir; a folder without one is a new
// terminal's: the zero State.
func ReadState(dir string) (State, error) {
	var s State
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("update: state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("update: state %s: %w", filepath.Join(dir, StateFile), err)
	}
	return s, nil
}

func writeState(dir string, s State) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	// 0644: the kiosk, another user, reads Last for its heartbeat.
	if err := durable.WriteFile(filepath.Join(dir, StateFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("update: state: %w", err)
	}
	return nil
}

// District is what the updater asks the district.
type District interface {
	// Target is the version the terminal's ring names; ok is false while
	// it names none.
	Target(ctx context.Context) (t protocol.ReleaseTarget, ok bool, err error)
	// Config is the district's configuration for its terminals (the
	// window is in it).
	Config(ctx context.Context) (protocol.TerminalConfig, error)
}

// Packages is the package system: apt and dpkg.
type Packages interface {
	// Installed is the terminal package's installed version; "" if none,
	// or if dpkg does not have it whole (installed and configured).
	Installed(ctx context.Context) (string, error)
	// Recover lets dpkg finish configuring the terminal's package after an
	// install that was cut short; an error means it could not.
	Recover(ctx context.Context) error
	// Fetch refreshes the repository's index (its signature checked) and
	// downloads version, so that Install only unpacks.
	Fetch(ctx context.Context, version string) error
	// Install installs exactly version, up or down.
	Install(ctx context.Context, version string) error
}

// Service is the kiosk as a running service.
type Service interface {
	// Busy reports whether a resident is at the terminal.
	Busy() bool
	// Restarted makes sure the kiosk runs the installed version: it is
	// restarted unless it started after since already.
	Restarted(ctx context.Context, since time.Time) error
	// Ready waits for the kiosk's READY after since, and for it to stay up
	// for a while; an error says what failed.
	Ready(ctx context.Context, since time.Time) error
	// Selftest runs kioskctl selftest and returns the checks that failed;
	// an error means it could not run.
	Selftest(ctx context.Context) (failed []string, err error)
}

// Updater is one run's parts.
type Updater struct {
	Dir      string // StateDir
	District District
	Packages Packages
	Service  Service
	Log      *slog.Logger
	Now      func() time.Time
	// CheckTimeout bounds the check after a restart: READY and the
	// self-test (5 minutes).
	CheckTimeout time.Duration
}

// Outcome is what a run did, for kioskctl's output and the journal.
type Outcome struct {
	Action string // "none", "recovered", "installed", "rolled_back", "failed", "refused", "waiting"
	Detail string
}

func (u *Updater) now() time.Time {
	if u.Now == nil {
		return time.Now()
	}
	return u.Now()
}

func (u *Updater) log() *slog.Logger {
	if u.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return u.Log
}

// Run is one run of the updater. force skips the window (a technician at
// the terminal, kioskctl update run --now), never the resident.
//
// A run stopped midway (its context ends: shutdown, systemctl stop) leaves
// its state as it is, Pending included, and returns the context's error:
// the next run takes up what this one left, as after a power cut.
func (u *Updater) Run(ctx context.Context, force bool) (Outcome, error) {
	st, err := ReadState(u.Dir)
	if err != nil {
		return Outcome{}, err
	}
	if st.Pending != nil {
		return u.resume(ctx, st)
	}
	if err := u.Packages.Recover(ctx); err != nil {
		u.log().Warn("dpkg could not finish the package's install; it is installed whole again", "err", err)
	}
	installed, err := u.Packages.Installed(ctx)
	if err != nil {
		return Outcome{}, err
	}
	// The package is not whole (an install cut short that dpkg could not
	// finish), or a version refused here runs (a going back that did not
	// get through): that is put right first, window or not.
	if installed == "" || (refused(st, installed) && st.Good != "" && !SameVersion(st.Good, installed)) {
		return u.repair(ctx, st, installed)
	}
	target, ok, err := u.District.Target(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("update: the district's target: %w", err)
	}
	if !ok {
		return Outcome{"none", "the district names no version for this terminal's ring"}, nil
	}
	switch {
	case SameVersion(installed, target.Version):
		return Outcome{"none", fmt.Sprintf("%s runs already (ring %s)", installed, target.Ring)}, nil
	case refused(st, target.Version):
		return Outcome{"refused", fmt.Sprintf("ring %s names %s, which failed its check here; it stays on %s", target.Ring, target.Version, installed)}, nil
	}
	if out, wait := u.mustWait(ctx, force, target.Version); wait {
		return out, nil
	}
	// What the self-test finds wrong before the install (the district
	// unreachable, the clock): only what the new version makes worse
	// counts against it.
	baseline, err := u.Service.Selftest(ctx)
	if err != nil {
		u.log().Warn("the self-test could not run before the install", "err", err)
	}
	if err := u.Packages.Fetch(ctx, target.Version); err != nil {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		return u.failed(st, target.Version, installed, err.Error(), installed)
	}
	// The download took a while: ask again, just before the install.
	if out, wait := u.mustWait(ctx, force, target.Version); wait {
		return out, nil
	}
	st.Pending = &Pending{Version: target.Version, From: installed, Started: u.now().UTC(), Baseline: baseline}
	if err := writeState(u.Dir, st); err != nil {
		return Outcome{}, err
	}
	u.log().Info("installing", "version", target.Version, "from", installed, "ring", target.Ring)
	if err := u.Packages.Install(ctx, target.Version); err != nil {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		if now, _ := u.Packages.Installed(ctx); SameVersion(now, installed) {
			// dpkg never started on it (its lock held, the download gone):
			// not the version's fault, and nothing to undo.
			st.Pending = nil
			return u.failed(st, target.Version, installed, fmt.Sprintf("could not be installed: %v", err), installed)
		}
		return u.rollBack(ctx, st, fmt.Sprintf("the install failed: %v", err))
	}
	return u.check(ctx, st)
}

// mustWait says whether the install waits: outside the window (unless
// forced), or while a resident is at the terminal.
func (u *Updater) mustWait(ctx context.Context, force bool, version string) (Outcome, bool) {
	if !force {
		cfg, err := u.District.Config(ctx)
		if err != nil {
			return Outcome{"waiting", fmt.Sprintf("%s waits: the district's configuration (the window) could not be read: %v", version, err)}, true
		}
		w, err := WindowOf(cfg)
		if err != nil {
			return Outcome{"waiting", fmt.Sprintf("%s waits: %v", version, err)}, true
		}
		if !w.Contains(u.now()) {
			return Outcome{"waiting", fmt.Sprintf("%s waits for the maintenance window %s", version, w)}, true
		}
	}
	if u.Service.Busy() {
		return Outcome{"waiting", version + " waits: a resident is at the terminal"}, true
	}
	return Outcome{}, false
}

func refused(st State, version string) bool {
	return slices.ContainsFunc(st.Refused, func(r string) bool { return SameVersion(r, version) })
}

// failed reports an outcome that changed nothing installed.
func (u *Updater) failed(st State, version, from, reason, running string) (Outcome, error) {
	st.Last = u.report(st, version, from, protocol.UpdateFailed, reason, running)
	if err := writeState(u.Dir, st); err != nil {
		return Outcome{}, err
	}
	return Outcome{protocol.UpdateFailed, reason}, nil
}

// resume takes up a run that was cut short after it began to install —
// a power cut, a kill, a stop. dpkg first finishes what it can; then:
//   - the new version is whole: it is checked as any install is (or, if
//     it was refused already and the cut came while going back, going
//     back is done again);
//   - it is not: the cut was not the version's fault, so it is not
//     refused; the version before is made whole and checked, and the next
//     run in the window tries anew. Should that fail too (no link at
//     boot), Pending stays for the next run.
func (u *Updater) resume(ctx context.Context, st State) (Outcome, error) {
	p := st.Pending
	u.log().Warn("an update was cut short; recovering", "version", p.Version, "from", p.From)
	if err := u.Packages.Recover(ctx); err != nil {
		u.log().Warn("dpkg could not finish the cut install", "err", err)
	}
	installed, err := u.Packages.Installed(ctx)
	if err != nil {
		return Outcome{}, err
	}
	if installed != "" && SameVersion(installed, p.Version) {
		if refused(st, p.Version) {
			return u.rollBack(ctx, st, st.lastReason("it failed its check here"))
		}
		return u.check(ctx, st)
	}
	reason := fmt.Sprintf("the install of %s was cut short", p.Version)
	since := u.now().UTC()
	if p.From == "" {
		st.Pending = nil
		return u.failed(st, p.Version, p.From, reason+"; no earlier version is known to go back to", installed)
	}
	if installed == "" || !SameVersion(installed, p.From) {
		if err := u.Packages.Install(ctx, p.From); err != nil {
			if ctx.Err() != nil {
				return Outcome{}, ctx.Err()
			}
			// Pending stays: the next run tries again.
			return u.failed(st, p.Version, p.From, fmt.Sprintf("%s; putting %s back failed (tried again at the next run): %v", reason, p.From, err), installed)
		}
	}
	if why := u.healthy(ctx, since, p.Baseline); why != "" {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		reason += fmt.Sprintf("; %s is back, but %s", p.From, why)
	}
	st.Pending = nil
	running, _ := u.Packages.Installed(ctx)
	return u.failed(st, p.Version, p.From, reason, running)
}

// lastReason is the reason of the last outcome, or else.
func (st State) lastReason(orElse string) string {
	if st.Last != nil && st.Last.Reason != "" {
		return st.Last.Reason
	}
	return orElse
}

// check restarts the kiosk on the pending version and decides.
func (u *Updater) check(ctx context.Context, st State) (Outcome, error) {
	p := st.Pending
	if reason := u.healthy(ctx, p.Started, p.Baseline); reason != "" {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		return u.rollBack(ctx, st, reason)
	}
	st.Pending = nil
	st.Good = p.Version
	st.Last = u.report(st, p.Version, p.From, protocol.UpdateInstalled, "", p.Version)
	if err := writeState(u.Dir, st); err != nil {
		return Outcome{}, err
	}
	u.log().Info("updated", "version", p.Version, "from", p.From)
	return Outcome{"installed", fmt.Sprintf("%s installed and checked (was %s)", p.Version, p.From)}, nil
}

// healthy restarts the kiosk if need be and checks it: "" when it passed,
// else why not. Self-test failures that were there before the install
// (baseline) do not count.
func (u *Updater) healthy(ctx context.Context, since time.Time, baseline []string) string {
	timeout := u.CheckTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := u.Service.Restarted(ctx, since); err != nil {
		return fmt.Sprintf("the kiosk could not be restarted: %v", err)
	}
	if err := u.Service.Ready(ctx, since); err != nil {
		return fmt.Sprintf("the kiosk did not become ready: %v", err)
	}
	failed, err := u.Service.Selftest(ctx)
	if err != nil {
		return fmt.Sprintf("the self-test could not run: %v", err)
	}
	var worse []string
	for _, f := range failed {
		if !slices.Contains(baseline, f) {
			worse = append(worse, f)
		}
	}
	if len(worse) > 0 {
		return "the self-test failed: " + strings.Join(worse, ", ")
	}
	return ""
}

// rollBack refuses the pending version and installs the one before.
// Pending stays until the version before runs again, so a cut while going
// back is taken up by the next run.
func (u *Updater) rollBack(ctx context.Context, st State, reason string) (Outcome, error) {
	p := st.Pending
	if !refused(st, p.Version) {
		st.Refused = append(st.Refused, p.Version)
	}
	back := p.From
	if back == "" {
		back = st.Good
	}
	// The refusal is kept before going back: a cut from here on is taken
	// up as a going back (resume).
	if err := writeState(u.Dir, st); err != nil {
		return Outcome{}, err
	}
	u.log().Warn("update failed; going back", "version", p.Version, "to", back, "reason", reason)
	if back == "" {
		st.Pending = nil
		return u.failed(st, p.Version, p.From, reason+"; no earlier version is known to go back to", p.Version)
	}
	since := u.now().UTC()
	if err := u.Packages.Recover(ctx); err != nil {
		u.log().Warn("dpkg could not finish the failed version; the one before is installed over it", "err", err)
	}
	if err := u.Packages.Install(ctx, back); err != nil {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		running, _ := u.Packages.Installed(ctx)
		// Pending stays: the next run goes back again.
		return u.failed(st, p.Version, p.From, fmt.Sprintf("%s; going back to %s failed (tried again at the next run): %v", reason, back, err), running)
	}
	result := protocol.UpdateRolledBack
	if why := u.healthy(ctx, since, p.Baseline); why != "" {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		result = protocol.UpdateFailed
		reason = fmt.Sprintf("%s; %s is back, but %s too", reason, back, why)
	}
	st.Pending = nil
	st.Last = u.report(st, p.Version, p.From, result, reason, back)
	if err := writeState(u.Dir, st); err != nil {
		return Outcome{}, err
	}
	return Outcome{result, reason}, nil
}

// repair installs the last good version (or, with none known, the ring's)
// over a package that is not whole or a refused version that runs.
func (u *Updater) repair(ctx context.Context, st State, installed string) (Outcome, error) {
	version := st.Good
	if version == "" {
		t, ok, err := u.District.Target(ctx)
		if err != nil || !ok {
			return Outcome{}, fmt.Errorf("update: the package is not whole and no version is known to install (%v)", err)
		}
		version = t.Version
	}
	why := "the package was not whole"
	if installed != "" {
		why = fmt.Sprintf("%s, refused here, ran", installed)
	}
	u.log().Warn("repairing", "version", version, "why", why)
	since := u.now().UTC()
	if err := u.Packages.Install(ctx, version); err != nil {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		return u.failed(st, version, installed, fmt.Sprintf("%s; installing %s failed (tried again at the next run): %v", why, version, err), installed)
	}
	reason := why + "; " + version + " installed again"
	if bad := u.healthy(ctx, since, nil); bad != "" {
		if ctx.Err() != nil {
			return Outcome{}, ctx.Err()
		}
		reason += ", but " + bad
	}
	return u.failed(st, version, installed, reason, version)
}

// SameVersion reports whether a and b are one Debian version ("1:2.0" is
// not "2.0", but "0:2.0" is).
func SameVersion(a, b string) bool { return release.CompareVersions(a, b) == 0 }

// report is the outcome to report. The same outcome again (a repository
// refused at every run) keeps its ID and time: it is one event, not one
// a run.
func (u *Updater) report(st State, version, from, result, reason, running string) *protocol.UpdateReport {
	reason = clip(reason, 500)
	if l := st.Last; l != nil && l.Version == version && l.From == from && l.Result == result && l.Reason == reason && l.Running == running {
		same := *l
		same.Refused = lastRefused(st.Refused)
		return &same
	}
	var id [8]byte
	rand.Read(id[:])
	return &protocol.UpdateReport{ID: hex.EncodeToString(id[:]), Version: version, From: from, Result: result,
		Reason: reason, At: u.now().UTC(), Running: running, Refused: lastRefused(st.Refused)}
}

// clip shortens s to at most n bytes, on a character boundary: the
// heartbeat takes a reason of 600 bytes at most.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// InSessionFile is the file the kiosk keeps in its data folder while a
// resident is at the terminal (any screen but a resting home screen); the
// updater installs nothing while it is there and a kiosk holds the data
// folder (a crashed kiosk's leftover file does not count).
const InSessionFile = "in-session"

// lastRefused is what the heartbeat carries of the refused versions: the
// latest 32 (it takes no more).
func lastRefused(r []string) []string {
	return slices.Clone(r[max(0, len(r)-32):])
}
