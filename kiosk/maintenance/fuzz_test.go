package maintenance

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// FuzzParsePIN feeds the PIN file's parser anything: it refuses or gives
// a hash it can encode back to the same text, and never panics.
func FuzzParsePIN(f *testing.F) {
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0$" + "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2i$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePIN(s)
		if err != nil {
			return
		}
		again, err := parsePIN(h.encode())
		if err != nil || again.encode() != h.encode() {
			t.Fatalf("%q parsed, but its encoding %q does not parse back: %v", s, h.encode(), err)
		}
	})
}

// FuzzLoadLockout writes anything as the lockout file: loading never
// panics, and a file it cannot trust locks (fail safe).
func FuzzLoadLockout(f *testing.F) {
	f.Add([]byte(`{"failures":2}`))
	f.Add([]byte(`{"failures":5,"locked_until":"2026-11-27T10:00:00Z"}`))
	f.Add([]byte(`not json`))
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), LockoutFile)
		if err := durable.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		st, damaged := loadLockout(path, now)
		if damaged && !st.locked(now) {
			t.Fatalf("a damaged lockout file %q left entry open", data)
		}
	})
}
