package update

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// EventName tells an update event from the terminal's other events.
const EventName = "update"

// Event is the record of one of the updater's outcomes, as the district
// reads it: what was tried, how it went and why, on which terminal and
// when. Every field comes from the updater's report; there is no personal
// data in one.
type Event struct {
	Event    string    `json:"event"` // EventName
	Terminal string    `json:"terminal"`
	Version  string    `json:"version"` // the version the updater tried
	From     string    `json:"from"`    // the version that ran before
	Result   string    `json:"result"`  // protocol.UpdateInstalled, UpdateRolledBack, UpdateFailed
	Reason   string    `json:"reason"`
	Running  string    `json:"running"` // the version installed after it
	At       time.Time `json:"at"`
}

// EventSubmission builds the outbox submission of an update's outcome: a
// record of Kind outbox.Event whose sealed part is the Event, as a
// maintenance event's is (kiosk/maintenance). The kiosk submits one for
// each report ID, once (it remembers the ID in its sync state).
func EventSubmission(terminal string, r protocol.UpdateReport) (outbox.Submission, error) {
	switch {
	case !protocol.ValidTerminalID(terminal):
		return outbox.Submission{}, fmt.Errorf("update: event: terminal id %q malformed", terminal)
	case r.Result != protocol.UpdateInstalled && r.Result != protocol.UpdateRolledBack && r.Result != protocol.UpdateFailed:
		return outbox.Submission{}, fmt.Errorf("update: event: result %q is not %s, %s or %s", r.Result,
			protocol.UpdateInstalled, protocol.UpdateRolledBack, protocol.UpdateFailed)
	case r.Version == "":
		return outbox.Submission{}, fmt.Errorf("update: event: a %s outcome without a version", r.Result)
	case r.At.IsZero():
		return outbox.Submission{}, fmt.Errorf("update: event: the %s outcome of %s without a time", r.Result, r.Version)
	}
	body, err := json.Marshal(Event{Event: EventName, Terminal: terminal, Version: r.Version, From: r.From,
		Result: r.Result, Reason: r.Reason, Running: r.Running, At: r.At.UTC()})
	if err != nil {
		return outbox.Submission{}, fmt.Errorf("update: event: %w", err)
	}
	return outbox.Submission{Kind: outbox.Event, Personal: body}, nil
}
