package update

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func TestEventSubmission(t *testing.T) {
	at := time.Date(2026, 3, 3, 3, 12, 0, 0, time.FixedZone("CST", 8*3600))
	r := protocol.UpdateReport{ID: "0a1b2c3d4e5f6a7b", Version: "1.4.0", From: "1.3.2", Result: protocol.UpdateRolledBack,
		Reason: "the self-test failed: printer", At: at, Running: "1.3.2", Refused: []string{"1.4.0"}}
	sub, err := EventSubmission("HALL-0007", r)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Kind != outbox.Event || sub.Public != (outbox.Public{}) || sub.IDNumber != "" || len(sub.Attachments) != 0 {
		t.Errorf("submission %+v", sub)
	}
	want := `{"event":"update","terminal":"HALL-0007","version":"1.4.0","from":"1.3.2","result":"rolled_back",` +
		`"reason":"the self-test failed: printer","running":"1.3.2","at":"2026-03-02T19:12:00Z"}`
	if string(sub.Personal) != want {
		t.Errorf("body %s\nwant %s", sub.Personal, want)
	}
	var ev Event
	if err := json.Unmarshal(sub.Personal, &ev); err != nil || ev.Event != EventName || !ev.At.Equal(at) {
		t.Errorf("event %+v, %v", ev, err)
	}

	// Installed, with no reason and from no version (the first install):
	// the fields are there, empty.
	first := protocol.UpdateReport{ID: "1", Version: "1.0.0", Result: protocol.UpdateInstalled, At: at, Running: "1.0.0"}
	sub, err = EventSubmission("HALL-0007", first)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(sub.Personal, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"event", "terminal", "version", "from", "result", "reason", "running", "at"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("no %q in %s", k, sub.Personal)
		}
	}
	if len(fields) != 8 {
		t.Errorf("fields beyond the event's: %s", sub.Personal)
	}

	for name, c := range map[string]struct {
		terminal string
		edit     func(*protocol.UpdateReport)
	}{
		"terminal":    {"HALL 7", nil},
		"no terminal": {"", nil},
		"no result":   {"HALL-0007", func(r *protocol.UpdateReport) { r.Result = "" }},
		"result":      {"HALL-0007", func(r *protocol.UpdateReport) { r.Result = "waiting" }},
		"upper":       {"HALL-0007", func(r *protocol.UpdateReport) { r.Result = "INSTALLED" }},
		"no version":  {"HALL-0007", func(r *protocol.UpdateReport) { r.Version = "" }},
		"no time":     {"HALL-0007", func(r *protocol.UpdateReport) { r.At = time.Time{} }},
	} {
		bad := r
		if c.edit != nil {
			c.edit(&bad)
		}
		if sub, err := EventSubmission(c.terminal, bad); err == nil {
			t.Errorf("%s: accepted %s", name, sub.Personal)
		}
	}
	for _, result := range []string{protocol.UpdateInstalled, protocol.UpdateRolledBack, protocol.UpdateFailed} {
		ok := r
		ok.Result = result
		if _, err := EventSubmission("HALL-0007", ok); err != nil {
			t.Errorf("%s refused: %v", result, err)
		}
	}
}
