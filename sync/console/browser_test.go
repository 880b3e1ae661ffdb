package console

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// The console in a real browser: Debian's Chromium, headless, driven by
// chromedp. make test sets YIZHAN_REQUIRE_CHROMIUM, so a machine without
// it fails rather than skips. Screenshots of each page go to
// var/screenshots/console/ to be looked at.

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("YIZHAN_REQUIRE_CHROMIUM") != "" {
		t.Fatal("no Chromium: install Debian's chromium (make test-deps)")
	}
	t.Skip("no Chromium")
	return ""
}

// page is one browser tab on the rig's console.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string // the screenshot folder
}

func (r *rig) openBrowser(t *testing.T) *page {
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(1366, 900),
		chromedp.Flag("lang", "zh-CN"),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The whole walk is bounded: a page that never loads fails the test.
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel)
	shot := filepath.Join("..", "..", "var", "screenshots", "console")
	if err := os.MkdirAll(shot, 0o755); err != nil {
		t.Fatal(err)
	}
	// localhost, not 127.0.0.1: the browser keeps the console's Secure
	// cookies over plain HTTP only for a host named localhost.
	base := strings.Replace(r.srv.URL, "127.0.0.1", "localhost", 1)
	// The browser starts with the tab's own context: a step's shorter
	// one would end it with the step.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return &page{t: t, ctx: ctx, base: base, shot: shot}
}

func (p *page) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// text is the page's visible text.
func (p *page) text() string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		p.t.Fatalf("read the page: %v", err)
	}
	return s
}

func (p *page) mustSee(what string, want ...string) {
	p.t.Helper()
	got := p.text()
	for _, w := range want {
		if !strings.Contains(got, w) {
			p.t.Fatalf("%s: the page does not say %q:\n%s", what, w, got)
		}
	}
}

func (p *page) screenshot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(p.shot, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// submit clicks what sends a form and waits for the page that answers.
func (p *page) submit(what string, sel chromedp.CSS) {
	p.t.Helper()
	if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`window.yzBefore = true`)); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	p.run(what, chromedp.Click(sel))
	// The old page is gone once the mark is; a check that lands while
	// the page changes fails, and is asked again.
	deadline := time.Now().Add(20 * time.Second)
	for {
		done, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`window.yzBefore === undefined && document.readyState === "complete"`))
		if err == nil && done {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: no new page: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *page) logIn(name string) {
	p.t.Helper()
	p.run("log in as "+name,
		chromedp.Navigate(p.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), rigPassword),
	)
	p.submit("log in as "+name, `button[type=submit]`)
	p.run("signed in as "+name, chromedp.WaitVisible(chromedp.CSS(`header.top`)))
}

func (p *page) logOut() {
	p.t.Helper()
	p.submit("log out", `.who button`)
	p.run("logged out", chromedp.WaitVisible(chromedp.CSS(`input[name=password]`)))
}

// doStep writes a note in the case's next step and records it.
func (p *page) doStep(note string) {
	p.t.Helper()
	p.run("record a step",
		chromedp.WaitVisible(chromedp.CSS(`textarea[name=note]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=note]`), note),
	)
	p.submit("record a step", `form[action*="/step/"] button`)
}

// TestConsoleInABrowser walks the console as staff do: a bad rating a
// terminal just sent is worked through 核实 → 整改 → 回访 and closed by a
// supervisor, and the dashboard's rate moves; an application's new state
// reaches the terminal; a forged form and an ended session are refused;
// staff without the role are refused the audit trail.
func TestConsoleInABrowser(t *testing.T) {
	r := newRig(t)
	p := r.openBrowser(t)
	pic := photo(t)

	p.run("the login page", chromedp.Navigate(p.base+"/login"), chromedp.WaitVisible(chromedp.CSS(`input[name=name]`)))
	p.screenshot("01-login")
	p.logIn("li")
	p.screenshot("02-home")

	// What a terminal just sent: an application and a bad rating of it,
	// with its printer out of paper.
	r.term.hb.Store(&protocol.Heartbeat{Software: "1.2.0", Devices: map[string]string{"idcard": "online", "printer": "userError"},
		Attention: map[string]protocol.DeviceAttention{"printer": {Actor: "staff", Reason: "paper out"}}})
	const receipt = "HALL-0001-261207-090000"
	app := r.term.submit(t, outbox.Application, "SB-001", receipt, sampleApplication(receipt), map[string][]byte{"face.jpg": pic, "material-1.jpg": pic})
	r.term.submit(t, outbox.Rating, "SB-001", receipt, map[string]any{"level": 1, "reason": "等候太久", "phone": "13900139000", "channel": "terminal"}, nil)
	r.term.submit(t, outbox.Rating, "SB-002", "HALL-0001-261207-091000", map[string]any{"level": 5, "channel": "terminal"}, nil)

	p.run("the dashboard", chromedp.Navigate(p.base+"/ratings"), chromedp.WaitVisible(chromedp.CSS(`.figures`)))
	p.mustSee("dashboard before", "50.0%", "已整改办结 0 件 / 差评 1 件")
	p.screenshot("03-ratings")

	p.submit("the bad-rating queue", `a[href="/cases/rating"]`)
	p.mustSee("queue", "等候太久", "核实")
	p.screenshot("04-bad-ratings")
	p.submit("open the case", chromedp.CSS(`a[href="/cases/rating/`+receipt+`"]`))
	p.mustSee("case", "13900139000", "核实情况")
	p.doStep("调取监控：当日 10 点排队 40 分钟，3 号窗口暂停服务")
	p.doStep("增开 4 号窗口，高峰时段安排引导员")
	p.doStep("12 月 8 日电话回访，居民表示满意")
	p.mustSee("after three steps", "待科室负责人审核办结", "增开 4 号窗口")
	p.screenshot("05-case-staff")
	p.logOut()

	p.logIn("zhao")
	p.run("the case as supervisor", chromedp.Navigate(p.base+"/cases/rating/"+receipt), chromedp.WaitVisible(chromedp.CSS(`textarea[name=note]`)))
	p.doStep("整改到位，办结")
	p.mustSee("closed", "已办结 · Closed.")
	p.screenshot("06-case-closed")
	p.run("the dashboard after", chromedp.Navigate(p.base+"/ratings"), chromedp.WaitVisible(chromedp.CSS(`.figures`)))
	p.mustSee("dashboard after", "已整改办结 1 件 / 差评 1 件", "100.0%")

	// The application: left for staff first, photos shown, a new state.
	p.run("the inbox", chromedp.Navigate(p.base+"/applications"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	p.screenshot("07-applications")
	p.submit("open the application", chromedp.CSS(`a[href="/applications/HALL-0001/`+app.ID+`"]`))
	loaded, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`[...document.images].every(i => i.complete && i.naturalWidth > 0) && document.images.length == 2`))
	if err != nil || !loaded {
		t.Fatal("the application's photos did not load in the browser")
	}
	p.mustSee("application", "需工作人员协助填写的项目", "张三丰")
	p.screenshot("08-application")
	p.run("accept it",
		chromedp.Click(chromedp.CSS(`input[name=state][value=accepted]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "已受理，请补充银行账号"),
	)
	p.submit("accept it", `form.status button`)
	p.mustSee("accepted", "已保存", "已受理 · accepted · 已受理，请补充银行账号")
	r.term.sync(t)
	if st := r.term.status(t, app.ID); st.State != "accepted" || st.Message != "已受理，请补充银行账号" {
		t.Fatalf("the terminal has %+v", st)
	}

	// A form whose token is not the session's is refused.
	p.run("forge the token",
		chromedp.SetValue(chromedp.CSS(`form.status input[name=csrf]`), "forged"),
	)
	p.submit("send the forged form", `form.status button`)
	p.mustSee("forged form", "CSRF")
	p.logOut()

	// Staff without the role.
	p.logIn("li")
	p.run("the audit trail as staff", chromedp.Navigate(p.base+"/audit"), chromedp.WaitVisible(chromedp.CSS(`.alert`)))
	p.mustSee("audit as staff", "仅管理员可查看")
	p.screenshot("09-refused")

	// An idle session ends.
	r.clk.now = r.clk.now.Add(31 * time.Minute)
	p.run("after 31 idle minutes", chromedp.Navigate(p.base+"/applications"), chromedp.WaitVisible(chromedp.CSS(`input[name=password]`)))
	p.mustSee("expired", "会话已过期")

	p.logIn("admin")
	p.run("the audit trail", chromedp.Navigate(p.base+"/audit?verify=1"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	p.mustSee("audit", "审计链校验通过", "view_application", "case_step")
	p.screenshot("10-audit")
	p.run("the fleet", chromedp.Navigate(p.base+"/fleet?attention=1"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	p.mustSee("fleet", "HALL-0001", "凭条打印机", "paper out", "大厅工作人员")
	p.screenshot("11-fleet")
	p.run("the catalog and rules", chromedp.Navigate(p.base+"/settings"), chromedp.WaitVisible(chromedp.CSS(`input[name=bad_rating_days]`)))
	p.screenshot("12-settings")
	p.run("the account", chromedp.Navigate(p.base+"/account?setup=1"), chromedp.WaitVisible(chromedp.CSS(`img.qr`)))
	qr, err := chromedp.Run(p.ctx, chromedp.Evaluate[bool](`document.querySelector("img.qr").naturalWidth >= 200`))
	if err != nil || !qr {
		t.Fatalf("the two-step QR code did not load: %v", err)
	}
	p.screenshot("13-two-step")
}

// viewShot is a screenshot of what a 1366×768 screen shows of the page,
// as an office PC's browser window does.
func (p *page) viewShot(name string) {
	p.t.Helper()
	p.run("a 1366×768 screen", chromedp.EmulateViewport(1366, 768))
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(p.shot, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.run("the window's own size again", chromedp.ResetViewport())
}

// TestReleasesInABrowser: an admin promotes a version to the canary ring
// from the releases page and sees the ring name it; a promotion out of
// order is refused with the ring that must get it first; a terminal is
// moved to another ring from its row on the fleet.
func TestReleasesInABrowser(t *testing.T) {
	r := newRig(t)
	p := r.openBrowser(t)
	r.releaseRepo("1.3.2", "1.4.0", "1.4.1")
	for _, ring := range []string{"canary", "early", "all"} {
		if err := r.d.Promote("admin", "", ring, "1.3.2", false); err != nil {
			t.Fatal(err)
		}
	}
	// The district's terminals: HALL-0001 a canary, which rolled back
	// 1.4.0; HALL-0002 early; HALL-0003 in all, still on 1.3.1.
	if err := r.d.AssignRing("admin", "", "HALL-0001", "canary"); err != nil {
		t.Fatal(err)
	}
	if err := r.d.Promote("admin", "", "canary", "1.4.0", false); err != nil {
		t.Fatal(err)
	}
	r.term.hb.Store(&protocol.Heartbeat{Software: "1.3.2", Devices: map[string]string{"idcard": "online", "printer": "online"},
		Update: &protocol.UpdateReport{ID: "u1", Version: "1.4.0", From: "1.3.2", Result: protocol.UpdateRolledBack, Running: "1.3.2",
			Reason: "the self-test failed: exit status 1: printer: no answer from /dev/yizhan/printer", Refused: []string{"1.4.0"}, At: r.clk.now.Add(-7 * time.Hour)}})
	r.term.sync(t)
	early := r.enroll("HALL-0002", r.districtURL)
	if err := r.d.AssignRing("admin", "", "HALL-0002", "early"); err != nil {
		t.Fatal(err)
	}
	early.hb.Store(&protocol.Heartbeat{Software: "1.3.2", Devices: map[string]string{"idcard": "online", "printer": "online"},
		Update: &protocol.UpdateReport{ID: "u2", Version: "1.3.2", From: "1.3.1", Result: protocol.UpdateInstalled, Running: "1.3.2", At: r.clk.now.Add(-30 * time.Hour)}})
	early.sync(t)
	rest := r.enroll("HALL-0003", r.districtURL)
	rest.hb.Store(&protocol.Heartbeat{Software: "1.3.1", Devices: map[string]string{"idcard": "online", "printer": "online"}})
	rest.sync(t)

	p.logIn("admin")
	p.run("the fleet", chromedp.Navigate(p.base+"/fleet"), chromedp.WaitVisible(chromedp.CSS(`table.fleet`)))
	p.mustSee("fleet", "试点 · canary", "1.3.2 → 1.4.0 已回退 · rolled back", "no answer from /dev/yizhan/printer")
	p.submit("the releases tab", `a[href="/fleet/releases"]`)
	p.mustSee("releases", "终端版本 · Releases", "1.4.1", "HALL-0001", "the self-test failed")
	p.viewShot("15-releases")

	// 1.4.1 to canary, the form's own choice: the newest version, and
	// the first ring not naming it.
	p.run("the promote form", chromedp.WaitVisible(chromedp.CSS(`form.promote select[name=version]`)))
	p.run("choose 1.4.1 for canary",
		chromedp.SetValue(chromedp.CSS(`form.promote select[name=version]`), "1.4.1"),
		chromedp.SetValue(chromedp.CSS(`form.promote select[name=ring]`), "canary"),
	)
	p.submit("promote 1.4.1 to canary", `form.promote button`)
	p.mustSee("promoted", "已保存", "「试点 · canary」批次现为版本 1.4.1")
	got, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(`#ring-canary td.version`)))
	if err != nil || strings.TrimSpace(got) != "1.4.1" {
		t.Fatalf("the canary ring's version on the page: %q %v", got, err)
	}
	if v := r.ringVersion("canary"); v != "1.4.1" {
		t.Fatalf("canary names %q", v)
	}

	// Out of order: all before early.
	p.run("choose 1.4.1 for all",
		chromedp.SetValue(chromedp.CSS(`form.promote select[name=version]`), "1.4.1"),
		chromedp.SetValue(chromedp.CSS(`form.promote select[name=ring]`), "all"),
	)
	p.submit("promote 1.4.1 to all", `form.promote button`)
	p.mustSee("out of order", "须先推送到「先行 · early」批次（该批次现为 1.3.2）", "must go to ring early first")
	p.screenshot("14-releases-order")
	if v := r.ringVersion("all"); v != "1.3.2" {
		t.Fatalf("all names %q after a refused promotion", v)
	}
	p.run("the releases page", chromedp.Navigate(p.base+"/fleet/releases"), chromedp.WaitVisible(chromedp.CSS(`form.promote`)))
	p.screenshot("15-releases-full")

	// HALL-0003 to early, from its row.
	p.run("the fleet", chromedp.Navigate(p.base+"/fleet"), chromedp.WaitVisible(chromedp.CSS(`table.fleet`)))
	p.run("choose early for HALL-0003", chromedp.SetValue(chromedp.CSS(`form[action="/fleet/HALL-0003/ring"] select`), "early"))
	p.submit("move HALL-0003", `form[action="/fleet/HALL-0003/ring"] button`)
	p.mustSee("moved", "已保存")
	if target, _, err := r.d.ReleaseTarget("HALL-0003"); err != nil || target.Ring != "early" {
		t.Fatalf("HALL-0003 after the move: %+v %v", target, err)
	}
	p.viewShot("16-fleet-rings")
}
