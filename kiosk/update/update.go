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
	"time"
	"unicode/utf8"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
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
	// Installed is the terminal package's installed version; "" if none.
	Installed(ctx context.Context) (string, error)
	// Recover lets dpkg finish an install that was cut short.
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
	// Selftest runs kioskctl selftest; an error says which checks failed.
	Selftest(ctx context.Context) error
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
func (u *Updater) Run(ctx context.Context, force bool) (Outcome, error) {
	st, err := ReadState(u.Dir)
	if err != nil {
		return Outcome{}, err
	}
	if st.Pending != nil {
		return u.resume(ctx, st)
	}
	if err := u.Packages.Recover(ctx); err != nil {
		return Outcome{}, err
	}
	target, ok, err := u.District.Target(ctx)
	if err != nil {
		return Outcome{}, fmt.Errorf("update: the district's target: %w", err)
	}
	if !ok {
		return Outcome{"none", "the district names no version for this terminal's ring"}, nil
	}
	installed, err := u.Packages.Installed(ctx)
	if err != nil {
		return Outcome{}, err
	}
	switch {
	case installed == target.Version:
		return Outcome{"none", fmt.Sprintf("%s runs already (ring %s)", installed, target.Ring)}, nil
	case slices.Contains(st.Refused, target.Version):
		return Outcome{"refused", fmt.Sprintf("ring %s names %s, which failed its check here; it stays on %s", target.Ring, target.Version, installed)}, nil
	}
	if !force {
		cfg, err := u.District.Config(ctx)
		if err != nil {
			return Outcome{}, fmt.Errorf("update: the district's configuration: %w", err)
		}
		w, err := WindowOf(cfg)
		if err != nil {
			return Outcome{}, err
		}
		if !w.Contains(u.now()) {
			return Outcome{"waiting", fmt.Sprintf("%s waits for the maintenance window %s", target.Version, w)}, nil
		}
	}
	if u.Service.Busy() {
		return Outcome{"waiting", target.Version + " waits: a resident is at the terminal"}, nil
	}
	if err := u.Packages.Fetch(ctx, target.Version); err != nil {
		st.Last = u.report(st, target.Version, installed, protocol.UpdateFailed, err.Error(), installed)
		if werr := writeState(u.Dir, st); werr != nil {
			return Outcome{}, werr
		}
		return Outcome{"failed", err.Error()}, nil
	}
	// The download took a while: ask again, just before the restart.
	if u.Service.Busy() {
		return Outcome{"waiting", target.Version + " waits: a resident is at the terminal"}, nil
	}
	st.Pending = &Pending{Version: target.Version, From: installed, Started: u.now().UTC()}
	if err := writeState(u.Dir, st); err != nil {
		return Outcome{}, err
	}
	u.log().Info("installing", "version", target.Version, "from", installed, "ring", target.Ring)
	if err := u.Packages.Install(ctx, target.Version); err != nil {
		return u.rollBack(ctx, st, fmt.Sprintf("the install failed: %v", err))
	}
	return u.check(ctx, st)
}

// resume finishes a run that was cut short after it began to install.
// When dpkg brings the new version to an end, it is checked as any
// install is. When it does not, the version is not refused — the cut was
// not its fault — the one before is made whole again, and the next run in
// the window tries anew.
func (u *Updater) resume(ctx context.Context, st State) (Outcome, error) {
	p := st.Pending
	u.log().Warn("an update was cut short; recovering", "version", p.Version, "from", p.From)
	recoverErr := u.Packages.Recover(ctx)
	installed, err := u.Packages.Installed(ctx)
	if err != nil {
		return Outcome{}, err
	}
	if recoverErr == nil && installed == p.Version {
		return u.check(ctx, st)
	}
	reason := fmt.Sprintf("the install of %s was cut short", p.Version)
	since := u.now().UTC()
	if installed != p.From && p.From != "" {
		err = u.Packages.Install(ctx, p.From)
	}
	if err == nil && p.From != "" {
		if why := u.healthy(ctx, since); why != "" {
			err = errors.New(why)
		}
	}
	running, _ := u.Packages.Installed(ctx)
	if err != nil {
		reason = fmt.Sprintf("%s; making %q whole again failed: %v", reason, p.From, err)
	}
	st.Pending = nil
	st.Last = u.report(st, p.Version, p.From, protocol.UpdateFailed, reason, running)
	if err := writeState(u.Dir, st); err != nil {
		return Outcome{}, err
	}
	return Outcome{protocol.UpdateFailed, reason}, nil
}

// check restarts the kiosk on the pending version and decides.
func (u *Updater) check(ctx context.Context, st State) (Outcome, error) {
	p := st.Pending
	if reason := u.healthy(ctx, p.Started); reason != "" {
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
// else why not.
func (u *Updater) healthy(ctx context.Context, since time.Time) string {
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
	if err := u.Service.Selftest(ctx); err != nil {
		return fmt.Sprintf("the self-test failed: %v", err)
	}
	return ""
}

// rollBack refuses the pending version and installs the one before.
func (u *Updater) rollBack(ctx context.Context, st State, reason string) (Outcome, error) {
	p := st.Pending
	if !slices.Contains(st.Refused, p.Version) {
		st.Refused = append(st.Refused, p.Version)
	}
	u.log().Warn("update failed; going back", "version", p.Version, "to", p.From, "reason", reason)
	back := p.From
	if back == "" {
		back = st.Good
	}
	result, running := protocol.UpdateRolledBack, back
	since := u.now().UTC()
	err := u.Packages.Recover(ctx)
	if err == nil && back != "" {
		err = u.Packages.Install(ctx, back)
	}
	if err == nil && back != "" {
		if why := u.healthy(ctx, since); why != "" {
			err = errors.New(why)
		}
	}
	if back == "" {
		err = errors.New("no earlier version is known to go back to")
	}
	if err != nil {
		result = protocol.UpdateFailed
		reason = fmt.Sprintf("%s; going back to %q failed too: %v", reason, back, err)
		running, _ = u.Packages.Installed(ctx)
	}
	st.Pending = nil
	st.Last = u.report(st, p.Version, p.From, result, reason, running)
	if err := writeState(u.Dir, st); err != nil {
		return Outcome{}, err
	}
	return Outcome{result, reason}, nil
}

// report is the outcome to report. The same outcome again (a repository
// refused at every run) keeps its ID and time: it is one event, not one
// a run.
func (u *Updater) report(st State, version, from, result, reason, running string) *protocol.UpdateReport {
	reason = clip(reason, 500)
	if l := st.Last; l != nil && l.Version == version && l.From == from && l.Result == result && l.Reason == reason && l.Running == running {
		same := *l
		same.Refused = slices.Clone(st.Refused)
		return &same
	}
	var id [8]byte
	rand.Read(id[:])
	return &protocol.UpdateReport{ID: hex.EncodeToString(id[:]), Version: version, From: from, Result: result,
		Reason: reason, At: u.now().UTC(), Running: running, Refused: slices.Clone(st.Refused)}
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
