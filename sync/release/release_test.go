package release_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/release"
	"github.com/yizhan-kiosk/yizhan/sync/release/releasetest"
)

func needTools(t *testing.T) { releasetest.Need(t) }

func buildDeb(t *testing.T, pkg, version, arch string) string {
	return releasetest.Deb(t, pkg, version, arch, 0)
}

func TestARepositoryKeepsEveryVersionSigned(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	dir := t.TempDir()
	r, err := release.Init(ctx, dir, "测试区")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := release.Init(ctx, dir, "测试区"); err == nil {
		t.Error("a second Init over a repository was not refused")
	}
	if vs, err := r.Versions(); err != nil || len(vs) != 0 {
		t.Fatalf("a new repository holds %v (%v)", vs, err)
	}
	for _, v := range []string{"1.0", "2.0", "3.0"} {
		got, err := r.Add(ctx, buildDeb(t, release.Package, v, release.Architecture))
		if err != nil || got != v {
			t.Fatalf("Add %s: %q %v", v, got, err)
		}
	}
	vs, err := r.Versions()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(vs)
	if !slices.Equal(vs, []string{"1.0", "2.0", "3.0"}) {
		t.Errorf("versions %v, want all three kept", vs)
	}
	if _, err := r.Add(ctx, buildDeb(t, release.Package, "2.0", release.Architecture)); err == nil || !strings.Contains(err.Error(), "never replaced") {
		t.Errorf("a version added twice: %v", err)
	}
	if _, err := r.Add(ctx, buildDeb(t, release.Package, "1:2.0", release.Architecture)); err == nil || !strings.Contains(err.Error(), "epoch") {
		t.Errorf("a version apart only by its epoch: %v", err)
	}
	if _, err := r.Add(ctx, buildDeb(t, "yizhan-districtd", "4.0", release.Architecture)); err == nil {
		t.Error("the district's own package was taken into the terminals' repository")
	}
	if _, err := r.Add(ctx, buildDeb(t, release.Package, "4.0", "arm64")); err == nil {
		t.Error("a package for another architecture was taken")
	}
	bad := filepath.Join(t.TempDir(), "not.deb")
	os.WriteFile(bad, []byte("not a package"), 0o644)
	if _, err := r.Add(ctx, bad); err == nil {
		t.Error("a file that is no package was taken")
	}

	// The index is signed by the key apt is given: gpgv checks InRelease
	// against the exported public key alone.
	key, err := r.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	keyring := filepath.Join(t.TempDir(), "district.gpg")
	os.WriteFile(keyring, key, 0o644)
	inRelease := filepath.Join(dir, "aptly", "public", "dists", release.Codename, "InRelease")
	if b, err := exec.Command("gpgv", "--keyring", keyring, inRelease).CombinedOutput(); err != nil {
		t.Errorf("InRelease does not verify with the district's key: %v\n%s", err, b)
	}
	// And not with another district's.
	other, err := release.Init(ctx, t.TempDir(), "别的区")
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := other.PublicKey()
	os.WriteFile(keyring, otherKey, 0o644)
	if err := exec.Command("gpgv", "--keyring", keyring, inRelease).Run(); err == nil {
		t.Error("InRelease verifies with another district's key")
	}
	// No agent is left running for the key folders.
	if out, _ := exec.Command("pgrep", "-f", "gpg-agent --homedir "+dir).Output(); len(out) > 0 {
		t.Errorf("gpg-agent left running: %s", out)
	}
}

func TestHandlerServesOnlyThePublishedTree(t *testing.T) {
	r := releasetest.Repo(t, t.TempDir(), "测试区", "1.0")
	srv := httptest.NewServer(http.StripPrefix("/repo/", r.Handler()))
	defer srv.Close()
	get := func(p string) (int, string) {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/repo/dists/yizhan/InRelease"); code != 200 || !strings.Contains(body, "BEGIN PGP SIGNED MESSAGE") {
		t.Errorf("InRelease: %d %.80q", code, body)
	}
	if code, body := get("/repo/dists/yizhan/main/binary-amd64/Packages"); code != 200 || !strings.Contains(body, "Version: 1.0") {
		t.Errorf("Packages: %d %.80q", code, body)
	}
	for _, p := range []string{"/repo/", "/repo/dists/", "/repo/pool/main/", "/repo/gnupg/pubring.kbx", "/repo/aptly.conf",
		"/repo/../gnupg/private-keys-v1.d", "/repo/dists/../../gnupg/trustdb.gpg", "/repo/aptly/db/CURRENT", "/repo/district.gpg"} {
		if code, _ := get(p); code != 404 {
			t.Errorf("%s: %d, want 404", p, code)
		}
	}
	resp, err := http.Post(srv.URL+"/repo/dists/yizhan/InRelease", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestParsePackages(t *testing.T) {
	in := "Package: yizhan\nVersion: 2\nDescription: a\n two lines\nFilename: pool/main/y/yizhan/yizhan_2.deb\n\n\nPackage: yizhan\nVersion: 1\n"
	got, err := release.ParsePackages(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []release.Stanza{{"yizhan", "2", "pool/main/y/yizhan/yizhan_2.deb"}, {"yizhan", "1", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{"Package: yizhan\n\n", "Version: 1\n", "Package: a\nVersion: 1\nno colon here\n"} {
		if _, err := release.ParsePackages(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzParsePackages(f *testing.F) {
	f.Add("Package: yizhan\nVersion: 2\n\nPackage: yizhan\nVersion: 1\n")
	f.Add(" \n\tx\nPackage:\n")
	f.Fuzz(func(t *testing.T, s string) {
		list, err := release.ParsePackages(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, st := range list {
			if st.Package == "" || st.Version == "" {
				t.Fatalf("a stanza without release.Package or Version came through: %+v", st)
			}
		}
	})
}
