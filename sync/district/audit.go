package district

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// An AuditEvent is one thing done to the district's data, or one view of
// a resident's personal data, with who did it. The trail only grows:
// nothing in this package changes or removes an event, and each event
// holds the hash of the one before it, so an edit of the store file
// shows (VerifyAuditTrail).
type AuditEvent struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Staff  string    `json:"staff"`            // the account, or "command line" for districtd's own commands
	Action string    `json:"action"`           // AuditLogin …, or what a page did: "view_application", "set_status"
	Object string    `json:"object,omitempty"` // what it was done to: TERMINAL/ID, a staff name
	Detail string    `json:"detail,omitempty"` // never personal data: states, counts, reasons
	From   string    `json:"from,omitempty"`   // the client's address
	Prev   string    `json:"prev"`             // the hash of the event before, hex; "" for the first
}

// What the store records by itself.
const (
	AuditLogin            = "login"
	AuditLoginFailed      = "login_failed"
	AuditLoginLocked      = "login_locked"
	AuditStaffAdded       = "staff_added"
	AuditPasswordSet      = "staff_password_set"
	AuditStaffDisable     = "staff_disabled"
	AuditSetStatus        = "set_status"
	AuditCaseStep         = "case_step"
	AuditCaseAssigned     = "case_assigned"
	AuditAutoRated        = "auto_rated"
	AuditRulesSet         = "rules_set"
	AuditCatalogPublished = "catalog_published"
	AuditAPITokenIssued   = "api_token_issued"
	AuditAPITokenRevoked  = "api_token_revoked"
	AuditTOTPEnabled      = "two_step_on"
	AuditTOTPDisabled     = "two_step_off"

	// CommandLine is who did what districtd's own commands did.
	CommandLine = "command line"
)

// Audit appends ev to the trail, numbering, dating and chaining it.
func (d *District) Audit(ev AuditEvent) error {
	return d.db.Update(func(tx Tx) error { return appendAudit(tx, ev, d.opt.Now()) })
}

func appendAudit(tx Tx, ev AuditEvent, now time.Time) error {
	b := tx.Bucket(bucketAudit)
	if _, last := b.Cursor().Last(); last != nil {
		sum := sha256.Sum256(last)
		ev.Prev = hex.EncodeToString(sum[:])
	} else {
		ev.Prev = ""
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	ev.Seq, ev.At = seq, now.UTC()
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return b.Put(seqKey(seq), data)
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

// AuditTrail returns up to limit events after the one numbered after, in
// order: an admin's page reads it a page at a time.
func (d *District) AuditTrail(after uint64, limit int) ([]AuditEvent, error) {
	var out []AuditEvent
	err := d.db.View(func(tx Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			var ev AuditEvent
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("district: audit event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// ErrAuditBroken is a trail whose chain does not hold: an event was
// edited, removed or put in.
var ErrAuditBroken = errors.New("district: the audit trail was changed")

// VerifyAuditTrail walks the whole trail and checks each event's number
// and its hash of the one before.
func (d *District) VerifyAuditTrail() error {
	return d.db.View(func(tx Tx) error {
		var prev []byte
		var want uint64 = 1
		return tx.Bucket(bucketAudit).ForEach(func(k, v []byte) error {
			var ev AuditEvent
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("%w: event %x unreadable", ErrAuditBroken, k)
			}
			link := ""
			if prev != nil {
				sum := sha256.Sum256(prev)
				link = hex.EncodeToString(sum[:])
			}
			if !bytes.Equal(k, seqKey(want)) || ev.Seq != want || ev.Prev != link {
				return fmt.Errorf("%w at event %d", ErrAuditBroken, want)
			}
			prev, want = v, want+1
			return nil
		})
	})
}
