package console

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/release/releasetest"
)

// releaseRepo makes the rig's district a release repository holding the
// versions given, as districtd release init and release add do: aptly,
// GnuPG and dpkg-deb, from Debian. Without them the test is skipped,
// loudly, unless YIZHAN_REQUIRE_RELEASE=1 (make test) makes it fail.
func (r *rig) releaseRepo(versions ...string) {
	r.t.Helper()
	releasetest.Repo(r.t, district.ReleaseDir(r.dir), "测试区", versions...)
}

// ringVersion is the version ring names, as the district keeps it.
func (r *rig) ringVersion(ring string) string {
	r.t.Helper()
	rings, err := r.d.RingStates()
	if err != nil {
		r.t.Fatal(err)
	}
	for _, one := range rings {
		if one.Name == ring {
			return one.Version
		}
	}
	r.t.Fatalf("no ring %s in %+v", ring, rings)
	return ""
}

// TestReleasesPromotedRingByRing: everyone who sees the fleet sees the
// rings and the repository's versions, newest first; an admin promotes a
// version ring by ring from the page, is told by name which ring must get
// it first when out of order, and may force it; staff cannot promote,
// and a form without its token changes nothing. Each promotion is in the
// audit trail with who and from where.
func TestReleasesPromotedRingByRing(t *testing.T) {
	r := newRig(t)
	r.releaseRepo("1.0.0", "1.10.0", "1.9.2")

	b := r.browser("li")
	if resp := b.do("GET", "/fleet/releases", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the releases page as staff: %d\n%s", resp.StatusCode, b.body)
	}
	newest, older, oldest := strings.Index(b.body, "1.10.0"), strings.Index(b.body, "1.9.2"), strings.Index(b.body, "1.0.0")
	if newest < 0 || older < 0 || oldest < 0 || newest > older || older > oldest {
		t.Fatalf("the versions are not listed newest first (1.10.0, 1.9.2, 1.0.0):\n%s", b.body)
	}
	for _, want := range []string{"试点 · canary", "先行 · early", "全部 · all", "未指定 · none yet"} {
		if !strings.Contains(b.body, want) {
			t.Fatalf("the releases page lacks %q:\n%s", want, b.body)
		}
	}
	if strings.Contains(b.body, "/fleet/releases/promote") {
		t.Fatal("staff is offered the promote form")
	}
	if resp := b.do("POST", "/fleet/releases/promote", url.Values{"csrf": {b.csrf()}, "version": {"1.10.0"}, "ring": {"canary"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff promoting: %d", resp.StatusCode)
	}
	if v := r.ringVersion("canary"); v != "" {
		t.Fatalf("staff's promotion was done: canary names %q", v)
	}

	a := r.browser("admin")
	a.do("GET", "/fleet/releases", nil)
	if !strings.Contains(a.body, `action="/fleet/releases/promote"`) || !strings.Contains(a.body, `name="force"`) || !strings.Contains(a.body, "未经试点的版本可能同时装到大量终端上") {
		t.Fatalf("the admin's promote form (with force and its warning):\n%s", a.body)
	}
	// Out of order: the page says which ring must get it first, and
	// nothing changes.
	if resp := a.do("POST", "/fleet/releases/promote", url.Values{"csrf": {a.csrf()}, "version": {"1.10.0"}, "ring": {"early"}}); resp.StatusCode != http.StatusConflict {
		t.Fatalf("early before canary: %d\n%s", resp.StatusCode, a.body)
	}
	for _, want := range []string{"须先推送到「试点 · canary」", "must go to ring canary first", "names no version yet"} {
		if !strings.Contains(a.body, want) {
			t.Fatalf("the ring order message lacks %q:\n%s", want, a.body)
		}
	}
	if v := r.ringVersion("early"); v != "" {
		t.Fatalf("an out-of-order promotion was done: early names %q", v)
	}
	// A form without the session's token changes nothing.
	if resp := a.do("POST", "/fleet/releases/promote", url.Values{"version": {"1.10.0"}, "ring": {"canary"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(a.body, "CSRF") {
		t.Fatalf("a promotion without its CSRF token: %d\n%s", resp.StatusCode, a.body)
	}
	if v := r.ringVersion("canary"); v != "" {
		t.Fatalf("a promotion without its CSRF token was done: canary names %q", v)
	}
	// In order.
	for i, ring := range district.Rings {
		a.do("GET", "/fleet/releases", nil)
		resp := a.do("POST", "/fleet/releases/promote", url.Values{"csrf": {a.csrf()}, "version": {"1.9.2"}, "ring": {ring}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fleet/releases?saved=1&promoted="+ring {
			t.Fatalf("promoting 1.9.2 to %s: %d %s\n%s", ring, resp.StatusCode, resp.Header.Get("Location"), a.body)
		}
		if v := r.ringVersion(ring); v != "1.9.2" {
			t.Fatalf("%s names %q after its promotion", ring, v)
		}
		a.do("GET", resp.Header.Get("Location"), nil)
		if !strings.Contains(a.body, "已保存") || !strings.Contains(a.body, "批次现为版本 1.9.2") {
			t.Fatalf("the page after promoting to %s does not say so:\n%s", ring, a.body)
		}
		if next := i + 1; next < len(district.Rings) && !strings.Contains(a.body, "promote it to "+district.Rings[next]) {
			t.Fatalf("the page after promoting to %s does not name the next ring:\n%s", ring, a.body)
		}
	}
	// The next version, out of order: the ring named is the first that
	// lacks it, with what it names now.
	a.do("GET", "/fleet/releases", nil)
	if resp := a.do("POST", "/fleet/releases/promote", url.Values{"csrf": {a.csrf()}, "version": {"1.10.0"}, "ring": {"canary"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("promoting 1.10.0 to canary: %d\n%s", resp.StatusCode, a.body)
	}
	a.do("GET", "/fleet/releases", nil)
	if resp := a.do("POST", "/fleet/releases/promote", url.Values{"csrf": {a.csrf()}, "version": {"1.10.0"}, "ring": {"all"}}); resp.StatusCode != http.StatusConflict ||
		!strings.Contains(a.body, "须先推送到「先行 · early」批次（该批次现为 1.9.2）") {
		t.Fatalf("all before early: %d\n%s", resp.StatusCode, a.body)
	}
	// Forced, it is done, and the trail says so.
	if resp := a.do("POST", "/fleet/releases/promote", url.Values{"csrf": {a.csrf()}, "version": {"1.10.0"}, "ring": {"all"}, "force": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("forcing 1.10.0 to all: %d\n%s", resp.StatusCode, a.body)
	}
	if v := r.ringVersion("all"); v != "1.10.0" {
		t.Fatalf("all names %q after the forced promotion", v)
	}
	// A version the repository does not hold, a ring that is not one.
	a.do("GET", "/fleet/releases", nil)
	if resp := a.do("POST", "/fleet/releases/promote", url.Values{"csrf": {a.csrf()}, "version": {"9.9"}, "ring": {"canary"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "发布仓库中没有版本") {
		t.Fatalf("a version not in the repository: %d\n%s", resp.StatusCode, a.body)
	}
	if resp := a.do("POST", "/fleet/releases/promote", url.Values{"csrf": {a.csrf()}, "version": {"1.10.0"}, "ring": {"beta"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "没有这个批次") {
		t.Fatalf("a ring that is not one: %d\n%s", resp.StatusCode, a.body)
	}

	trail, _ := r.d.AuditTrail(0, 1000)
	var promoted []string
	for _, ev := range trail {
		if ev.Action == district.AuditReleasePromoted {
			if ev.Staff != "admin" || ev.From != "127.0.0.1" {
				t.Errorf("a promotion recorded as by %q from %q", ev.Staff, ev.From)
			}
			promoted = append(promoted, ev.Object+" "+ev.Detail)
		}
	}
	if len(promoted) != 5 || !strings.HasSuffix(promoted[4], "(forced)") {
		t.Fatalf("the audit trail's promotions: %q", promoted)
	}
	a.do("GET", "/audit", nil)
	if !strings.Contains(a.body, "推送终端版本 · release_promoted") {
		t.Fatalf("the audit page does not name the promotions:\n%s", a.body)
	}
}

// TestReleasesShowWhatTerminalsRun: the fleet shows each terminal's
// ring, the version it runs and its last update; the releases page counts
// who runs each ring's version and names the terminals that rolled back,
// with why.
func TestReleasesShowWhatTerminalsRun(t *testing.T) {
	r := newRig(t)
	r.releaseRepo("1.0.0", "1.1.0")
	for _, ring := range district.Rings {
		if err := r.d.Promote("admin", "", ring, "1.0.0", false); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.d.Promote("admin", "", "canary", "1.1.0", false); err != nil {
		t.Fatal(err)
	}
	if err := r.d.AssignRing("admin", "", "HALL-0001", "canary"); err != nil {
		t.Fatal(err)
	}
	r.term.hb.Store(&protocol.Heartbeat{Software: "1.0.0", Devices: map[string]string{"idcard": "online", "printer": "online"},
		Update: &protocol.UpdateReport{ID: "u1", Version: "1.1.0", From: "1.0.0", Result: protocol.UpdateRolledBack, Running: "1.0.0",
			Reason: "the self-test failed: printer: no answer from /dev/yizhan/printer", Refused: []string{"1.1.0"}, At: r.clk.now}})
	r.term.sync(t)
	other := r.enroll("HALL-0002", r.districtURL)
	other.hb.Store(&protocol.Heartbeat{Software: "0.9.0", Devices: map[string]string{"idcard": "online"},
		Update: &protocol.UpdateReport{ID: "u2", Version: "1.0.0", From: "0.9.0", Result: protocol.UpdateInstalled, Running: "1.0.0", At: r.clk.now}})
	other.sync(t)

	b := r.browser("li")
	b.do("GET", "/fleet/releases", nil)
	for _, want := range []string{"1.1.0", "HALL-0001", "the self-test failed: printer: no answer", "1 / 1"} {
		if !strings.Contains(b.body, want) {
			t.Fatalf("the releases page lacks %q:\n%s", want, b.body)
		}
	}
	b.do("GET", "/fleet", nil)
	for _, want := range []string{"批次 · ring: 试点 · canary", "批次 · ring: 全部 · all", "1.0.0 → 1.1.0 已回退 · rolled back", "0.9.0 → 1.0.0 已安装 · installed",
		`title="the self-test failed: printer: no answer from /dev/yizhan/printer"`, "/fleet/releases"} {
		if !strings.Contains(b.body, want) {
			t.Fatalf("the fleet lacks %q:\n%s", want, b.body)
		}
	}
	if strings.Contains(b.body, "0.9.0</strong>") {
		t.Fatalf("the fleet shows the kiosk's version, not the one the updater says runs:\n%s", b.body)
	}
	if strings.Contains(b.body, `/ring"`) {
		t.Fatal("staff is offered the ring form")
	}
	// An update that failed outright needs a technician. (The terminal
	// beats once a minute: this beat is the district's to take.)
	if err := r.d.Heartbeat("HALL-0002", protocol.Heartbeat{Software: "1.0.0", Devices: map[string]string{"idcard": "online"},
		Update: &protocol.UpdateReport{ID: "u3", Version: "1.0.0", From: "0.9.0", Result: protocol.UpdateFailed, Reason: "dpkg: error processing package yizhan", At: r.clk.now}}); err != nil {
		t.Fatal(err)
	}
	b.do("GET", "/fleet?attention=1", nil)
	if !strings.Contains(b.body, "更新到 1.0.0 失败 · the update to 1.0.0 failed: dpkg: error processing package yizhan (技术人员 · a technician)") {
		t.Fatalf("a failed update is not on the needs-someone list:\n%s", b.body)
	}
}

// TestRingAssignedFromTheFleet: an admin moves a terminal to another
// ring from its row; a ring that is not one, an unknown terminal, staff
// and a form without its token are refused.
func TestRingAssignedFromTheFleet(t *testing.T) {
	r := newRig(t)
	a := r.browser("admin")
	a.do("GET", "/fleet", nil)
	if !strings.Contains(a.body, `action="/fleet/HALL-0001/ring"`) || !strings.Contains(a.body, `<option value="all" selected>`) {
		t.Fatalf("the admin's ring form, on all:\n%s", a.body)
	}
	if resp := a.do("POST", "/fleet/HALL-0001/ring", url.Values{"csrf": {a.csrf()}, "ring": {"canary"}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/fleet?saved=1" {
		t.Fatalf("moving HALL-0001 to canary: %d\n%s", resp.StatusCode, a.body)
	}
	ring := func() string {
		target, _, err := r.d.ReleaseTarget("HALL-0001")
		if err != nil {
			t.Fatal(err)
		}
		return target.Ring
	}
	if got := ring(); got != "canary" {
		t.Fatalf("HALL-0001 is in %q", got)
	}
	a.do("GET", "/fleet?saved=1", nil)
	if !strings.Contains(a.body, `<option value="canary" selected>`) || !strings.Contains(a.body, "已保存") {
		t.Fatalf("the fleet after the move:\n%s", a.body)
	}
	if resp := a.do("POST", "/fleet/HALL-0001/ring", url.Values{"csrf": {a.csrf()}, "ring": {"beta"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "没有这个批次") {
		t.Fatalf("a ring that is not one: %d\n%s", resp.StatusCode, a.body)
	}
	a.do("GET", "/fleet", nil)
	if resp := a.do("POST", "/fleet/HALL-9999/ring", url.Values{"csrf": {a.csrf()}, "ring": {"early"}}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown terminal: %d\n%s", resp.StatusCode, a.body)
	}
	if resp := a.do("POST", "/fleet/HALL-0001/ring", url.Values{"ring": {"early"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a move without its CSRF token: %d", resp.StatusCode)
	}
	b := r.browser("li")
	b.do("GET", "/fleet", nil)
	if resp := b.do("POST", "/fleet/HALL-0001/ring", url.Values{"csrf": {b.csrf()}, "ring": {"early"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff moving a terminal: %d", resp.StatusCode)
	}
	if got := ring(); got != "canary" {
		t.Fatalf("a refused move was done: HALL-0001 is in %q", got)
	}
	trail, _ := r.d.AuditTrail(0, 1000)
	var moves []string
	for _, ev := range trail {
		if ev.Action == district.AuditRingAssigned {
			moves = append(moves, ev.Staff+" "+ev.From+" "+ev.Object+" "+ev.Detail)
		}
	}
	if len(moves) != 1 || moves[0] != "admin 127.0.0.1 HALL-0001 all → canary" {
		t.Fatalf("the audit trail's ring moves: %q", moves)
	}
}

// TestReleasesWithoutARepository: before districtd release init the page
// says how to make one and offers no form; a promotion is refused with the
// same words.
func TestReleasesWithoutARepository(t *testing.T) {
	r := newRig(t)
	a := r.browser("admin")
	if resp := a.do("GET", "/fleet/releases", nil); resp.StatusCode != http.StatusOK || !strings.Contains(a.body, "districtd release init") {
		t.Fatalf("the releases page with no repository: %d\n%s", resp.StatusCode, a.body)
	}
	if strings.Contains(a.body, "/fleet/releases/promote") {
		t.Fatal("the promote form is offered with no repository")
	}
	if resp := a.do("POST", "/fleet/releases/promote", url.Values{"csrf": {a.csrf()}, "version": {"1.0.0"}, "ring": {"canary"}}); resp.StatusCode != http.StatusConflict || !strings.Contains(a.body, "districtd release init") {
		t.Fatalf("a promotion with no repository: %d\n%s", resp.StatusCode, a.body)
	}
}
