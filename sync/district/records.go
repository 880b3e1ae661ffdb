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
	// What a rating or a complaint says in its sealed part, that the
	// district counts and works by.
	parsed := make([]any, len(recs))
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
			var err error
			if parsed[i], err = d.checkSealed(r); err != nil {
				results[i].Status, results[i].Reason = protocol.Rejected, err.Error()
			}
		}
	}
	rules, err := d.Rules()
	if err != nil {
		return nil, fmt.Errorf("district: store records: %w", err)
	}
	now := d.opt.Now().UTC()
	var fresh int
	err = d.db.Update(func(tx Tx) error {
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
			if r.Kind == "rating" && tx.Bucket(bucketRatings).Get([]byte(ratingKey(terminal, r))) != nil {
				results[i].Status, results[i].Reason = protocol.Duplicate, errRatedAlready.Error()
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
			if err := file(tx, s, parsed[i], rules); err != nil {
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

// checkSealed checks that the record's sealed part opens with the
// district's identity and, for a rating or a complaint, reads what the
// district keeps of it in the clear (ratingRecord, askRecord).
func (d *District) checkSealed(r protocol.Record) (any, error) {
	const cannot = "sealed part does not open with this district's key: "
	if err := d.checkHeader(r.Sealed); err != nil {
		return nil, errors.New(cannot + err.Error())
	}
	plain, err := age.Decrypt(bytes.NewReader(r.Sealed), d.identities...)
	if err != nil {
		return nil, errors.New(cannot + err.Error())
	}
	switch r.Kind {
	case "rating":
		var rr ratingRecord
		err := json.NewDecoder(plain).Decode(&rr)
		switch {
		case err != nil:
			return nil, fmt.Errorf("the rating's sealed part is not a rating: %w", err)
		case rr.Level < LevelVeryDissatisfied || rr.Level > LevelVerySatisfied:
			return nil, fmt.Errorf("rating level %d outside 1–5", rr.Level)
		}
		if rr.Reason != "" && !validShort(rr.Reason) {
			rr.Reason = "?"
		}
		return rr, nil
	case "complaint":
		var a askRecord
		if err := json.NewDecoder(plain).Decode(&a); err != nil {
			return nil, fmt.Errorf("the complaint's sealed part is not a complaint: %w", err)
		}
		if !validShort(a.Type) {
			a.Type = "?"
		}
		if a.Topic != "" && !validShort(a.Topic) {
			a.Topic = "?"
		}
		return a, nil
	}
	if _, err := io.Copy(io.Discard, plain); err != nil {
		return nil, errors.New(cannot + err.Error())
	}
	return nil, nil
}

// file keeps what a new record adds to the inbox, the ratings and the
// cases, in the transaction that stores it. parsed is what checkSealed
// read of it.
func file(tx Tx, s Stored, parsed any, rules Rules) error {
	if tracked(s.Record.Kind) || s.Record.Kind == "rating" {
		if err := appendFeed(tx, FeedEvent{At: s.Received, Type: FeedRecord, Kind: s.Record.Kind, Record: s.Ref().String(), Terminal: s.Terminal,
			Service: s.Record.Public.Service, Receipt: s.Record.Public.Receipt, State: s.State}); err != nil {
			return err
		}
	}
	switch p := parsed.(type) {
	case ratingRecord:
		return fileRating(tx, s, p, rules)
	case askRecord:
		return fileComplaint(tx, s, p, rules)
	}
	if err := fileInInbox(tx, s, ""); err != nil {
		return err
	}
	return noteFinished(tx, s)
}

func addStatus(tx Tx, terminal string, s protocol.Status) error {
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
	err := d.db.View(func(tx Tx) error {
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
func find(tx Tx, ref RecordRef) (Bucket, Stored, error) {
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
	var in Bucket
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
// by is who did it and from where, for the audit trail.
func (d *District) SetStatus(by, from string, ref RecordRef, state, message string) error {
	now := d.opt.Now().UTC()
	return d.db.Update(func(tx Tx) error {
		if err := setStatus(tx, ref, state, message, now); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by, Action: AuditSetStatus, Object: ref.String(), Detail: state, From: from}, now)
	})
}

func setStatus(tx Tx, ref RecordRef, state, message string, now time.Time) error {
	if !protocol.ValidState(state) {
		return fmt.Errorf("district: unknown state %q (received, accepted, processing, done, rejected)", state)
	}
	if len(message) > 2000 {
		return errors.New("district: message over 2000 bytes")
	}
	b, s, err := find(tx, ref)
	if err != nil {
		return err
	}
	was := s.State
	s.State, s.Message, s.Updated = state, message, now
	if err := putJSON(b, []byte(s.Record.ID), s); err != nil {
		return err
	}
	if err := fileInInbox(tx, s, was); err != nil {
		return err
	}
	if err := noteFinished(tx, s); err != nil {
		return err
	}
	if err := appendFeed(tx, FeedEvent{At: now, Type: FeedStatus, Kind: s.Record.Kind, Record: s.Ref().String(), Terminal: s.Terminal,
		Service: s.Record.Public.Service, Receipt: s.Record.Public.Receipt, State: state, Message: message}); err != nil {
		return err
	}
	return addStatus(tx, s.Terminal, protocol.Status{ID: s.Record.ID, State: state, Message: message, At: now})
}

// Records lists the stored records of a kind ("" for all), oldest first.
func (d *District) Records(kind string) ([]Stored, error) {
	var out []Stored
	err := d.db.View(func(tx Tx) error {
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
	err := d.db.View(func(tx Tx) error {
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
