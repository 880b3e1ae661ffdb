// Package clienttest enrolls terminals with a running district for tests
// of what lies beyond the sync client — districtd's commands, the staff
// console: each gets, in a folder of its own, the outbox, sync state and
// client a kiosk has, enrolled with a real token over real TLS.
package clienttest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Terminal is an enrolled terminal's parts; the test closes them at its end.
type Terminal struct {
	Dir    string
	Queue  *outbox.Store
	State  *client.State
	Client *client.Client
}

// Enroll enrolls terminalID with the district at url using token, and
// opens its parts. heartbeat, if not nil, is what its heartbeats say.
func Enroll(t testing.TB, url, token, terminalID string, heartbeat func() protocol.Heartbeat) *Terminal {
	t.Helper()
	dir := t.TempDir()
	id, err := client.Enroll(context.Background(), client.EnrollOptions{Backend: url, Token: token, TerminalID: terminalID,
		Dir: client.IdentityDir(dir), KeysPath: filepath.Join(dir, "district.pub")})
	if err != nil {
		t.Fatalf("enrolling %s: %v", terminalID, err)
	}
	keys, err := os.ReadFile(filepath.Join(dir, "district.pub"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := outbox.OpenSealedTo(dir, string(keys), 0)
	if err != nil {
		t.Fatal(err)
	}
	st, err := client.OpenState(dir)
	if err != nil {
		q.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(); q.Close() })
	c, err := client.New(client.Options{Identity: id, Queue: q, State: st, Heartbeat: heartbeat})
	if err != nil {
		t.Fatal(err)
	}
	return &Terminal{Dir: dir, Queue: q, State: st, Client: c}
}
