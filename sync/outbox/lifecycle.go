package outbox

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The lifecycle of a record:
//
//	queued → sending → acknowledged → (payload purged at once)
//	                                 → (public part purged after Retention)
//	sending → queued          the send failed; it will be tried again
//	sending → rejected        the district refused it: kept, with the
//	                          reason, for the technician; never retried
//
// Purging the payload drops the sealed part and deletes the attachments
// (from outbox.db in the same transaction, or their files just after it):
// once the district has them, the terminal keeps nothing personal.

// DefaultRetention is how long the public part of an acknowledged record
// stays, so residents can still see their receipt on the terminal.
const DefaultRetention = 30 * 24 * time.Hour

// update changes one record in a transaction; f edits it and says whether
// to keep it (false deletes it).
func (s *Store) update(id string, f func(*Record) (keep bool, err error)) (Record, error) {
	recs, err := s.updateMany([]string{id}, f)
	if err != nil {
		return Record{}, err
	}
	return recs[0], nil
}

// updateMany changes records in one transaction (one fsync for them all);
// f edits each and says whether to keep it. An error from f for any
// record changes none.
func (s *Store) updateMany(ids []string, f func(*Record) (keep bool, err error)) ([]Record, error) {
	out := make([]Record, 0, len(ids))
	var drop []AttachmentRef
	err := s.db.Update(func(tx *bolt.Tx) error {
		out, drop = out[:0], drop[:0]
		for _, id := range ids {
			seq := tx.Bucket(bucketIDs).Get([]byte(id))
			if seq == nil {
				return ErrNotFound
			}
			seq = append([]byte(nil), seq...)
			records := tx.Bucket(bucketRecords)
			var rec Record
			if err := json.Unmarshal(records.Get(seq), &rec); err != nil {
				return err
			}
			before := rec.Attachments
			keep, err := f(&rec)
			if err != nil {
				return err
			}
			if !keep {
				rec.Attachments = nil
			}
			drop = append(drop, removed(before, rec.Attachments)...)
			out = append(out, rec)
			if !keep {
				if err := tx.Bucket(bucketIDs).Delete([]byte(id)); err != nil {
					return err
				}
				if err := records.Delete(seq); err != nil {
					return err
				}
				continue
			}
			data, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			if err := records.Put(seq, data); err != nil {
				return err
			}
		}
		// Attachments held in outbox.db go in this transaction, with the
		// change that drops them; files go after it.
		var err error
		drop, err = dropHeld(tx, drop)
		return err
	})
	if err != nil {
		return nil, err
	}
	// The records no longer name these files; deleting them after the
	// commit means a crash between leaves an orphan, removed at next open,
	// never a record naming a missing file.
	for _, a := range drop {
		if err := s.removeFile(a.File); err != nil {
			return out, err
		}
		s.addAttBytes(-a.Size)
	}
	return out, nil
}

// removed returns the attachments in before that after no longer has.
func removed(before, after []AttachmentRef) []AttachmentRef {
	var out []AttachmentRef
	for _, b := range before {
		kept := false
		for _, a := range after {
			kept = kept || a.File == b.File
		}
		if !kept {
			out = append(out, b)
		}
	}
	return out
}

// removeFile deletes a sealed attachment file. Sealing is randomised, so
// no two attachments share a file.
func (s *Store) removeFile(file string) error {
	if err := os.Remove(s.attachmentPath(AttachmentRef{File: file})); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("outbox: remove %s: %w", file, err)
	}
	return nil
}

// StateError is a change the record's state does not allow.
type StateError struct {
	ID       string
	From, To State
}

func (e *StateError) Error() string {
	return fmt.Sprintf("outbox: record %s is %s, cannot become %s", e.ID, e.From, e.To)
}

func (s *Store) move(id string, to State, allowed ...State) (Record, error) {
	return s.update(id, func(r *Record) (bool, error) {
		for _, a := range allowed {
			if r.State == a {
				r.State = to
				r.Updated = s.opt.Now().UTC()
				return true, nil
			}
		}
		return false, &StateError{ID: id, From: r.State, To: to}
	})
}

// MarkSending records that the record is on its way.
func (s *Store) MarkSending(id string) (Record, error) {
	return s.move(id, Sending, Queued, Sending, Exported)
}

// SendFailed puts a record that could not be sent back in the queue.
func (s *Store) SendFailed(id string) (Record, error) { return s.move(id, Queued, Sending) }

// Acknowledge records the district's acknowledgement (accepted, or a
// duplicate of what it had) and purges the payload at once.
func (s *Store) Acknowledge(id string) (Record, error) {
	return s.update(id, func(r *Record) (bool, error) {
		switch r.State {
		case Queued, Sending, Exported, Acknowledged:
		default:
			return false, &StateError{ID: id, From: r.State, To: Acknowledged}
		}
		r.State = Acknowledged
		r.Updated = s.opt.Now().UTC()
		r.Sealed = nil
		r.Attachments = nil
		return true, nil
	})
}

// Reject records the district's refusal with its reason. The record is
// kept for the technician and never sent again.
func (s *Store) Reject(id, reason string) (Record, error) {
	return s.update(id, func(r *Record) (bool, error) {
		if r.State != Sending && r.State != Queued && r.State != Exported {
			return false, &StateError{ID: id, From: r.State, To: Rejected}
		}
		r.State = Rejected
		r.Reason = reason
		r.Updated = s.opt.Now().UTC()
		return true, nil
	})
}

// Next returns up to n records waiting to be sent, oldest first. Rejected
// and acknowledged records are skipped, so a refused record never holds up
// the ones behind it.
func (s *Store) Next(n int) ([]Record, error) {
	var out []Record
	err := s.All(func(r Record) bool {
		if r.State == Queued || r.State == Sending || r.State == Exported {
			out = append(out, r)
		}
		return len(out) < n
	})
	return out, err
}

// Expire deletes acknowledged records older than retention (counted from
// their acknowledgement) and returns how many went.
func (s *Store) Expire(retention time.Duration) (int, error) {
	cutoff := s.opt.Now().UTC().Add(-retention)
	var ids []string
	err := s.All(func(r Record) bool {
		if r.State == Acknowledged && r.Updated.Before(cutoff) {
			ids = append(ids, r.ID)
		}
		return true
	})
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := s.update(id, func(*Record) (bool, error) { return false, nil }); err != nil {
			return 0, err
		}
	}
	if len(ids) > 0 {
		if err := s.pruneResidentIndex(); err != nil {
			return len(ids), err
		}
	}
	return len(ids), nil
}

// pruneResidentIndex drops index entries whose record is gone, so nothing
// links a card to a record the terminal no longer has.
func (s *Store) pruneResidentIndex() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		records := tx.Bucket(bucketRecords)
		c := tx.Bucket(bucketResidents).Cursor()
		for k, _ := c.First(); k != nil; {
			if len(k) >= 8 && records.Get(k[len(k)-8:]) == nil {
				if err := c.Delete(); err != nil {
					return err
				}
				k, _ = c.Seek(k)
				continue
			}
			k, _ = c.Next()
		}
		return nil
	})
}
