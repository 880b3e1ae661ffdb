package district

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// The inbox is the applications by state, in the order they arrived, so
// a page of them — newest first, filtered by service, terminal, site or
// date — is read without opening the records: inbox/STATE holds, for each
// application in that state, received (8 bytes of Unix nanoseconds,
// big-endian) + TERMINAL/ID → service code, 0x1f, receipt number. counts holds how many
// applications each state has. Both change in the transaction that stores
// or moves the application, so they never disagree with the records.

// States is every state an application can be in, in the order it goes
// through them.
var States = []string{"received", "accepted", "processing", "done", "rejected"}

func inboxKey(received time.Time, ref RecordRef) []byte {
	k := binary.BigEndian.AppendUint64(nil, uint64(received.UnixNano()))
	return append(append(append(k, ref.Terminal...), '/'), ref.ID...)
}

// parseInboxKey reads an inbox key back.
func parseInboxKey(k []byte) (time.Time, RecordRef, bool) {
	if len(k) < 8+3 {
		return time.Time{}, RecordRef{}, false
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC()
	terminal, id, ok := bytes.Cut(k[8:], []byte("/"))
	if !ok {
		return time.Time{}, RecordRef{}, false
	}
	return at, RecordRef{Terminal: string(terminal), ID: string(id)}, true
}

// fileInInbox puts an application under its state, taking it from the
// state it was in ("" for a new one).
func fileInInbox(tx Tx, s Stored, was string) error {
	if s.Record.Kind != "application" || was == s.State {
		return nil
	}
	key := inboxKey(s.Received, s.Ref())
	inbox := tx.Bucket(bucketInbox)
	if was != "" {
		if b := inbox.Bucket([]byte(was)); b != nil {
			if err := b.Delete(key); err != nil {
				return err
			}
			if err := addCount(tx, "app:"+was, -1); err != nil {
				return err
			}
		}
	}
	b, err := inbox.CreateBucketIfNotExists([]byte(s.State))
	if err != nil {
		return err
	}
	if err := b.Put(key, []byte(s.Record.Public.Service+"\x1f"+s.Record.Public.Receipt)); err != nil {
		return err
	}
	return addCount(tx, "app:"+s.State, 1)
}

func addCount(tx Tx, name string, delta int64) error {
	b := tx.Bucket(bucketCounts)
	var n int64
	if v := b.Get([]byte(name)); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	n += delta
	if n < 0 {
		return fmt.Errorf("count %s below zero", name)
	}
	return b.Put([]byte(name), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

func readCount(tx Tx, name string) uint64 {
	if v := tx.Bucket(bucketCounts).Get([]byte(name)); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// InboxQuery chooses applications for a page of the inbox. Every field
// is optional.
type InboxQuery struct {
	State    string // one of States; "" for every state
	Service  string // a service code
	Terminal string
	Site     string
	// From and To bound when the district received it: From ≤ received < To.
	From, To time.Time
	// After is the Next of the page before; "" for the first page.
	After string
	// Limit is the page's length (50; at most 500).
	Limit int
}

// InboxItem is one application in the inbox.
type InboxItem struct {
	Ref      RecordRef
	State    string
	Service  string
	Receipt  string
	Site     string
	Received time.Time
}

// InboxPage is a page of the inbox, newest first.
type InboxPage struct {
	Items []InboxItem
	// Next asks for the page after this one; "" when this is the last.
	Next string
	// Counts is how many applications each state has, filters aside.
	Counts map[string]uint64
}

// inboxScanLimit bounds how many index entries one page looks at: a filter
// that matches little ends a page early, with Next to look further, rather
// than walking a million entries for one request.
var inboxScanLimit = 200_000

// Inbox returns a page of applications, newest first.
func (d *District) Inbox(q InboxQuery) (InboxPage, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 500)
	states := States
	if q.State != "" {
		if !protocol.ValidState(q.State) {
			return InboxPage{}, fmt.Errorf("district: unknown state %q", q.State)
		}
		states = []string{q.State}
	}
	var after []byte
	if q.After != "" {
		var err error
		if after, err = hex.DecodeString(q.After); err != nil || len(after) < 11 {
			return InboxPage{}, errors.New("district: inbox page token malformed")
		}
	}
	page := InboxPage{Counts: map[string]uint64{}}
	err := d.db.View(func(tx Tx) error {
		for _, st := range States {
			page.Counts[st] = readCount(tx, "app:"+st)
		}
		sites, err := terminalSites(tx)
		if err != nil {
			return err
		}
		// One cursor per state, each walking back from where the page
		// starts; the newest of their heads comes next.
		type head struct {
			state string
			c     Cursor
			k, v  []byte
		}
		var heads []*head
		upper := after
		if upper == nil && !q.To.IsZero() {
			upper = binary.BigEndian.AppendUint64(nil, uint64(q.To.UnixNano()))
		}
		for _, st := range states {
			b := tx.Bucket(bucketInbox).Bucket([]byte(st))
			if b == nil {
				continue
			}
			h := &head{state: st, c: b.Cursor()}
			if upper == nil {
				h.k, h.v = h.c.Last()
			} else {
				// The last key below upper.
				h.k, h.v = h.c.Seek(upper)
				if h.k == nil {
					h.k, h.v = h.c.Last()
				}
				for h.k != nil && bytes.Compare(h.k, upper) >= 0 {
					h.k, h.v = h.c.Prev()
				}
			}
			heads = append(heads, h)
		}
		var lower []byte
		if !q.From.IsZero() {
			lower = binary.BigEndian.AppendUint64(nil, uint64(q.From.UnixNano()))
		}
		var last []byte
		for scanned := 0; ; scanned++ {
			var next *head
			for _, h := range heads {
				if h.k != nil && (next == nil || bytes.Compare(h.k, next.k) > 0) {
					next = h
				}
			}
			if next == nil || (lower != nil && bytes.Compare(next.k, lower) < 0) {
				return nil // nothing older matches
			}
			if len(page.Items) == q.Limit || scanned == inboxScanLimit {
				page.Next = hex.EncodeToString(last)
				return nil
			}
			k, v := next.k, next.v
			last = k
			next.k, next.v = next.c.Prev()
			received, ref, ok := parseInboxKey(k)
			if !ok {
				return fmt.Errorf("inbox key %x malformed", k)
			}
			site := sites[ref.Terminal]
			service, receipt, _ := bytes.Cut(v, []byte{0x1f})
			if q.Service != "" && string(service) != q.Service || q.Terminal != "" && ref.Terminal != q.Terminal || q.Site != "" && site != q.Site {
				continue
			}
			page.Items = append(page.Items, InboxItem{Ref: ref, State: next.state, Service: string(service), Receipt: string(receipt), Site: site, Received: received})
		}
	})
	return page, err
}

// terminalSites maps every terminal to its site.
func terminalSites(tx Tx) (map[string]string, error) {
	sites := map[string]string{}
	err := tx.Bucket(bucketTerminals).ForEach(func(k, v []byte) error {
		var t Terminal
		if err := unmarshal(v, &t); err != nil {
			return fmt.Errorf("terminal %s: %w", k, err)
		}
		sites[string(k)] = t.Site
		return nil
	})
	return sites, err
}
