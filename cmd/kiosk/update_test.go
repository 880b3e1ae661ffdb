package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/kiosk/update"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func TestSessionMarkFollowsTheRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, update.InSessionFile)
	there := func() bool {
		_, err := os.Stat(path)
		return err == nil
	}
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	m := newSessionMark(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if there() {
		t.Fatal("a crashed kiosk's mark stayed at start")
	}
	m.rest(true)
	if there() {
		t.Fatal("a mark at rest")
	}
	m.rest(false)
	if !there() {
		t.Fatal("no mark while a resident is at the terminal")
	}
	// Made on the change only: each tick of the same session leaves the
	// file alone (here, gone from under it, it is not made again).
	os.Remove(path)
	m.rest(false)
	if there() {
		t.Fatal("the mark was written again within a session")
	}
	m.rest(true)
	m.rest(false)
	if !there() {
		t.Fatal("no mark for the next resident")
	}
	m.rest(true)
	if there() {
		t.Fatal("the mark stayed after the resident left")
	}
	m.rest(false)
	m.stop()
	if there() {
		t.Fatal("the mark stayed after the kiosk stopped")
	}
	if logs.Len() != 0 {
		t.Fatalf("logged: %s", logs.String())
	}
}

func TestSessionMarkFailureIsLoggedOnceAndTriedAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // not there yet: no file can be made in it
	var logs bytes.Buffer
	m := newSessionMark(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	for range 3 {
		m.rest(false)
	}
	if n := strings.Count(logs.String(), "in-session mark"); n != 1 {
		t.Fatalf("%d lines for one failure:\n%s", n, logs.String())
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	m.rest(false) // the next tick tries again
	if _, err := os.Stat(filepath.Join(dir, update.InSessionFile)); err != nil {
		t.Fatalf("the mark was not made once it could be: %v", err)
	}
	m.stop()
	if _, err := os.Stat(filepath.Join(dir, update.InSessionFile)); err == nil {
		t.Fatal("the mark stayed after the kiosk stopped")
	}
}

// updateTerminal is an enrolled terminal's parts for update reports: an
// outbox sealed to a key the test holds in the district's place, a sync
// state and an updater's folder.
type updateTerminal struct {
	queue    *outbox.Store
	district *age.X25519Identity
	state    *client.State
	reg      *devices.Registry
	dir      string // the updater's
	logs     *bytes.Buffer
	reports  *updateReports
	kicked   int
}

func newUpdateTerminal(t *testing.T) *updateTerminal {
	t.Helper()
	data := t.TempDir()
	key, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	secret, err := outbox.LoadOrCreateSecret(filepath.Join(data, "index.key"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := outbox.Open(outbox.Options{Dir: data, Recipients: []age.Recipient{key.Recipient()}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	st, err := client.OpenState(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ut := &updateTerminal{queue: q, district: key, state: st, reg: devices.NewRegistry(devices.Kinds...), dir: t.TempDir(), logs: &bytes.Buffer{}}
	ut.reports = &updateReports{dir: ut.dir, terminal: "HALL-0007", queue: q, state: st,
		log: slog.New(slog.NewTextHandler(ut.logs, nil)), onSubmit: func() { ut.kicked++ }}
	return ut
}

func (ut *updateTerminal) beat(t *testing.T) protocol.Heartbeat {
	t.Helper()
	hb := ut.reports.heartbeat(context.Background(), ut.queue, ut.reg, slog.New(slog.DiscardHandler))
	hb.Time = time.Now()
	if err := hb.Validate(); err != nil {
		t.Fatal(err)
	}
	return hb
}

// writeLast writes the updater's state with r as its last outcome, as
// the updater does.
func writeLast(t *testing.T, dir string, r protocol.UpdateReport) {
	t.Helper()
	b, err := json.MarshalIndent(update.State{Last: &r, Refused: r.Refused, Good: r.Running}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, update.StateFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// events opens every record in the outbox as the district would.
func (ut *updateTerminal) events(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	err := ut.queue.All(func(r outbox.Record) bool {
		if r.Kind != outbox.Event || r.Public != (outbox.Public{}) || len(r.Attachments) != 0 {
			t.Errorf("record %s: %s %+v", r.ID, r.Kind, r.Public)
		}
		d, err := age.Decrypt(bytes.NewReader(r.Sealed), ut.district)
		if err != nil {
			t.Fatalf("record %s: %v", r.ID, err)
		}
		plain, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(plain, &ev); err != nil {
			t.Fatalf("record %s: %v", r.ID, err)
		}
		out = append(out, ev)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var rolledBack = protocol.UpdateReport{ID: "0a1b2c3d4e5f6a7b", Version: "1.4.0", From: "1.3.2", Result: protocol.UpdateRolledBack,
	Reason: "the self-test failed: printer", At: time.Date(2026, 3, 3, 3, 12, 0, 0, time.UTC), Running: "1.3.2", Refused: []string{"1.4.0"}}

func TestHeartbeatCarriesTheUpdatersLastOutcome(t *testing.T) {
	ut := newUpdateTerminal(t)
	if hb := ut.beat(t); hb.Update != nil {
		t.Fatalf("an update reported before the updater ran: %+v", hb.Update)
	}
	if evs := ut.events(t); len(evs) != 0 {
		t.Fatalf("events without an update: %v", evs)
	}

	writeLast(t, ut.dir, rolledBack)
	hb := ut.beat(t)
	if hb.Update == nil || hb.Update.ID != rolledBack.ID || hb.Update.Result != protocol.UpdateRolledBack ||
		hb.Update.Running != "1.3.2" || len(hb.Update.Refused) != 1 || !hb.Update.At.Equal(rolledBack.At) {
		t.Fatalf("the heartbeat reports %+v", hb.Update)
	}
	if hb.Devices == nil || hb.Queue.DiskBudget != outbox.DefaultBudget {
		t.Fatalf("the rest of the heartbeat is missing: %+v", hb)
	}
	// On the wire, as the district reads it.
	data, _ := json.Marshal(hb)
	var wire protocol.Heartbeat
	if err := json.Unmarshal(data, &wire); err != nil || wire.Update == nil || wire.Update.ID != rolledBack.ID {
		t.Fatalf("on the wire: %s (%v)", data, err)
	}
}

func TestEachUpdateOutcomeIsRecordedOnce(t *testing.T) {
	ut := newUpdateTerminal(t)
	writeLast(t, ut.dir, rolledBack)
	// At start, then at two heartbeats: one event.
	if r := ut.reports.check(context.Background()); r == nil || r.ID != rolledBack.ID {
		t.Fatalf("at start: %+v", r)
	}
	ut.beat(t)
	ut.beat(t)
	evs := ut.events(t)
	if len(evs) != 1 || ut.kicked != 1 {
		t.Fatalf("%d events (link kicked %d times) for one outcome: %v", len(evs), ut.kicked, evs)
	}
	want := map[string]any{"event": "update", "terminal": "HALL-0007", "version": "1.4.0", "from": "1.3.2",
		"result": "rolled_back", "reason": "the self-test failed: printer", "running": "1.3.2", "at": "2026-03-03T03:12:00Z"}
	if len(evs[0]) != len(want) {
		t.Errorf("event %v, want %v", evs[0], want)
	}
	for k, v := range want {
		if evs[0][k] != v {
			t.Errorf("event's %s = %v, want %v", k, evs[0][k], v)
		}
	}
	if id, err := ut.state.UpdateRecorded(); err != nil || id != rolledBack.ID {
		t.Fatalf("the sync state remembers %q, %v", id, err)
	}

	// A new outcome: one more event.
	next := protocol.UpdateReport{ID: "8899aabbccddeeff", Version: "1.4.1", From: "1.3.2", Result: protocol.UpdateInstalled,
		At: rolledBack.At.Add(24 * time.Hour), Running: "1.4.1", Refused: []string{"1.4.0"}}
	writeLast(t, ut.dir, next)
	ut.beat(t)
	ut.beat(t)
	evs = ut.events(t)
	if len(evs) != 2 || evs[1]["result"] != "installed" || evs[1]["version"] != "1.4.1" || evs[1]["reason"] != "" {
		t.Fatalf("after a new outcome: %v", evs)
	}

	// The kiosk restarted: the sync state remembers, nothing is recorded again.
	again := &updateReports{dir: ut.dir, terminal: "HALL-0007", queue: ut.queue, state: ut.state, log: slog.New(slog.DiscardHandler)}
	again.check(context.Background())
	if evs := ut.events(t); len(evs) != 2 {
		t.Fatalf("a restart recorded again: %d events", len(evs))
	}
	if strings.Contains(ut.logs.String(), "level=WARN") || strings.Contains(ut.logs.String(), "level=ERROR") {
		t.Fatalf("logged:\n%s", ut.logs)
	}
}

func TestUpdateOutcomeNotRecordedWhenNotEnrolled(t *testing.T) {
	ut := newUpdateTerminal(t)
	ut.reports.state = nil // no sync state: not enrolled
	writeLast(t, ut.dir, rolledBack)
	if hb := ut.beat(t); hb.Update == nil || hb.Update.ID != rolledBack.ID {
		t.Fatalf("heartbeat reports %+v", hb.Update)
	}
	if n := len(ut.events(t)); n != 0 {
		t.Fatalf("%d events recorded by a terminal not enrolled", n)
	}
}

func TestUnreadableUpdaterStateIsLoggedOncePerChange(t *testing.T) {
	ut := newUpdateTerminal(t)
	file := filepath.Join(ut.dir, update.StateFile)
	os.WriteFile(file, []byte("{not json"), 0o644)
	for range 3 {
		if hb := ut.beat(t); hb.Update != nil {
			t.Fatalf("an unreadable state reported %+v", hb.Update)
		}
	}
	if n := strings.Count(ut.logs.String(), "level=WARN"); n != 1 {
		t.Fatalf("%d warnings for one unreadable state:\n%s", n, ut.logs)
	}
	os.WriteFile(file, []byte(`{"last": 7}`), 0o644) // another error: said again
	ut.beat(t)
	if n := strings.Count(ut.logs.String(), "level=WARN"); n != 2 {
		t.Fatalf("%d warnings for two errors:\n%s", n, ut.logs)
	}
	writeLast(t, ut.dir, rolledBack) // readable again
	if hb := ut.beat(t); hb.Update == nil {
		t.Fatal("no report once the state could be read")
	}
	os.WriteFile(file, []byte("{not json"), 0o644) // and broken again: said again
	ut.beat(t)
	if n := strings.Count(ut.logs.String(), "level=WARN"); n != 3 {
		t.Fatalf("%d warnings:\n%s", n, ut.logs)
	}
	if n := len(ut.events(t)); n != 1 {
		t.Fatalf("%d events", n)
	}
}

// flakyRecorded is a sync state that cannot remember until told it can.
type flakyRecorded struct {
	id     string
	broken bool
}

func (f *flakyRecorded) UpdateRecorded() (string, error) { return f.id, nil }
func (f *flakyRecorded) SetUpdateRecorded(id string) error {
	if f.broken {
		return errors.New("disk full")
	}
	f.id = id
	return nil
}

// failingQueue refuses submissions while broken.
type failingQueue struct {
	*outbox.Store
	broken bool
}

func (q *failingQueue) Submit(ctx context.Context, sub outbox.Submission) (outbox.Record, error) {
	if q.broken {
		return outbox.Record{}, errors.New("outbox: over its budget")
	}
	return q.Store.Submit(ctx, sub)
}

func TestUpdateOutcomeRecordingRetriedWithoutDuplicates(t *testing.T) {
	ut := newUpdateTerminal(t)
	writeLast(t, ut.dir, rolledBack)
	queue := &failingQueue{Store: ut.queue, broken: true}
	remembered := &flakyRecorded{broken: true}
	ut.reports.queue, ut.reports.state = queue, remembered

	// The outbox refuses: nothing recorded or remembered, said once.
	ut.beat(t)
	ut.beat(t)
	if n := len(ut.events(t)); n != 0 || remembered.id != "" {
		t.Fatalf("%d events, remembered %q", n, remembered.id)
	}
	if n := strings.Count(ut.logs.String(), "not recorded"); n != 1 {
		t.Fatalf("%d lines for one failure:\n%s", n, ut.logs)
	}
	// The outbox takes it, the state cannot remember: submitted once all
	// the same, and remembered when it can.
	queue.broken = false
	ut.beat(t)
	ut.beat(t)
	if n := len(ut.events(t)); n != 1 || remembered.id != "" {
		t.Fatalf("%d events, remembered %q", n, remembered.id)
	}
	remembered.broken = false
	ut.beat(t)
	ut.beat(t)
	if n := len(ut.events(t)); n != 1 || remembered.id != rolledBack.ID {
		t.Fatalf("%d events, remembered %q", n, remembered.id)
	}
}

func TestUpdateOutcomeRefusedIsNotRecorded(t *testing.T) {
	ut := newUpdateTerminal(t)
	odd := rolledBack
	odd.Result = "postponed" // a result this kiosk does not know
	writeLast(t, ut.dir, odd)
	ut.beat(t)
	ut.beat(t)
	// Left out of the heartbeat, which the district would refuse whole.
	if hb := ut.beat(t); hb.Update != nil {
		t.Fatalf("heartbeat reports %+v", hb.Update)
	}
	if n := len(ut.events(t)); n != 0 {
		t.Fatalf("%d events for a refused report", n)
	}
	if id, _ := ut.state.UpdateRecorded(); id != "" {
		t.Fatalf("remembered %q", id)
	}
	if n := strings.Count(ut.logs.String(), "not recorded"); n != 1 {
		t.Fatalf("%d lines:\n%s", n, ut.logs)
	}
}
