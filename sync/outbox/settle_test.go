package outbox

import (
	"bytes"
	"context"
	"testing"
)

func TestSettleAcknowledgesAndRejectsInOneGo(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, districtKey(t))
	defer s.Close()
	var recs []Record
	for i := range 5 {
		r, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte{byte(i)},
			Attachments: []Attachment{{Name: "doc", Data: bytes.NewReader([]byte("scan"))}}})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	// Walk the queue from after the first record, two at a time.
	page, err := s.Waiting(recs[0].Seq, 2)
	if err != nil || len(page) != 2 || page[0].ID != recs[1].ID || page[1].ID != recs[2].ID {
		t.Fatalf("waiting after seq %d: %v %v", recs[0].Seq, ids(page), err)
	}
	err = s.Settle([]Outcome{{ID: recs[1].ID}, {ID: recs[2].ID, Rejected: "service withdrawn"}})
	if err != nil {
		t.Fatal(err)
	}
	acked, _ := s.Get(recs[1].ID)
	if acked.State != Acknowledged || acked.Sealed != nil || acked.Attachments != nil {
		t.Fatalf("acknowledged record kept its payload: %+v", acked)
	}
	if r, err := s.OpenAttachment(recs[1].Attachments[0]); err == nil {
		r.Close()
		t.Fatal("acknowledged record's attachment still stored")
	}
	rej, _ := s.Get(recs[2].ID)
	if rej.State != Rejected || rej.Reason != "service withdrawn" || rej.Sealed == nil {
		t.Fatalf("rejected record: %+v", rej)
	}
	// The same answers again change nothing; the first answer stands.
	if err := s.Settle([]Outcome{{ID: recs[1].ID, Rejected: "late refusal"}, {ID: recs[2].ID}}); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Get(recs[1].ID); again.State != Acknowledged {
		t.Fatalf("a second answer changed an acknowledged record: %+v", again)
	}
	if again, _ := s.Get(recs[2].ID); again.State != Rejected {
		t.Fatalf("a second answer changed a rejected record: %+v", again)
	}
	rest, _ := s.Waiting(0, 10)
	if len(rest) != 3 || rest[0].ID != recs[0].ID || rest[1].ID != recs[3].ID {
		t.Fatalf("still waiting: %v", ids(rest))
	}
	// An unknown id settles nothing, and the known one in its batch stays.
	if err := s.Settle([]Outcome{{ID: recs[3].ID}, {ID: "no-such-record"}}); err == nil {
		t.Fatal("an unknown id was settled")
	}
	if r, _ := s.Get(recs[3].ID); r.State != Queued {
		t.Fatalf("a failed batch changed a record: %+v", r)
	}
}
