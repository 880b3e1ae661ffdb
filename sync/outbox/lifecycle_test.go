package outbox

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	secret, _ := LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	clk := &clock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	s, err := Open(Options{Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Secret: secret, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	shared := bytes.Repeat([]byte("scan"), 1000)
	submit := func(id string) Record {
		r, err := s.Submit(ctx, Submission{Kind: Application, Public: Public{Receipt: "R-" + id}, Personal: []byte(id), IDNumber: residentID,
			Attachments: []Attachment{{Name: "doc", Data: bytes.NewReader(shared)}, {Name: "own", Data: bytes.NewReader([]byte(id))}}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := submit("a"), submit("b"), submit("c")
	if a.Attachments[0].File == b.Attachments[0].File {
		t.Fatal("the same bytes sealed twice gave the same file: sealing must be randomised")
	}

	if _, err := s.MarkSending(a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkSending(b.ID); err != nil {
		t.Fatal(err)
	}
	// b is refused: kept with its reason, never offered again, and it does
	// not hold up c.
	rb, err := s.Reject(b.ID, "service code unknown")
	if err != nil || rb.State != Rejected || rb.Reason != "service code unknown" {
		t.Fatalf("reject: %+v %v", rb, err)
	}
	next, _ := s.Next(10)
	if len(next) != 2 || next[0].ID != a.ID || next[1].ID != c.ID {
		t.Fatalf("next = %v", ids(next))
	}
	if _, err := s.MarkSending(b.ID); err == nil {
		t.Fatal("a rejected record went back to sending")
	}

	// a is acknowledged: its payload goes at once; b's files stay.
	clk.now = clk.now.Add(time.Hour)
	ra, err := s.Acknowledge(a.ID)
	if err != nil || ra.State != Acknowledged || ra.Sealed != nil || ra.Attachments != nil || ra.Public.Receipt != "R-a" {
		t.Fatalf("acknowledge: %+v %v", ra, err)
	}
	for _, f := range a.Attachments {
		if r, err := s.OpenAttachment(f); err == nil {
			r.Close()
			t.Fatal("a's attachment survived its acknowledgement")
		}
	}
	r, err := s.OpenAttachment(b.Attachments[0])
	if err != nil {
		t.Fatal("b's attachment was deleted with a's")
	}
	r.Close()
	if _, err := s.Acknowledge(a.ID); err != nil {
		t.Fatal("a second acknowledgement (a duplicate answer) must be fine")
	}
	// A failed send puts c back in the queue.
	s.MarkSending(c.ID)
	if rc, err := s.SendFailed(c.ID); err != nil || rc.State != Queued {
		t.Fatalf("send failed: %+v %v", rc, err)
	}
	var se *StateError
	if _, err := s.SendFailed(c.ID); !errors.As(err, &se) {
		t.Fatalf("queued → queued: %v", err)
	}

	// Retention: a's public part stays 30 days after its acknowledgement.
	clk.now = clk.now.Add(DefaultRetention - time.Minute)
	if n, _ := s.Expire(DefaultRetention); n != 0 {
		t.Fatalf("expired %d records early", n)
	}
	clk.now = clk.now.Add(2 * time.Minute)
	if n, err := s.Expire(DefaultRetention); n != 1 || err != nil {
		t.Fatalf("expired %d, %v; want 1", n, err)
	}
	if _, err := s.Get(a.ID); !errors.Is(err, ErrNotFound) {
		t.Fatal("expired record still there")
	}
	mine, _ := s.ForResident(residentID)
	if len(mine) != 2 {
		t.Fatalf("card finds %d records, want b and c", len(mine))
	}
	if _, err := s.Acknowledge("no-such-id"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

func ids(rs []Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
