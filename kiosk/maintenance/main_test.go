package maintenance

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/passhash"
)

// The tests hash with argon2id's smallest costs so they stay fast; the
// file records the costs, so nothing else changes.
func TestMain(m *testing.M) {
	argonParams = passhash.Params{Memory: 64, Time: 1, Threads: 1}
	os.Exit(m.Run())
}

const (
	testTerminal = "HALL-0007"
	testPIN      = "470215"
)

// clock is a fake clock the tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)} }

// testOutbox is a real outbox in a temporary folder, sealed to a key the
// test holds in the district's place.
type testOutbox struct {
	*outbox.Store
	district *age.X25519Identity
}

func newOutbox(t *testing.T) *testOutbox {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	secret, err := outbox.LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := outbox.Open(outbox.Options{Dir: dir, Recipients: []age.Recipient{id.Recipient()}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &testOutbox{Store: s, district: id}
}

// opened is an audit record as the district reads it: the record and its
// sealed part opened, both as fields and as raw JSON.
type opened struct {
	rec    outbox.Record
	plain  []byte
	fields map[string]any
	event  Event
}

// records opens every record in the outbox with the district's key.
func (o *testOutbox) records(t *testing.T) []opened {
	t.Helper()
	var out []opened
	err := o.All(func(r outbox.Record) bool {
		d, err := age.Decrypt(bytes.NewReader(r.Sealed), o.district)
		if err != nil {
			t.Fatalf("record %s: %v", r.ID, err)
		}
		plain, err := io.ReadAll(d)
		if err != nil {
			t.Fatal(err)
		}
		op := opened{rec: r, plain: plain}
		if err := json.Unmarshal(plain, &op.fields); err != nil {
			t.Fatalf("record %s: %v", r.ID, err)
		}
		if err := json.Unmarshal(plain, &op.event); err != nil {
			t.Fatal(err)
		}
		out = append(out, op)
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// trail is the (action, outcome) pairs of the audit records, in order.
func (o *testOutbox) trail(t *testing.T) [][2]string {
	t.Helper()
	var out [][2]string
	for _, op := range o.records(t) {
		out = append(out, [2]string{op.event.Action, op.event.Outcome})
	}
	return out
}

// newSession makes a session on dir with the technician PIN testPIN set.
func newSession(t *testing.T, dir string, out Submitter, clk *clock) *Session {
	t.Helper()
	if _, err := os.Stat(PINPath(dir)); os.IsNotExist(err) {
		if err := SetPIN(PINPath(dir), testPIN); err != nil {
			t.Fatal(err)
		}
	}
	s, err := NewSession(context.Background(), Options{DataDir: dir, TerminalID: testTerminal, Outbox: out, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
