package maintenance

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

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
