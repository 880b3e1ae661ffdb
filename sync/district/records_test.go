package district

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// TestATerminalCannotTakeAnothersRecordID: a terminal that sends, first,
// a record with the id of one another terminal has queued gets a record of
// its own; the other's is still accepted, and its statuses go to it alone.
// Staff naming the id alone are told to say which terminal's.
func TestATerminalCannotTakeAnothersRecordID(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	addr := serveOn(t, d)
	thief, owner := terminalClient(t, d, addr, "HALL-X"), terminalClient(t, d, addr, "HALL-B")
	const id = "019ac3f2-0000-7000-8000-0000000000b1"
	queued := record(t, d, id)
	if res := thief.post(record(t, d, id)); res[0].Status != protocol.Accepted {
		t.Fatalf("the first terminal's record: %+v", res[0])
	}
	if res := owner.post(queued); res[0].Status != protocol.Accepted {
		t.Fatalf("the resident's own record, after another terminal used its id: %+v", res[0])
	}
	if res := owner.post(queued); res[0].Status != protocol.Duplicate {
		t.Fatalf("sent again: %+v", res[0])
	}
	s, err := d.Record(RecordRef{Terminal: "HALL-B", ID: id})
	if err != nil || string(s.Record.Sealed) != string(queued.Sealed) {
		t.Fatalf("HALL-B's record: %v", err)
	}
	if err := d.SetStatus(CommandLine, "", RecordRef{ID: id}, "done", "已办结"); err == nil || !strings.Contains(err.Error(), "HALL-B/"+id) || !strings.Contains(err.Error(), "HALL-X/"+id) {
		t.Fatalf("the id alone, sent by two terminals: %v", err)
	}
	if err := d.SetStatus(CommandLine, "", RecordRef{Terminal: "HALL-B", ID: id}, "done", "已办结"); err != nil {
		t.Fatal(err)
	}
	last := func(terminal string) string {
		page, err := d.Statuses(terminal, 0, 10)
		if err != nil || len(page.Statuses) == 0 {
			t.Fatalf("%s's statuses: %+v %v", terminal, page, err)
		}
		return page.Statuses[len(page.Statuses)-1].State
	}
	if last("HALL-B") != "done" || last("HALL-X") != "received" {
		t.Fatalf("statuses: HALL-B %s, HALL-X %s", last("HALL-B"), last("HALL-X"))
	}
	if _, err := d.Record(RecordRef{Terminal: "HALL-Z", ID: id}); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("a terminal that sent none: %v", err)
	}
}

func TestParseRecordRef(t *testing.T) {
	const id = "019ac3f2-0000-7000-8000-0000000000b1"
	for in, want := range map[string]RecordRef{id: {ID: id}, "HALL-7/" + id: {"HALL-7", id}} {
		if got, err := ParseRecordRef(in); err != nil || got != want || got.String() != in {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "HALL-7", "HALL-7/", "/" + id, "../x/" + id, "HALL-7/" + id + "/x", strings.ToUpper(id)} {
		if _, err := ParseRecordRef(bad); err == nil {
			t.Errorf("%q was taken", bad)
		}
	}
}

// FuzzParseRecordRef: what it takes is written back the one way.
func FuzzParseRecordRef(f *testing.F) {
	for _, s := range []string{"019ac3f2-0000-7000-8000-0000000000b1", "HALL-7/019ac3f2-0000-7000-8000-0000000000b1", "a/b/c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseRecordRef(s)
		if err != nil {
			return
		}
		if ref.String() != s || !protocol.ValidRecordID(ref.ID) {
			t.Fatalf("%q read as %+v", s, ref)
		}
	})
}
