// Package outbox is the terminal's queue of what residents submitted: every
// application, rating, complaint and staff call, and the terminal's own
// events, kept in a bbolt file until the district acknowledges them.
//
// Its invariants:
//   - Submit returns only after the record and every attachment are on disk
//     (fsynced). A small attachment commits in the same bbolt transaction
//     as the record that names it; a larger one is a file made durable
//     (fsynced, renamed, its folder fsynced) before that record commits. A
//     crash at any instant leaves whole records or none.
//   - The personal part of a record and every attachment are encrypted with
//     age to the district's public keys before they touch the disk. The
//     terminal holds no key that opens them.
//   - A resident's records are found by an HMAC of their ID number under a
//     terminal secret; the number itself is never stored.
package outbox

import (
	"time"
)

// Kind is what a record is.
type Kind string

const (
	Application Kind = "application"
	Rating      Kind = "rating"     // 好差评
	Complaint   Kind = "complaint"  // consultation or complaint
	StaffCall   Kind = "staff_call" // a resident asked for help
	Event       Kind = "event"      // the terminal's own events
)

func (k Kind) valid() bool {
	switch k {
	case Application, Rating, Complaint, StaffCall, Event:
		return true
	}
	return false
}

// State is where a record stands on its way to the district.
type State string

const (
	Queued       State = "queued"
	Sending      State = "sending"
	Acknowledged State = "acknowledged"
	Rejected     State = "rejected"
)

// Public is the part of a record that holds no personal data and stays
// readable on the terminal: enough to show a resident their receipt and for
// technicians to see the queue.
type Public struct {
	Service string `json:"service,omitempty"` // service code from the catalog
	Receipt string `json:"receipt,omitempty"` // receipt number printed for the resident
}

// AttachmentRef names a sealed attachment. Read it with
// Store.OpenAttachment: a small one is held in outbox.db, a larger one is
// a file in attachments/ of the name File.
type AttachmentRef struct {
	Name string `json:"name"` // what it is: "photo", "document-1" …
	File string `json:"file"` // the hex SHA-256 of its sealed bytes, and ".age"
	Size int64  `json:"size"` // sealed bytes
}

// Record is one queued submission.
type Record struct {
	ID          string          `json:"id"`  // UUIDv7 made on the terminal
	Seq         uint64          `json:"seq"` // this terminal's sequence number
	Kind        Kind            `json:"kind"`
	Created     time.Time       `json:"created"`
	Updated     time.Time       `json:"updated"` // last change of state
	State       State           `json:"state"`
	Reason      string          `json:"reason,omitempty"` // why the district rejected it
	Public      Public          `json:"public"`
	Sealed      []byte          `json:"sealed,omitempty"` // age-encrypted personal part
	Attachments []AttachmentRef `json:"attachments,omitempty"`
}

// Submission is what a flow hands the outbox.
type Submission struct {
	Kind   Kind
	Public Public
	// Personal is the personal part (the form, the card's fields) in
	// plain text; it is sealed before it is stored.
	Personal []byte
	// Attachments are read once, sealed as they stream, and never held
	// whole in memory.
	Attachments []Attachment
	// IDNumber, when the resident gave one, indexes the record by its HMAC
	// so the same card finds it again on this terminal.
	IDNumber string
}

// Attachment is a named stream of bytes: a photo, a document scan.
type Attachment struct {
	Name string
	Data interface{ Read([]byte) (int, error) }
}
