package outbox

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Outcome is the district's answer for one record, as the uploader hands
// it back.
type Outcome struct {
	ID string
	// Rejected, when not empty, is the district's reason for refusing the
	// record; otherwise the district has it (accepted or duplicate).
	Rejected string
}

// Settle records the district's answers for a batch in one transaction:
// acknowledged records lose their payload at once, rejected ones keep it
// with the reason. Records already acknowledged stay so (an answer that
// came twice).
func (s *Store) Settle(outcomes []Outcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	ids := make([]string, len(outcomes))
	reasons := make(map[string]string, len(outcomes))
	for i, o := range outcomes {
		ids[i] = o.ID
		reasons[o.ID] = o.Rejected
	}
	now := s.opt.Now().UTC()
	_, err := s.updateMany(ids, func(r *Record) (bool, error) {
		switch r.State {
		case Queued, Sending, Exported:
		case Acknowledged, Rejected:
			return true, nil // settled before; the first answer stands
		default:
			return false, &StateError{ID: r.ID, From: r.State, To: Acknowledged}
		}
		r.Updated = now
		if reason := reasons[r.ID]; reason != "" {
			r.State, r.Reason = Rejected, reason
			return true, nil
		}
		r.State, r.Sealed, r.Attachments = Acknowledged, nil, nil
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("outbox: settle: %w", err)
	}
	return nil
}

// Waiting returns up to n records waiting for the district with a
// sequence number above after, in order: the uploader walks the queue
// with it, so a record it could not send this round does not hold up the
// ones behind.
func (s *Store) Waiting(after uint64, n int) ([]Record, error) {
	var out []Record
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketRecords).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < n; k, v = c.Next() {
			var rec Record
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("outbox: record %x: %w", k, err)
			}
			if rec.State == Queued || rec.State == Sending || rec.State == Exported {
				out = append(out, rec)
			}
		}
		return nil
	})
	return out, err
}
