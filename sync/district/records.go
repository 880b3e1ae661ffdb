package district

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Stored is a record as the district keeps it.
type Stored struct {
	Terminal string          `json:"terminal"`
	Record   protocol.Record `json:"record"`
	Received time.Time       `json:"received"`
	Via      string          `json:"via"` // "sync" or "import"
	// State and Message are the latest status staff gave it.
	State   string    `json:"state,omitempty"`
	Message string    `json:"message,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
}

func unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

// Ingest stores records sent by a terminal and answers each: accepted,
// duplicate, rejected (with the reason) or missing (an attachment has not
// arrived). Records are the terminal's own: another terminal's record with
// the same id is none of its business. The batch commits in one
// transaction, after its attachments are filed, so every "accepted" is on
// disk with them when the answer goes out.
func (d *District) Ingest(terminal, via string, recs []protocol.Record) ([]protocol.Result, error) {
	return d.ingest(terminal, via, recs, dirWaiting)
}

// ingest is Ingest with the terminal's folder its records' attachments
// come from: waiting/, or an import's.
func (d *District) ingest(terminal, via string, recs []protocol.Record, from string) ([]protocol.Result, error) {
	if !protocol.ValidTerminalID(terminal) {
		return nil, fmt.Errorf("district: terminal id %q malformed", terminal)
	}
	results := make([]protocol.Result, len(recs))
	// Checks that need no transaction: attachments present, sealed part
	// opens with the district's identity.
	for i, r := range recs {
		results[i] = protocol.Result{ID: r.ID}
		if err := r.Validate(); err != nil {
			results[i].Status, results[i].Reason = protocol.Rejected, err.Error()
			continue
		}
		for _, a := range r.Attachments {
			if size, ok := d.wholeIn(terminal, from, a.SHA256); !ok || size != a.Size {
				results[i].Status, results[i].Reason = protocol.Missing, "attachment "+a.SHA256+" not uploaded"
				break
			}
		}
		if results[i].Status == "" {
			if err := d.checkSealed(r.Sealed); err != nil {
				results[i].Status, results[i].Reason = protocol.Rejected, "sealed part does not open with this district's key: "+err.Error()
			}
		}
	}
	now := d.opt.Now().UTC()
	var fresh int
	err := d.db.Update(func(tx *bolt.Tx) error {
		fresh = 0
		b, err := tx.Bucket(bucketRecords).CreateBucketIfNotExists([]byte(terminal))
		if err != nil {
			return err
		}
		filed := false
		for i, r := range recs {
			if results[i].Status != "" && results[i].Status != protocol.Accepted && results[i].Status != protocol.Duplicate {
				continue
			}
			var old Stored
			found, err := getJSON(b, []byte(r.ID), &old)
			if err != nil {
				return err
			}
			if found {
				if bytes.Equal(old.Record.Sealed, r.Sealed) {
					results[i].Status = protocol.Duplicate
				} else {
					results[i].Status, results[i].Reason = protocol.Rejected, "record id already used for a different record"
				}
				continue
			}
			if len(r.Attachments) > 0 {
				ok, err := d.fileBlobs(terminal, from, r.Attachments)
				if err != nil {
					return err
				}
				filed = true
				if !ok {
					results[i].Status, results[i].Reason = protocol.Missing, "an attachment was not uploaded, or waited too long for its record"
					continue
				}
			}
			s := Stored{Terminal: terminal, Record: r, Received: now, Via: via}
			if tracked(r.Kind) {
				s.State, s.Updated = "received", now
				if err := addStatus(tx, terminal, protocol.Status{ID: r.ID, State: "received", At: now}); err != nil {
					return err
				}
			}
			if err := putJSON(b, []byte(r.ID), s); err != nil {
				return err
			}
			results[i].Status = protocol.Accepted
			fresh++
		}
		if filed {
			// The stored records' attachments are in filed/ for good
			// before the records are.
			return d.syncFiled(terminal, from)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("district: store records: %w", err)
	}
	for i, r := range recs {
		if results[i].Status == protocol.Rejected && from == dirWaiting {
			d.dropWaiting(terminal, r.Attachments)
		}
	}
	if fresh > 0 {
		d.opt.Log.Info("records stored", "terminal", terminal, "via", via, "new", fresh, "batch", len(recs))
	}
	return results, nil
}

// tracked kinds get statuses back on the terminal: the resident follows
// them from "my applications".
func tracked(kind string) bool { return kind == "application" || kind == "complaint" }

func (d *District) checkSealed(sealed []byte) error {
	if err := d.checkHeader(sealed); err != nil {
		return err
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), d.identities...)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, r)
	return err
}

func addStatus(tx *bolt.Tx, terminal string, s protocol.Status) error {
	b, err := tx.Bucket(bucketStatuses).CreateBucketIfNotExists([]byte(terminal))
	if err != nil {
		return err
	}
	if s.Cursor, err = b.NextSequence(); err != nil {
		return err
	}
	return putJSON(b, binary.BigEndian.AppendUint64(nil, s.Cursor), s)
}

// Statuses returns up to max statuses for the terminal after cursor.
func (d *District) Statuses(terminal string, after uint64, max int) (protocol.StatusesResponse, error) {
	resp := protocol.StatusesResponse{Statuses: []protocol.Status{}}
	if after == math.MaxUint64 {
		return resp, nil // nothing comes after it (after+1 would wrap to 0)
	}
	err := d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStatuses).Bucket([]byte(terminal))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, after+1)); k != nil; k, v = c.Next() {
			if len(resp.Statuses) == max {
				resp.More = true
				return nil
			}
			var s protocol.Status
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
			resp.Statuses = append(resp.Statuses, s)
		}
		return nil
	})
	return resp, err
}

// ErrNoRecord means the district has no record with the id.
var ErrNoRecord = errors.New("district: no such record")

// RecordRef names a stored record: the terminal that made it and its id.
// Staff may give the id alone, which names a record as long as only one
// terminal sent that id.
type RecordRef struct {
	Terminal string // "" when staff gave the id alone
	ID       string
}

// ParseRecordRef reads "ID" or "TERMINAL/ID".
func ParseRecordRef(s string) (RecordRef, error) {
	var ref RecordRef
	if t, id, ok := strings.Cut(s, "/"); ok {
		ref.Terminal, ref.ID = t, id
		if !protocol.ValidTerminalID(t) {
			return RecordRef{}, fmt.Errorf("district: %q: terminal id malformed (a record is named ID or TERMINAL/ID)", s)
		}
	} else {
		ref.ID = s
	}
	if !protocol.ValidRecordID(ref.ID) {
		return RecordRef{}, fmt.Errorf("district: %q: record id malformed (a record is named ID or TERMINAL/ID)", s)
	}
	return ref, nil
}

func (r RecordRef) String() string {
	if r.Terminal == "" {
		return r.ID
	}
	return r.Terminal + "/" + r.ID
}

// Ref names the stored record.
func (s Stored) Ref() RecordRef { return RecordRef{Terminal: s.Terminal, ID: s.Record.ID} }

// find looks the record up: in its terminal's records, or, when the
// reference names none, in every terminal's — where the id must be one
// terminal's only.
func find(tx *bolt.Tx, ref RecordRef) (*bolt.Bucket, Stored, error) {
	all := tx.Bucket(bucketRecords)
	var s Stored
	if ref.Terminal != "" {
		b := all.Bucket([]byte(ref.Terminal))
		if b == nil {
			return nil, s, ErrNoRecord
		}
		found, err := getJSON(b, []byte(ref.ID), &s)
		if err == nil && !found {
			err = ErrNoRecord
		}
		return b, s, err
	}
	var in *bolt.Bucket
	var senders []string
	err := all.ForEachBucket(func(terminal []byte) error {
		b := all.Bucket(terminal)
		var one Stored
		found, err := getJSON(b, []byte(ref.ID), &one)
		if found {
			in, s = b, one
			senders = append(senders, string(terminal)+"/"+ref.ID)
		}
		return err
	})
	switch {
	case err != nil:
		return nil, s, err
	case len(senders) == 0:
		return nil, s, ErrNoRecord
	case len(senders) > 1:
		return nil, s, fmt.Errorf("district: more than one terminal sent a record %s: name one of %s", ref.ID, strings.Join(senders, ", "))
	}
	return in, s, nil
}

// SetStatus gives a record a new state with a message for the resident,
// which the terminal that sent it fetches with its next sync.
func (d *District) SetStatus(ref RecordRef, state, message string) error {
	if !protocol.ValidState(state) {
		return fmt.Errorf("district: unknown state %q (received, accepted, processing, done, rejected)", state)
	}
	if len(message) > 2000 {
		return errors.New("district: message over 2000 bytes")
	}
	now := d.opt.Now().UTC()
	return d.db.Update(func(tx *bolt.Tx) error {
		b, s, err := find(tx, ref)
		if err != nil {
			return err
		}
		s.State, s.Message, s.Updated = state, message, now
		if err := putJSON(b, []byte(s.Record.ID), s); err != nil {
			return err
		}
		return addStatus(tx, s.Terminal, protocol.Status{ID: s.Record.ID, State: state, Message: message, At: now})
	})
}

// Records lists the stored records of a kind ("" for all), oldest first.
func (d *District) Records(kind string) ([]Stored, error) {
	var out []Stored
	err := d.db.View(func(tx *bolt.Tx) error {
		all := tx.Bucket(bucketRecords)
		return all.ForEachBucket(func(terminal []byte) error {
			return all.Bucket(terminal).ForEach(func(k, v []byte) error {
				var s Stored
				if err := json.Unmarshal(v, &s); err != nil {
					return fmt.Errorf("record %s/%s: %w", terminal, k, err)
				}
				if kind == "" || s.Record.Kind == kind {
					out = append(out, s)
				}
				return nil
			})
		})
	})
	// UUIDv7 ids sort by time already; order by terminal sequence within
	// the same instant.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Record.Created.Before(out[j].Record.Created) })
	return out, err
}

// Record returns one stored record.
func (d *District) Record(ref RecordRef) (Stored, error) {
	var s Stored
	err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		_, s, err = find(tx, ref)
		return err
	})
	return s, err
}

// Open decrypts a record's personal part with the district's identity.
func (d *District) Open(s Stored) ([]byte, error) {
	sealed := s.Record.Sealed
	if err := d.checkHeader(sealed); err != nil {
		return nil, fmt.Errorf("district: open %s: %w", s.Record.ID, err)
	}
	r, err := age.Decrypt(bytes.NewReader(sealed), d.identities...)
	if err != nil {
		return nil, fmt.Errorf("district: open %s: %w", s.Record.ID, err)
	}
	return io.ReadAll(r)
}

// OpenAttachment decrypts an attachment of a stored record into w.
func (d *District) OpenAttachment(s Stored, a protocol.Attachment, w io.Writer) error {
	f, err := d.openBlob(s.Terminal, a.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	checked, err := d.checkedStream(f)
	if err != nil {
		return fmt.Errorf("district: open attachment %s: %w", a.Name, err)
	}
	r, err := age.Decrypt(checked, d.identities...)
	if err != nil {
		return fmt.Errorf("district: open attachment %s: %w", a.Name, err)
	}
	_, err = io.Copy(w, r)
	return err
}
