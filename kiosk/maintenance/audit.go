package maintenance

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// What the session itself records. Log records the technician's actions
// under names of the screens' choosing ("test_page", "sync_now",
// "device_test" …).
const (
	ActionEnter   = "enter"   // a PIN was tried: OutcomeOK, OutcomeWrongPIN, OutcomeLocked, OutcomeUnavailable
	ActionLockout = "lockout" // entry locked: OutcomeLocked, or OutcomeDamaged when the lockout file was
	ActionExit    = "exit"    // maintenance left: OutcomeOK

	OutcomeOK          = "ok"
	OutcomeFailed      = "failed"
	OutcomeWrongPIN    = "wrong_pin"
	OutcomeLocked      = "locked"
	OutcomeUnavailable = "unavailable" // no PIN set, or its file refused
	OutcomeDamaged     = "state_damaged"
)

// EventName tells a maintenance event from the terminal's other events.
const EventName = "maintenance"

// Event is one entry of the maintenance audit trail. Its fields are the
// whole of it: what was done, how it went, on which terminal and when.
// There is no field for a PIN or for anything a resident entered, and
// Action and Outcome are short codes (codePattern), not free text, so
// none can be slipped in.
type Event struct {
	Event    string    `json:"event"` // EventName
	Action   string    `json:"action"`
	Outcome  string    `json:"outcome"`
	Terminal string    `json:"terminal"`
	At       time.Time `json:"at"`
}

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// EventSubmission builds the outbox submission of a maintenance event: a
// record of Kind Event. The event goes in the sealed part, as a staff
// call's does: the wire's public part has room only for a service code
// and a receipt number, which an event has not, and sealed it reaches the
// district's staff and no one else. The district stores it as it is
// (sync/district accepts every kind whose sealed part opens).
func EventSubmission(terminal, action, outcome string, at time.Time) (outbox.Submission, error) {
	switch {
	case !protocol.ValidTerminalID(terminal):
		return outbox.Submission{}, fmt.Errorf("maintenance: audit: terminal id %q malformed", terminal)
	case !codePattern.MatchString(action):
		return outbox.Submission{}, fmt.Errorf("maintenance: audit: action %q is not a short code such as \"test_page\"", action)
	case !codePattern.MatchString(outcome):
		return outbox.Submission{}, fmt.Errorf("maintenance: audit: outcome %q is not a short code such as \"ok\"", outcome)
	case at.IsZero():
		return outbox.Submission{}, fmt.Errorf("maintenance: audit: %s without a time", action)
	}
	body, err := json.Marshal(Event{Event: EventName, Action: action, Outcome: outcome, Terminal: terminal, At: at.UTC()})
	if err != nil {
		return outbox.Submission{}, fmt.Errorf("maintenance: audit: %w", err)
	}
	return outbox.Submission{Kind: outbox.Event, Personal: body}, nil
}

// Submitter stores a submission: the outbox (*outbox.Store).
type Submitter interface {
	Submit(ctx context.Context, sub outbox.Submission) (outbox.Record, error)
}

// Audit stores a maintenance event in the outbox. When it returns nil the
// record is on disk.
func Audit(ctx context.Context, out Submitter, terminal, action, outcome string, at time.Time) error {
	sub, err := EventSubmission(terminal, action, outcome, at)
	if err != nil {
		return err
	}
	if _, err := out.Submit(ctx, sub); err != nil {
		return fmt.Errorf("maintenance: audit %s: %w", action, err)
	}
	return nil
}
