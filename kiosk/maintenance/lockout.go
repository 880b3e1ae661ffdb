package maintenance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// LockoutFile is the name of the lockout state's file in the data folder.
const LockoutFile = "technician.lockout"

// MaxFailures wrong PINs in a row lock maintenance for LockoutPeriod: a
// six-digit PIN then takes years to guess at the screen.
const (
	MaxFailures   = 5
	LockoutPeriod = 15 * time.Minute
)

// lockout is the count of wrong PINs since the last right one and, once
// they reach MaxFailures, until when entry is locked. It lives in a file
// so that switching the terminal off and on does not reset it.
type lockout struct {
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
}

func lockoutPath(dataDir string) string { return filepath.Join(dataDir, LockoutFile) }

// loadLockout reads the lockout state. damaged is set when a file is
// there but cannot be read or makes no sense; the state is then locked
// for a whole LockoutPeriod from now. Failing safe is the point: a count
// that reset whenever the file was damaged would give unlimited guesses
// to anyone able to damage it (pull the power at the right moment, fill
// the disk, edit the file), while a wrong lock costs a technician at most
// one period's wait. The caller writes the locked state back, so the
// period is not extended at every start.
func loadLockout(path string, now time.Time) (st lockout, damaged bool) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return lockout{}, false
	}
	if err == nil && json.Unmarshal(data, &st) == nil && st.valid() {
		return st, false
	}
	return lockout{Failures: MaxFailures, LockedUntil: now.Add(LockoutPeriod)}, true
}

// valid reports whether the state is one this code writes: a count in
// range, and a lock time exactly when the count reached the limit.
func (st lockout) valid() bool {
	if st.Failures < 0 || st.Failures > MaxFailures {
		return false
	}
	return (st.Failures == MaxFailures) == !st.LockedUntil.IsZero()
}

func (st lockout) save(path string) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("maintenance: lockout: %w", err)
	}
	if err := durable.WriteFile(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("maintenance: lockout: %w", err)
	}
	return nil
}

// settle brings the state up to now: a lock that has run out is lifted
// with its count, and a lock ending more than a LockoutPeriod from now
// (the clock went back: a terminal whose clock battery died starts in
// the past) ends one period from now instead of never. It reports
// whether the state changed.
func (st *lockout) settle(now time.Time) bool {
	switch {
	case st.LockedUntil.IsZero():
		return false
	case !now.Before(st.LockedUntil):
		*st = lockout{}
		return true
	case st.LockedUntil.Sub(now) > LockoutPeriod:
		st.LockedUntil = now.Add(LockoutPeriod)
		return true
	}
	return false
}

// locked reports whether entry is locked at now (after settle).
func (st lockout) locked(now time.Time) bool {
	return !st.LockedUntil.IsZero() && now.Before(st.LockedUntil)
}

// fail counts a wrong PIN, locking entry when it is the last one allowed.
// It reports whether this one locked it.
func (st *lockout) fail(now time.Time) bool {
	st.Failures++
	if st.Failures < MaxFailures {
		return false
	}
	st.Failures = MaxFailures
	st.LockedUntil = now.Add(LockoutPeriod)
	return true
}
