// Package releasetest makes what the release tests need: small Debian
// packages built with dpkg-deb, and release repositories made with the
// real aptly and GnuPG. When those tools are missing the tests that need
// them are skipped — or fail, when YIZHAN_REQUIRE_RELEASE is set (make
// test sets it and installs them).
package releasetest

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/release"
)

// Need skips (or fails) t unless aptly, GnuPG and dpkg-deb are there.
func Need(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"aptly", "gpg", "gpgv", "dpkg-deb"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("YIZHAN_REQUIRE_RELEASE") == "1" {
				t.Fatalf("%s is missing (make test-deps installs it; YIZHAN_REQUIRE_RELEASE=1)", tool)
			}
			t.Skipf("SKIPPED: %s is missing (make test-deps installs it)", tool)
		}
	}
}

// Deb builds a package named pkg at version for arch; with size > 0 it
// carries that many random bytes (as little compressible as the
// terminal's binaries), stored uncompressed.
func Deb(t testing.TB, pkg, version, arch string, size int) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "DEBIAN"), 0o755)
	control := "Package: " + pkg + "\nVersion: " + version + "\nArchitecture: " + arch +
		"\nMaintainer: Yizhan developers <dev@yizhan.invalid>\nDescription: test package\n"
	if err := os.WriteFile(filepath.Join(dir, "DEBIAN", "control"), []byte(control), 0o644); err != nil {
		t.Fatal(err)
	}
	if size > 0 {
		os.MkdirAll(filepath.Join(dir, "usr", "bin"), 0o755)
		payload := make([]byte, size)
		rand.Read(payload)
		if err := os.WriteFile(filepath.Join(dir, "usr", "bin", "kiosk"), payload, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	deb := filepath.Join(t.TempDir(), pkg+"_"+version+"_"+arch+".deb")
	if out, err := exec.Command("dpkg-deb", "--root-owner-group", "-Znone", "-b", dir, deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb: %v\n%s", err, out)
	}
	return deb
}

// Repo makes a release repository in dir for the district named name,
// holding the terminal package at each of versions.
func Repo(t testing.TB, dir, name string, versions ...string) *release.Repo {
	t.Helper()
	Need(t)
	ctx := context.Background()
	r, err := release.Init(ctx, dir, name)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range versions {
		if _, err := r.Add(ctx, Deb(t, release.Package, v, release.Architecture, 0)); err != nil {
			t.Fatal(err)
		}
	}
	return r
}
