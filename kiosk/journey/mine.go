package journey

import (
	"fmt"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Finder finds a resident's records on this terminal by their ID number
// (the outbox's HMAC index).
type Finder interface {
	ForResident(idNumber string) ([]outbox.Record, error)
	All(func(outbox.Record) bool) error
}

// Statuses gives the district's latest status for a record (sync's state).
type Statuses interface {
	RecordStatus(id string) (protocol.Status, bool, error)
}

// Progress is one application as "my applications" shows it.
type Progress struct {
	Receipt   string
	Service   string // the service code
	Submitted time.Time
	// Where it stands: "queued" (waiting to be sent), "sent" (the district
	// has it), "rejected" (refused, see Message), or the district's state
	// (received, accepted, processing, done, rejected).
	State   string
	Message string // the district's words, if any
	At      time.Time
	// Rated: the resident has rated it on this terminal; a service is
	// rated once (好差评: the first rating counts).
	Rated bool
}

// MyApplications lists the applications the card's holder made on this
// terminal, newest first, each with its latest state.
func MyApplications(f Finder, s Statuses, idNumber string) ([]Progress, error) {
	recs, err := f.ForResident(idNumber)
	if err != nil {
		return nil, err
	}
	rated, err := RatedReceipts(f)
	if err != nil {
		return nil, err
	}
	var out []Progress
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if r.Kind != outbox.Application {
			continue
		}
		p, err := progressOf(r, s, rated)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// progressOf is where an application of this terminal's outbox stands:
// the district's latest status when one came, else how far the terminal
// got with it.
func progressOf(r outbox.Record, s Statuses, rated map[string]bool) (Progress, error) {
	p := Progress{Receipt: r.Public.Receipt, Service: r.Public.Service, Submitted: r.Created, At: r.Updated,
		Rated: rated[r.Public.Receipt]}
	switch r.State {
	case outbox.Queued, outbox.Sending, outbox.Exported:
		p.State = "queued"
	case outbox.Rejected:
		p.State, p.Message = "rejected", r.Reason
	default:
		p.State = "sent"
	}
	if s != nil {
		st, ok, err := s.RecordStatus(r.ID)
		if err != nil {
			return Progress{}, err
		}
		if ok {
			p.State, p.Message, p.At = st.State, st.Message, st.At
		}
	}
	return p, nil
}

// RatedReceipts are the receipts the outbox holds a rating for.
func RatedReceipts(f Finder) (map[string]bool, error) {
	rated := make(map[string]bool)
	err := f.All(func(r outbox.Record) bool {
		if r.Kind == outbox.Rating && r.Public.Receipt != "" {
			rated[r.Public.Receipt] = true
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("journey: ratings: %w", err)
	}
	return rated, nil
}
