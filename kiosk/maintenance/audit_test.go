package maintenance

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Every record of a maintenance session, wrong PINs included, holds the
// five fields of an Event and nothing else: never a PIN, right or wrong.
func TestAuditRecordsCarryNoPIN(t *testing.T) {
	out, clk := newOutbox(t), newClock()
	dir := t.TempDir()
	s := newSession(t, dir, out, clk)
	const wrongPIN = "583920"
	enter(t, s, wrongPIN)
	clk.advance(time.Second)
	enter(t, s, testPIN)
	s.Log(ctx, "device_test", OutcomeOK)
	s.Exit(ctx)

	hash, _ := os.ReadFile(PINPath(dir))
	recs := out.records(t)
	if len(recs) != 4 {
		t.Fatalf("%d records, want 4", len(recs))
	}
	for _, op := range recs {
		r := op.rec
		if r.Kind != outbox.Event || r.Public != (outbox.Public{}) || len(r.Attachments) != 0 {
			t.Errorf("record %+v: want an event with an empty public part and no attachments", r)
		}
		var keys []string
		for k := range op.fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if want := []string{"action", "at", "event", "outcome", "terminal"}; !reflect.DeepEqual(keys, want) {
			t.Errorf("fields %v, want %v", keys, want)
		}
		e := op.event
		if e.Event != EventName || e.Terminal != testTerminal || e.At.IsZero() || e.At.Location() != time.UTC {
			t.Errorf("event %+v", e)
		}
		text := string(op.plain)
		for _, secret := range []string{testPIN, wrongPIN, strings.TrimSpace(string(hash))} {
			if strings.Contains(text, secret) {
				t.Errorf("record %s holds %q: %s", r.ID, secret, text)
			}
		}
	}
	if got, want := recs[0].event.At, newClock().t; !got.Equal(want) {
		t.Errorf("first record at %v, want the clock's %v", got, want)
	}
	// Nor does anything on the terminal's disk hold a PIN in the clear.
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			if bytes.Contains(data, []byte(testPIN)) || bytes.Contains(data, []byte(wrongPIN)) {
				t.Errorf("%s holds a PIN", path)
			}
		}
		return nil
	})
}

func TestEventSubmission(t *testing.T) {
	at := time.Date(2026, 3, 2, 17, 30, 0, 0, time.FixedZone("CST", 8*3600))
	sub, err := EventSubmission(testTerminal, "sync_now", OutcomeOK, at)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Kind != outbox.Event || sub.Public != (outbox.Public{}) || sub.IDNumber != "" || len(sub.Attachments) != 0 {
		t.Errorf("submission %+v", sub)
	}
	want := `{"event":"maintenance","action":"sync_now","outcome":"ok","terminal":"HALL-0007","at":"2026-03-02T09:30:00Z"}`
	if string(sub.Personal) != want {
		t.Errorf("body %s, want %s", sub.Personal, want)
	}
	for name, args := range map[string][3]string{
		"terminal":     {"HALL 7", "sync_now", "ok"},
		"no terminal":  {"", "sync_now", "ok"},
		"action":       {testTerminal, "sync now", "ok"},
		"no action":    {testTerminal, "", "ok"},
		"long action":  {testTerminal, strings.Repeat("a", 33), "ok"},
		"outcome":      {testTerminal, "sync_now", "Failed: no network"},
		"id number":    {testTerminal, "read_card", "11010519491231002X"},
		"upper action": {testTerminal, "SYNC", "ok"},
	} {
		if _, err := EventSubmission(args[0], args[1], args[2], at); err == nil {
			t.Errorf("%s: accepted %q", name, args)
		}
	}
	if _, err := EventSubmission(testTerminal, "sync_now", "ok", time.Time{}); err == nil {
		t.Error("accepted an event without a time")
	}
}

// The district stores an audit record as the terminal's sync sends it,
// and its staff open the event. sync/protocol and sync/district need no
// change for it: the kind "event" is known, the public part may be empty,
// and the sealed part opens with the district's key.
func TestDistrictIngestsAuditRecords(t *testing.T) {
	d, err := district.Open(district.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	recipients, err := outbox.ParseRecipients(strings.Join(d.Recipients(), "\n"))
	if err != nil {
		t.Fatal(err)
	}
	obDir := t.TempDir()
	secret, err := outbox.LoadOrCreateSecret(filepath.Join(obDir, "index.key"))
	if err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.Open(outbox.Options{Dir: obDir, Recipients: recipients, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	clk := newClock()
	if err := Audit(ctx, ob, testTerminal, "test_page", OutcomeOK, clk.now()); err != nil {
		t.Fatal(err)
	}
	var wire []protocol.Record
	ob.All(func(r outbox.Record) bool {
		// As sync/client's upload puts it on the wire.
		wire = append(wire, protocol.Record{ID: r.ID, Seq: r.Seq, Kind: string(r.Kind), Created: r.Created,
			Public: protocol.Public{Service: r.Public.Service, Receipt: r.Public.Receipt}, Sealed: r.Sealed})
		return true
	})
	if len(wire) != 1 {
		t.Fatalf("%d records", len(wire))
	}
	body, _ := json.Marshal(protocol.RecordsRequest{Records: wire})
	var req protocol.RecordsRequest
	if err := protocol.Unmarshal(body, &req); err != nil {
		t.Fatalf("the request does not pass the protocol's checks: %v", err)
	}
	results, err := d.Ingest(testTerminal, "sync", req.Records)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 || results[0].Status != protocol.Accepted {
		t.Fatalf("results %+v, want accepted", results)
	}
	stored, err := d.Records("event")
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored events %v, %v", stored, err)
	}
	plain, err := d.Open(stored[0])
	if err != nil {
		t.Fatal(err)
	}
	var e Event
	if err := json.Unmarshal(plain, &e); err != nil {
		t.Fatal(err)
	}
	if e.Event != EventName || e.Action != "test_page" || e.Outcome != OutcomeOK || e.Terminal != testTerminal || !e.At.Equal(clk.now()) {
		t.Errorf("district opened %+v", e)
	}
}

var _ Submitter = (*outbox.Store)(nil)
