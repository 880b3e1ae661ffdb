package debtest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDebVersion checks that every form the Makefile's VERSION takes (git
// describe --tags --always --dirty, or "dev") becomes a version dpkg
// accepts, ordered as the builds were made.
func TestDebVersion(t *testing.T) {
	cases := []struct{ in, want string }{
		{"v0.3", "0.3"},
		{"0.3", "0.3"},
		{"v0.3-12-gabc1234", "0.3+git12.gabc1234"},
		{"v0.3-12-gabc1234-dirty", "0.3+git12.gabc1234.dirty"},
		{"v0.3-dirty", "0.3+dirty"},
		{"v1.0-rc1", "1.0~rc1"},
		{"v1.0-rc1-3-gdeadbee", "1.0~rc1+git3.gdeadbee"},
		{"abc1234", "0.0~gitabc1234"},
		{"abc1234-dirty", "0.0~gitabc1234.dirty"},
		{"3e0bfe5", "0.0~git3e0bfe5"}, // a hash that starts with a digit is no version
		{"3e0bfe5-dirty", "0.0~git3e0bfe5.dirty"},
		{"2026.1", "2026.1"},
		{"dev", "0.0~dev"},
		{"release/2026 Q4", "0.0~gitrelease.2026.Q4"},
	}
	for _, c := range cases {
		got := debVersion(t, c.in)
		if got != c.want {
			t.Errorf("deb-version.sh %q = %q, want %q", c.in, got, c.want)
		}
		if _, err := exec.LookPath("dpkg"); err == nil {
			if out, err := exec.Command("dpkg", "--validate-version", got).CombinedOutput(); err != nil {
				t.Errorf("dpkg refuses %q (from %q): %s", got, c.in, out)
			}
		}
	}
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Log("no dpkg here: versions compared with the expected strings only")
		return
	}
	// Each pair: the first build comes before the second.
	order := [][2]string{
		{"abc1234", "v0.1"},                     // untagged history before the first tag
		{"v0.3", "v0.3-1-gabc1234"},             // commits after a tag
		{"v0.3-1-gabc1234", "v0.3-12-gdef5678"}, // more commits
		{"v0.3-12-gabc1234", "v0.3-12-gabc1234-dirty"},
		{"v0.3-12-gabc1234", "v0.4"}, // the next tag
		{"v1.0-rc1", "v1.0"},         // a release candidate before its release
		{"v1.0-rc1-3-gdeadbee", "v1.0"},
	}
	for _, o := range order {
		a, b := debVersion(t, o[0]), debVersion(t, o[1])
		if err := exec.Command("dpkg", "--compare-versions", a, "lt", b).Run(); err != nil {
			t.Errorf("%s (%s) should sort before %s (%s)", a, o[0], b, o[1])
		}
	}
}

func debVersion(t *testing.T, v string) string {
	t.Helper()
	out, err := exec.Command("sh", repoPath(t, "packaging/deb-version.sh"), v).Output()
	if err != nil {
		t.Fatalf("deb-version.sh %q: %v", v, err)
	}
	return strings.TrimSpace(string(out))
}
