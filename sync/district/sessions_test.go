package district

import (
	"bytes"
	"testing"
	"time"
)

// Console sessions are kept in the store by their token's hash: found by
// the token, changed, swept when ended, and never kept as the token.
func TestConsoleSessionsAreKeptByTheirTokensHash(t *testing.T) {
	d, err := Open(onStore(t, Options{Dir: t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	for _, tok := range []string{"token-old", "token-new"} {
		if err := d.PutConsoleSession(tok, ConsoleSession{Staff: "li.ming", CSRF: "csrf-" + tok[len("token-"):], Created: at, LastActive: at}); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Hour)
	}
	if found, err := d.UpdateConsoleSession("token-new", func(s *ConsoleSession) { s.Upload = []byte("目录") }); !found || err != nil {
		t.Fatalf("updating a session: %v, %v", found, err)
	}
	if found, err := d.UpdateConsoleSession("no-such-token", func(s *ConsoleSession) { t.Fatal("changed a session never made") }); found || err != nil {
		t.Fatalf("updating a session never made: %v, %v", found, err)
	}
	s, found, err := d.ConsoleSession("token-new")
	if err != nil || !found || s.Staff != "li.ming" || s.CSRF != "csrf-new" || string(s.Upload) != "目录" {
		t.Fatalf("the session: %+v, %v, %v", s, found, err)
	}
	d.db.View(func(tx Tx) error {
		return tx.Bucket(bucketSessions).ForEach(func(k, v []byte) error {
			if bytes.Contains(k, []byte("token")) || bytes.Contains(v, []byte("token-")) {
				t.Errorf("the store keeps a session's token: %q → %q", k, v)
			}
			return nil
		})
	})
	// The sweep takes the sessions ended, and only those.
	if err := d.EndConsoleSessions(func(s ConsoleSession) bool { return s.Created.Hour() == 9 }); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := d.ConsoleSession("token-old"); found {
		t.Fatal("an ended session outlived the sweep")
	}
	if _, found, _ := d.ConsoleSession("token-new"); !found {
		t.Fatal("the sweep took a live session")
	}
	if err := d.EndConsoleSession("token-new"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := d.ConsoleSession("token-new"); found {
		t.Fatal("a session outlived its end")
	}
}
