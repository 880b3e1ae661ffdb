package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/client/clienttest"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/release/releasetest"
)

func needReleaseTools(t *testing.T) { releasetest.Need(t) }

// buildDeb makes a tiny Debian package, amd64, of name and version.
func buildDeb(t *testing.T, name, version string) string {
	return releasetest.Deb(t, name, version, "amd64", 0)
}

// districtdFails runs a command line that must fail, with an error that
// says each of want.
func districtdFails(t *testing.T, args []string, want ...string) {
	t.Helper()
	var out bytes.Buffer
	err := run(args, &out, &out)
	if err == nil {
		t.Errorf("districtd %s: no error\n%s", strings.Join(args, " "), out.String())
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("districtd %s: %v\nwant it to say %q", strings.Join(args, " "), err, w)
		}
	}
}

// A district's releases from the command line: the repository made once,
// packages added (each version once, the terminal's package only),
// promoted through the rings in order or forced, a terminal put in a ring
// and its report of a rolled-back update shown by release status and
// terminals. The staff operations go through the running district's
// admin socket, and open the store themselves once it stops.
func TestReleaseCommands(t *testing.T) {
	needReleaseTools(t)
	typo := filepath.Join(t.TempDir(), "typo")
	districtdFails(t, []string{"release", "init", "--data", typo}, "no district in")
	if _, err := os.Stat(typo); !os.IsNotExist(err) {
		t.Fatalf("release init on a folder with no district made %s: %v", typo, err)
	}

	dir := t.TempDir()
	districtd(t, "init", "--name", "测试区", "--data", dir)
	deb1, deb2 := buildDeb(t, "yizhan", "1"), buildDeb(t, "yizhan", "2")
	districtdFails(t, []string{"release", "add", deb1, "--data", dir}, "no release repository", "release init")
	if out := districtd(t, "release", "status", "--data", dir); !strings.Contains(out, "no release repository yet") {
		t.Errorf("release status before release init:\n%s", out)
	}

	out := districtd(t, "release", "init", "--data", dir)
	for _, want := range []string{"测试区", district.ReleaseDir(dir), "release add", "terminals ring", "release promote"} {
		if !strings.Contains(out, want) {
			t.Errorf("release init does not say %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`fingerprint [0-9A-F]{40}\n`).MatchString(out) {
		t.Errorf("release init shows no fingerprint:\n%s", out)
	}
	districtdFails(t, []string{"release", "init", "--data", dir}, "already")

	// A terminal whose last update, to 2, was rolled back: it runs 1.
	url, stop := startDistrictd(t, dir)
	token := strings.Fields(districtd(t, "token", "new", "--site", "一楼大厅", "--data", dir))[0]
	at := time.Date(2026, 12, 7, 2, 14, 0, 0, time.Local)
	term := clienttest.Enroll(t, url, token, "HALL-0001", func() protocol.Heartbeat {
		return protocol.Heartbeat{Software: "1", Time: time.Now(), Update: &protocol.UpdateReport{ID: "u1", Version: "2", From: "1",
			Result: protocol.UpdateRolledBack, Reason: "self-test failed: printer", At: at, Running: "1", Refused: []string{"2"}}}
	})
	if err := term.Client.Once(context.Background()); err != nil {
		t.Fatal(err)
	}

	if out := districtd(t, "release", "add", deb1, "--data", dir); !strings.Contains(out, "version 1 added") || !strings.Contains(out, "release promote 1 --ring canary") {
		t.Errorf("release add:\n%s", out)
	}
	var added map[string]string
	if err := json.Unmarshal([]byte(districtd(t, "release", "add", deb2, "--json", "--data", dir)), &added); err != nil || added["version"] != "2" {
		t.Errorf("release add --json: %v %v", added, err)
	}
	districtdFails(t, []string{"release", "add", deb2, "--data", dir}, "version 2 is in the repository already", "never replaced")
	districtdFails(t, []string{"release", "add", buildDeb(t, "yizhan-other", "3"), "--data", dir}, "yizhan-other", "not added")
	districtdFails(t, []string{"release", "add", filepath.Join(t.TempDir(), "none.deb"), "--data", dir}, "nothing added")

	// The rings in order; out of order is refused and names --force.
	districtdFails(t, []string{"release", "promote", "2", "--ring", "early", "--data", dir}, "in order", "--force")
	districtdFails(t, []string{"release", "promote", "9", "--ring", "canary", "--data", dir}, "not in the release repository")
	districtdFails(t, []string{"release", "promote", "1", "--ring", "beta", "--data", dir}, "no ring")
	districtdFails(t, []string{"release", "promote", "1", "--data", dir}, "--ring")
	for _, ring := range district.Rings {
		out := districtd(t, "release", "promote", "1", "--ring", ring, "--data", dir)
		if !strings.Contains(out, "ring "+ring+" now names version 1") {
			t.Errorf("release promote 1 --ring %s:\n%s", ring, out)
		}
		if ring == "all" && !strings.Contains(out, "its terminal installs it in its next maintenance window") {
			t.Errorf("release promote 1 --ring all, with the one terminal in it:\n%s", out)
		}
	}
	districtd(t, "release", "promote", "2", "--ring", "canary", "--data", dir)

	// The terminal in the canary ring: its target is 2.
	if out := districtd(t, "terminals", "ring", "HALL-0001", "canary", "--data", dir); !strings.Contains(out, "HALL-0001 is in ring canary now") || !strings.Contains(out, "version 2") {
		t.Errorf("terminals ring:\n%s", out)
	}
	districtdFails(t, []string{"terminals", "ring", "HALL-0001", "beta", "--data", dir}, "no ring")
	districtdFails(t, []string{"terminals", "ring", "NO-SUCH", "early", "--data", dir}, "NO-SUCH")

	// Forced: all names 2 while early names 1.
	if out := districtd(t, "release", "promote", "2", "--ring", "all", "--force", "--data", dir); !strings.Contains(out, "ring all now names version 2") || !strings.Contains(out, "forced") {
		t.Errorf("release promote --force:\n%s", out)
	}

	status := func() {
		t.Helper()
		out := districtd(t, "release", "status", "--data", dir)
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`release repository .*: versions 1, 2\n`),
			regexp.MustCompile(`(?m)^canary +2 +1 +0 +HALL-0001$`),
			regexp.MustCompile(`(?m)^early +1 +0 +0 +-$`),
			regexp.MustCompile(`(?m)^all +2 +0 +0 +-$`),
		} {
			if !want.MatchString(out) {
				t.Errorf("release status does not show %s:\n%s", want, out)
			}
		}
		var st releaseStatus
		if err := json.Unmarshal([]byte(districtd(t, "release", "status", "--json", "--data", dir)), &st); err != nil {
			t.Fatal(err)
		}
		want := []district.Ring{
			{Name: "canary", Version: "2", Terminals: 1, RolledBack: []string{"HALL-0001"}},
			{Name: "early", Version: "1"},
			{Name: "all", Version: "2"},
		}
		if st.Repository != district.ReleaseDir(dir) || !slices.Equal(st.Versions, []string{"1", "2"}) || !slices.EqualFunc(st.Rings, want, func(a, b district.Ring) bool {
			return a.Name == b.Name && a.Version == b.Version && a.Terminals == b.Terminals && a.Running == b.Running && slices.Equal(a.RolledBack, b.RolledBack)
		}) {
			t.Errorf("release status --json: %+v", st)
		}
	}
	status()

	// The terminals table: the ring, the version running, the last update.
	out = districtd(t, "terminals", "--data", dir)
	if !regexp.MustCompile(`(?m)^HALL-0001 +一楼大厅 +canary +1 +`).MatchString(out) || !strings.Contains(out, "1→2 rolled back 12-07 02:14: self-test failed: printer") {
		t.Errorf("terminals:\n%s", out)
	}
	if out := districtd(t, "audit", "list", "--data", dir); strings.Count(out, district.AuditReleasePromoted) != 5 || !strings.Contains(out, district.AuditRingAssigned) || !strings.Contains(out, "(forced)") {
		t.Errorf("audit list:\n%s", out)
	}

	// With districtd stopped the commands open the store themselves.
	stop()
	status()
	districtd(t, "terminals", "ring", "HALL-0001", "early", "--data", dir)
	if out := districtd(t, "release", "status", "--data", dir); !regexp.MustCompile(`(?m)^early +1 +1 +1 +-$`).MatchString(out) {
		t.Errorf("release status after the terminal moved to early:\n%s", out)
	}
}
