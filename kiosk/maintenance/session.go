// Package maintenance is the core of the technician's maintenance mode on
// the terminal, without its screens: the hidden gesture that asks for the
// PIN, the technician PIN (an argon2id hash in the data folder, set with
// `kioskctl pin set`), the lockout after wrong PINs, and the audit trail
// that records every entry, failure, lockout, action and exit in the
// outbox for the district.
//
// Its rules:
//   - The PIN is never stored, logged or recorded: only its hash, in a
//     file readable by the service user alone.
//   - MaxFailures wrong PINs lock entry for LockoutPeriod, and the count
//     survives a restart; a damaged count locks (see loadLockout).
//   - Entry is allowed only once its audit record is on disk: maintenance
//     that cannot be audited does not happen.
package maintenance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Options configures a Session.
type Options struct {
	// DataDir is the terminal's data folder: technician.pin and
	// technician.lockout are there.
	DataDir string
	// TerminalID names the terminal in audit records.
	TerminalID string
	// Outbox stores the audit records; required.
	Outbox Submitter
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Outcome is how an attempt to enter went.
type Outcome int

const (
	Entered  Outcome = iota + 1 // the PIN was right: maintenance is active
	WrongPIN                    // the PIN was wrong; Result.AttemptsLeft more may be tried
	Locked                      // entry is locked until Result.LockedUntil; the PIN was not checked
)

// Result is the answer to Enter.
type Result struct {
	Outcome      Outcome
	AttemptsLeft int       // after WrongPIN
	LockedUntil  time.Time // after Locked
}

// ErrNotActive refuses a maintenance action outside maintenance.
var ErrNotActive = errors.New("maintenance: not in maintenance mode")

// Session is the maintenance mode of one terminal. It is safe for
// concurrent use; Enter takes a noticeable time (argon2id is meant to),
// so screens call it off the UI goroutine.
type Session struct {
	opt Options

	mu     sync.Mutex
	lock   lockout
	active bool
}

// NewSession reads the lockout state in opt.DataDir. A damaged lockout
// file locks entry for a whole LockoutPeriod, is written back as locked,
// and is audited.
func NewSession(ctx context.Context, opt Options) (*Session, error) {
	switch {
	case opt.DataDir == "":
		return nil, errors.New("maintenance: no data folder")
	case opt.Outbox == nil:
		return nil, errors.New("maintenance: no outbox to audit to")
	case !protocol.ValidTerminalID(opt.TerminalID):
		return nil, fmt.Errorf("maintenance: terminal id %q malformed", opt.TerminalID)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Session{opt: opt}
	now := opt.Now()
	lock, damaged := loadLockout(lockoutPath(opt.DataDir), now)
	s.lock = lock
	if !damaged {
		return s, nil
	}
	if err := lock.save(lockoutPath(opt.DataDir)); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, ActionLockout, OutcomeDamaged, now); err != nil {
		return nil, err
	}
	return s, nil
}

// Enter tries pin. When it returns Entered, maintenance is active. A wrong
// PIN counts towards the lockout, and the count is on disk before Enter
// returns; while locked, the PIN is not even checked. Every attempt is
// audited. On an error nothing is entered; the attempt, if it was a
// wrong PIN, still counts.
func (s *Session) Enter(ctx context.Context, pin string) (Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active {
		return Result{}, errors.New("maintenance: already in maintenance mode")
	}
	now := s.opt.Now()
	path := lockoutPath(s.opt.DataDir)
	if s.lock.settle(now) {
		if err := s.lock.save(path); err != nil {
			return Result{}, err
		}
	}
	if s.lock.locked(now) {
		if err := s.audit(ctx, ActionEnter, OutcomeLocked, now); err != nil {
			return Result{}, err
		}
		return Result{Outcome: Locked, LockedUntil: s.lock.LockedUntil}, nil
	}
	h, err := LoadPIN(PINPath(s.opt.DataDir))
	if err != nil {
		return Result{}, errors.Join(err, s.audit(ctx, ActionEnter, OutcomeUnavailable, now))
	}
	if h.Verify(pin) {
		if s.lock.Failures > 0 {
			s.lock = lockout{}
			if err := s.lock.save(path); err != nil {
				return Result{}, err
			}
		}
		if err := s.audit(ctx, ActionEnter, OutcomeOK, now); err != nil {
			return Result{}, err
		}
		s.active = true
		return Result{Outcome: Entered}, nil
	}
	lockedNow := s.lock.fail(now)
	if err := s.lock.save(path); err != nil {
		return Result{}, err
	}
	if err := s.audit(ctx, ActionEnter, OutcomeWrongPIN, now); err != nil {
		return Result{}, err
	}
	if !lockedNow {
		return Result{Outcome: WrongPIN, AttemptsLeft: MaxFailures - s.lock.Failures}, nil
	}
	if err := s.audit(ctx, ActionLockout, OutcomeLocked, now); err != nil {
		return Result{}, err
	}
	return Result{Outcome: Locked, LockedUntil: s.lock.LockedUntil}, nil
}

// Exit leaves maintenance and audits it. Leaving always happens, even
// when the record cannot be stored (the error says so): a terminal stuck
// in maintenance would be worse than a missing record.
func (s *Session) Exit(ctx context.Context) error {
	return s.Leave()(ctx)
}

// Leave leaves maintenance at once and returns the audit of it, for the
// caller to store where slow work goes (the record is fsynced): a screen
// must not wait on the disk, nor a technician's session outlive the tap
// that ended it.
func (s *Session) Leave() (audit func(context.Context) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.active {
		return func(context.Context) error { return nil }
	}
	s.active = false
	at := s.opt.Now()
	return func(ctx context.Context) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.audit(ctx, ActionExit, OutcomeOK, at)
	}
}

// Active reports whether maintenance is active.
func (s *Session) Active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// Log audits a technician's action in maintenance: action and outcome are
// short codes ("test_page", "ok"). The session's own actions (enter,
// lockout, exit) cannot be logged this way, so the trail of entries stays
// the session's alone.
func (s *Session) Log(ctx context.Context, action, outcome string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.active {
		return ErrNotActive
	}
	switch action {
	case ActionEnter, ActionLockout, ActionExit:
		return fmt.Errorf("maintenance: %q is recorded by the session itself", action)
	}
	return s.audit(ctx, action, outcome, s.opt.Now())
}

func (s *Session) audit(ctx context.Context, action, outcome string, at time.Time) error {
	return Audit(ctx, s.opt.Outbox, s.opt.TerminalID, action, outcome, at)
}
