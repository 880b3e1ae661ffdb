package district

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// The district keeps each key a terminal was enrolled with, and learns
// the key of a terminal enrolled before it kept keys from its next
// heartbeat, without doubles and within maxKeys.
func TestTerminalKeysAreKept(t *testing.T) {
	clk := &clock{now: time.Now()}
	d := open(t, t.TempDir(), clk)
	cert := enroll(t, d, "HALL-1")
	keys := func() [][]byte {
		terms, err := d.Terminals()
		if err != nil {
			t.Fatal(err)
		}
		return terms[0].Keys
	}
	if k := keys(); len(k) != 1 || !bytes.Equal(k[0], cert.RawSubjectPublicKeyInfo) {
		t.Fatalf("after enrollment: %d keys", len(k))
	}
	// As a terminal enrolled before: no keys, then a heartbeat.
	if err := d.db.Update(func(tx Tx) error {
		return changeTerminal(tx, "HALL-1", func(t *Terminal) { t.Keys = nil })
	}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := d.heartbeat("HALL-1", cert.RawSubjectPublicKeyInfo, protocol.Heartbeat{Software: "v1", Time: clk.now}); err != nil {
			t.Fatal(err)
		}
	}
	if k := keys(); len(k) != 1 || !bytes.Equal(k[0], cert.RawSubjectPublicKeyInfo) {
		t.Fatalf("after two heartbeats: %d keys", len(k))
	}
	var last []byte
	for range maxKeys + 2 {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		last, _ = x509.MarshalPKIXPublicKey(&k.PublicKey)
		d.heartbeat("HALL-1", last, protocol.Heartbeat{Software: "v1", Time: clk.now})
	}
	if k := keys(); len(k) != maxKeys || !bytes.Equal(k[maxKeys-1], last) {
		t.Fatalf("after %d keys: %d kept", maxKeys+2, len(k))
	}
}
