package update_test

import (
	"context"
	"os"
	"testing"

	"github.com/yizhan-kiosk/yizhan/kiosk/update"
	"github.com/yizhan-kiosk/yizhan/sync/release/releasetest"
)

// The fingerprint of the key the district exports is the one GnuPG gives
// its key (what districtd release init prints).
func TestFingerprintIsGnuPGs(t *testing.T) {
	r := releasetest.Repo(t, t.TempDir(), "测试区")
	key, err := r.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	want, err := r.Fingerprint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got, err := update.Fingerprint(key)
	if err != nil || got != want {
		t.Fatalf("fingerprint %q (%v), GnuPG says %q", got, err, want)
	}
	for _, bad := range [][]byte{nil, {0x99}, {0x99, 0xff, 0xff, 4}, key[:10], []byte("not a key at all"), {0xc6, 0xe0}} {
		if fp, err := update.Fingerprint(bad); err == nil {
			t.Errorf("% x: fingerprint %s", bad, fp)
		}
	}
}

func FuzzFingerprint(f *testing.F) {
	f.Add([]byte{0x98, 0x33, 4, 1, 2, 3})
	f.Add([]byte{0xc6, 0x05, 4, 0, 0, 0, 0})
	if b, err := os.ReadFile("testdata/district.gpg"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		fp, err := update.Fingerprint(key)
		if err == nil && len(fp) != 40 {
			t.Fatalf("fingerprint %q", fp)
		}
	})
}
