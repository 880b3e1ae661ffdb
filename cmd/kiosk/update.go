package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/kiosk/update"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// sessionMark keeps update.InSessionFile in the data folder while a
// resident is at the terminal (it is not at rest), so that the updater,
// another process, installs nothing under them. The clock goroutine calls
// it after each tick: the file is made or removed only when the state
// changes, off Fyne's goroutine. A change that failed is tried again at
// the next tick and logged once.
type sessionMark struct {
	path    string
	log     *slog.Logger
	present bool // the file is there, as far as the mark knows
	failing bool // the last change failed and was logged
}

// newSessionMark removes a file left by a kiosk that stopped without
// removing it: the terminal starts at rest.
func newSessionMark(dataDir string, log *slog.Logger) *sessionMark {
	m := &sessionMark{path: filepath.Join(dataDir, update.InSessionFile), log: log, present: true}
	m.rest(true)
	return m
}

// rest tells the mark whether the terminal is at rest.
func (m *sessionMark) rest(atRest bool) {
	inSession := !atRest
	if inSession == m.present {
		m.failing = false
		return
	}
	var err error
	if inSession {
		err = os.WriteFile(m.path, nil, 0o644)
	} else if err = os.Remove(m.path); errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if err != nil {
		if !m.failing {
			m.log.Error("the updater's in-session mark", "in_session", inSession, "err", err)
		}
		m.failing = true
		return
	}
	m.present, m.failing = inSession, false
}

// stop removes the file: a stopping kiosk serves no one.
func (m *sessionMark) stop() { m.rest(true) }

// submitter stores a submission: the outbox (*outbox.Store).
type submitter interface {
	Submit(ctx context.Context, sub outbox.Submission) (outbox.Record, error)
}

// recordedUpdates remembers which update outcome was recorded: the sync
// state (*client.State).
type recordedUpdates interface {
	UpdateRecorded() (string, error)
	SetUpdateRecorded(id string) error
}

// updateReports carries the updater's outcomes (update.State's Last) to
// the district: the last one in every heartbeat, and each once as an
// event record in the outbox — at start and at each heartbeat, when the
// outcome's ID is not the one the sync state says was recorded. It is
// safe for concurrent use.
type updateReports struct {
	dir      string // the updater's folder: update.StateDir, a test's own
	terminal string
	queue    submitter
	state    recordedUpdates // nil: not enrolled, nothing is recorded
	onSubmit func()          // after an event is submitted; may be nil
	log      *slog.Logger

	mu        sync.Mutex
	submitted string // the ID of the last event this process submitted
	readErr   string // the unreadable state's error last logged
	recordErr string // the failed recording last logged
}

// heartbeat is the terminal's heartbeat (heartbeat) with the updater's
// last outcome, which it records as an event if it is new.
func (u *updateReports) heartbeat(ctx context.Context, queue *outbox.Store, reg *devices.Registry, log *slog.Logger) protocol.Heartbeat {
	hb := heartbeat(queue, reg, log)
	hb.Update = u.check(ctx)
	return hb
}

// check reads the updater's last outcome, records it if it is new and
// returns it; nil when there is none yet or the state cannot be read,
// which a terminal lives with (logged once each time the error changes).
func (u *updateReports) check(ctx context.Context) *protocol.UpdateReport {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, err := update.ReadState(u.dir)
	if err != nil {
		if err.Error() != u.readErr {
			u.log.Warn("the updater's state is unreadable; heartbeats report no update", "err", err)
			u.readErr = err.Error()
		}
		return nil
	}
	u.readErr = ""
	if st.Last == nil {
		return nil
	}
	// A report the district would refuse would cost the whole heartbeat:
	// it is left out, and said once.
	if err := st.Last.Validate(); err != nil {
		if msg := st.Last.ID + ": " + err.Error(); msg != u.recordErr {
			u.log.Warn("the updater's last outcome is malformed: not recorded, and heartbeats report no update", "id", st.Last.ID, "err", err)
			u.recordErr = msg
		}
		return nil
	}
	u.record(ctx, *st.Last)
	return st.Last
}

// record submits r as an event unless it was recorded already. It submits
// first and then remembers: a crash between the two records the outcome
// twice at the next start, never not at all. An event submitted whose ID
// could not be remembered is not submitted again by this process; only
// the remembering is tried again.
func (u *updateReports) record(ctx context.Context, r protocol.UpdateReport) {
	if u.state == nil || u.queue == nil || r.ID == "" {
		return
	}
	err := u.recordOnce(ctx, r)
	if err != nil {
		// Tried again at the next heartbeat; said once.
		if msg := r.ID + ": " + err.Error(); msg != u.recordErr {
			u.log.Error("update outcome not recorded", "update", r.ID, "err", err)
			u.recordErr = msg
		}
		return
	}
	u.recordErr = ""
}

func (u *updateReports) recordOnce(ctx context.Context, r protocol.UpdateReport) error {
	done, err := u.state.UpdateRecorded()
	if err != nil || done == r.ID {
		return err
	}
	if u.submitted != r.ID {
		sub, err := update.EventSubmission(u.terminal, r)
		if err != nil {
			return err
		}
		if _, err := u.queue.Submit(ctx, sub); err != nil {
			return err
		}
		u.submitted = r.ID
		u.log.Info("update outcome recorded", "update", r.ID, "version", r.Version, "from", r.From, "result", r.Result)
		if u.onSubmit != nil {
			u.onSubmit()
		}
	}
	return u.state.SetUpdateRecorded(r.ID)
}
