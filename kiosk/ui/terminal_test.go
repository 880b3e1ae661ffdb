package ui

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

var (
	landscape = fyne.NewSize(1920, 1080)
	portrait  = fyne.NewSize(1080, 1920)
)

// fakeClock is the terminal's clock in tests: it moves only when told.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time          { return c.now }
func (c *fakeClock) advance(d time.Duration) { c.now = c.now.Add(d) }

type harness struct {
	t     testing.TB
	term  *Terminal
	win   fyne.Window
	clock *fakeClock
	reg   *devices.Registry
	lit   cameraLights // the simulated cameras open now (withCameras)
}

// newHarness starts a terminal in a test window of the given size, with
// every device online and the clock at a fixed instant.
func newHarness(t testing.TB, size fyne.Size, lang string) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	clock := &fakeClock{now: time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))}
	reg := devices.NewRegistry(devices.Kinds...)
	for _, k := range devices.Kinds {
		reg.Report(devices.Status{Kind: k, State: devices.Online})
	}
	cfg := config.Demo()
	cfg.Language = lang
	cfg.A4Printer.Device = "" // the screens' tests give it one where they need it
	term, err := New(a, w, Options{
		Config:  cfg,
		Demo:    true,
		Devices: reg,
		Link:    func() LinkStatus { return LinkStatus{Online: false, Queued: 3} },
		Now:     clock.Now,
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := UseLanguage("zh"); err != nil {
			t.Error(err)
		}
	})
	w.Resize(size)
	return &harness{t: t, term: term, win: w, clock: clock, reg: reg}
}

func (h *harness) tick(d time.Duration) {
	h.clock.advance(d)
	h.term.Tick(h.clock.Now())
}

// texts returns every visible piece of text on the window, in drawing order.
func (h *harness) texts() []string {
	var out []string
	walk(h.win.Canvas().Content(), fyne.Position{}, func(o fyne.CanvasObject, _ fyne.Position) {
		if t, ok := o.(*canvas.Text); ok && t.Text != "" {
			out = append(out, t.Text)
		}
	})
	return out
}

func (h *harness) showing(s string) bool {
	for _, t := range h.texts() {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// walk visits every visible object under o with its absolute position.
func walk(o fyne.CanvasObject, origin fyne.Position, visit func(fyne.CanvasObject, fyne.Position)) {
	if o == nil || !o.Visible() {
		return
	}
	pos := origin.Add(o.Position())
	visit(o, pos)
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			walk(c, pos, visit)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			walk(c, pos, visit)
		}
	}
}

func TestScreensRender(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    fyne.Size
		lang    string
		prepare func(h *harness)
	}{
		{"home_zh_landscape", landscape, "zh", nil},
		{"home_zh_portrait", portrait, "zh", nil},
		{"home_en_landscape", landscape, "en", nil},
		{"home_elderly_landscape", landscape, "zh", func(h *harness) { test.Tap(h.term.home.tiles[""]) }},
		{"home_elderly_portrait_printer_fault", portrait, "zh", func(h *harness) {
			test.Tap(h.term.home.tiles[""])
			h.reg.Report(devices.Status{Kind: devices.ReceiptPrinter, State: devices.UserError, Actor: devices.Staff})
			h.term.DevicesChanged()
		}},
		{"placeholder_apply_zh_landscape", landscape, "zh", func(h *harness) { test.Tap(h.term.home.tiles[screenApply]) }},
		{"countdown_zh_landscape", landscape, "zh", func(h *harness) {
			test.Tap(h.term.home.tiles[screenQuery])
			h.tick(95 * time.Second)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.size, tc.lang)
			if tc.prepare != nil {
				tc.prepare(h)
			}
			h.win.Resize(tc.size)
			assertImage(t, tc.name+".png", h.win.Canvas())
		})
	}
}

// TestNothingCutOff lays every screen out in both orientations, both
// languages and both modes, and checks that every text gets at least the
// room it needs, lies on the screen, and that everything a resident can tap
// is at least a touch target in size.
func TestNothingCutOff(t *testing.T) {
	layoutOnly(t)
	screens := []string{session.Home, screenApply, screenQuery, screenRate, screenComplain, screenStaff, "countdown"}
	for _, size := range []fyne.Size{landscape, portrait} {
		for _, lang := range []string{"zh", "en"} {
			for _, elderly := range []bool{false, true} {
				// One terminal per mode, visiting every screen in turn:
				// a terminal and its theme cost more than a screen.
				h := newHarness(t, size, lang)
				if elderly {
					test.Tap(h.term.home.tiles[""])
				}
				for _, screen := range screens {
					name := fmt.Sprintf("%vx%v/%s/elderly=%v/%s", size.Width, size.Height, lang, elderly, screen)
					t.Run(name, func(t *testing.T) {
						h.t = t
						h.term.countdown.hide()
						h.term.goHome()
						switch screen {
						case session.Home:
						case "countdown":
							test.Tap(h.term.home.tiles[screenRate])
							quiet := h.term.opt.Config.Idle.Timeout.Duration
							if elderly {
								quiet = h.term.opt.Config.Idle.ElderlyTimeout.Duration
							}
							h.tick(quiet + 5*time.Second)
							if !h.term.countdown.root.Visible() {
								t.Fatal("countdown not shown")
							}
						default:
							test.Tap(h.term.home.tiles[screen])
						}
						h.win.Resize(size)
						checkLayout(t, h, elderly)
					})
				}
			}
		}
	}
}

func checkLayout(t *testing.T, h *harness, elderly bool) {
	t.Helper()
	size := h.win.Canvas().Size()
	target := h.term.th.Size(theme.SizeTarget)
	if elderly && target < 60 {
		t.Fatalf("elderly target %v < 60", target)
	}
	overlay := h.term.countdown.root.Visible()
	// What scrolls may lie beyond the screen's edge: the resident drags it
	// into view. Its size is still checked.
	var scrolled []fyne.CanvasObject
	walk(h.win.Canvas().Content(), fyne.Position{}, func(o fyne.CanvasObject, _ fyne.Position) {
		if sc, ok := o.(*container.Scroll); ok {
			scrolled = append(scrolled, sc.Content)
		}
	})
	inScroll := func(o fyne.CanvasObject) bool {
		for _, c := range scrolled {
			if isUnder(o, c) {
				return true
			}
		}
		return false
	}
	texts, tappables := 0, 0
	walk(h.win.Canvas().Content(), fyne.Position{}, func(o fyne.CanvasObject, pos fyne.Position) {
		// Under the countdown only the countdown is reachable; check it alone.
		if overlay && !isUnder(o, h.term.countdown.root) {
			return
		}
		if strings.Contains(fmt.Sprintf("%T", o), "scrollBar") {
			return // dragging the content scrolls it; the bar only shows where
		}
		end := pos.Add(o.Size())
		if inScroll(o) {
			pos, end = fyne.Position{}, fyne.Position{}
		}
		switch v := o.(type) {
		case *canvas.Text:
			if v.Text == "" {
				return
			}
			texts++
			if o.Size().Width+0.5 < o.MinSize().Width || o.Size().Height+0.5 < o.MinSize().Height {
				t.Errorf("text %q has %v, needs %v", v.Text, o.Size(), o.MinSize())
			}
			if pos.X < -0.5 || pos.Y < -0.5 || end.X > size.Width+0.5 || end.Y > size.Height+0.5 {
				t.Errorf("text %q at %v–%v is off the %v screen", v.Text, pos, end, size)
			}
		case *touchCatcher, *corner: // not for residents to find
		case fyne.Tappable:
			tappables++
			// The demo strip is the demonstrator's, drawn at standard
			// sizes in elderly mode too; the standard target still holds.
			target := target
			if h.term.inDemoStrip(o) {
				target = theme.New(theme.Standard).Size(theme.SizeTarget)
			}
			if o.Size().Width+0.5 < target || o.Size().Height+0.5 < target {
				t.Errorf("%T at %v is %v, smaller than the %v touch target", o, pos, o.Size(), target)
			}
			if pos.X < -0.5 || pos.Y < -0.5 || end.X > size.Width+0.5 || end.Y > size.Height+0.5 {
				t.Errorf("%T at %v–%v is off the %v screen", o, pos, end, size)
			}
		}
	})
	if texts == 0 || tappables == 0 {
		t.Fatalf("found %d texts and %d tappables: the walk is broken", texts, tappables)
	}
}

// isUnder reports whether o is root or drawn inside it.
func isUnder(o, root fyne.CanvasObject) bool {
	found := false
	walk(root, fyne.Position{}, func(c fyne.CanvasObject, _ fyne.Position) {
		if c == o {
			found = true
		}
	})
	return found
}

func TestIdleCountdownClearsSession(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	test.Tap(h.term.langBtn) // English
	test.Tap(h.term.home.tiles[""])
	test.Tap(h.term.home.tiles[screenApply])
	if h.term.sess.Screen() != screenApply || !h.term.sess.Elderly() || h.term.sess.Lang() != "en" {
		t.Fatalf("setup: screen %s elderly %v lang %s", h.term.sess.Screen(), h.term.sess.Elderly(), h.term.sess.Lang())
	}

	h.tick(179 * time.Second) // elderly mode waits 180 s
	if h.term.countdown.root.Visible() {
		t.Fatal("countdown before the elderly timeout")
	}
	h.tick(time.Second)
	if !h.term.countdown.root.Visible() || !h.showing("15") || !h.showing("Are you still there?") {
		t.Fatalf("no 15-second countdown at the timeout; showing %q", h.texts())
	}
	h.tick(5 * time.Second)
	if !h.showing("Going back home in 10 seconds") {
		t.Fatalf("countdown did not count; showing %q", h.texts())
	}

	// A touch anywhere on the countdown cancels it and keeps the session.
	test.TapCanvas(h.win.Canvas(), fyne.NewPos(10, 10))
	if h.term.countdown.root.Visible() {
		t.Fatal("touch did not cancel the countdown")
	}
	if h.term.sess.Screen() != screenApply {
		t.Fatal("cancelled countdown lost the screen")
	}

	// Quiet again for the timeout and the countdown: home, Chinese, standard.
	h.tick(180 * time.Second)
	if !h.term.countdown.root.Visible() {
		t.Fatal("no second countdown")
	}
	h.tick(15 * time.Second)
	if h.term.countdown.root.Visible() {
		t.Fatal("countdown still shown after the session cleared")
	}
	if h.term.sess.Screen() != session.Home || h.term.sess.Lang() != "zh" || h.term.sess.Elderly() {
		t.Fatalf("after idle: screen %s lang %s elderly %v", h.term.sess.Screen(), h.term.sess.Lang(), h.term.sess.Elderly())
	}
	if h.term.th.Mode() != theme.Standard {
		t.Fatal("theme still elderly after the session cleared")
	}
	if !h.showing("您好，请选择您要办理的业务") || h.showing("Apply") {
		t.Fatalf("not the Chinese home screen after idle: %q", h.texts())
	}
}

func TestContinueButtonCancelsCountdown(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	test.Tap(h.term.home.tiles[screenStaff])
	h.tick(91 * time.Second)
	if !h.term.countdown.root.Visible() {
		t.Fatal("no countdown")
	}
	var cont *widget.Button
	walk(h.term.countdown.root, fyne.Position{}, func(o fyne.CanvasObject, _ fyne.Position) {
		if b, ok := o.(*widget.Button); ok && b.Text == "继续办理" {
			cont = b
		}
	})
	if cont == nil {
		t.Fatal("no 继续办理 button on the countdown")
	}
	test.Tap(cont)
	if h.term.countdown.root.Visible() {
		t.Fatal("继续办理 did not cancel the countdown")
	}
	h.tick(89 * time.Second)
	if h.term.countdown.root.Visible() {
		t.Fatal("countdown came back before a full timeout")
	}
}

func TestRestingHomeNeverCountsDown(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	for range 10 {
		h.tick(time.Minute)
		if h.term.countdown.root.Visible() {
			t.Fatal("countdown on an unused home screen")
		}
	}
}

func TestLanguageButtonSwitchesAndBack(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	if !h.showing("办事") || h.term.langBtn.Text != "English" {
		t.Fatalf("not Chinese at start: %q", h.texts())
	}
	test.Tap(h.term.langBtn)
	for _, want := range []string{"Apply", "My applications", "Rate a service", "Ask or complain", "Elderly mode", "Call staff", "Terminal DEMO-0001", "Fri 2026-11-27 09:30"} {
		if !h.showing(want) {
			t.Errorf("English home lacks %q: %q", want, h.texts())
		}
	}
	if h.showing("办事") || h.term.langBtn.Text != "中文" {
		t.Errorf("Chinese left after switching: %q", h.texts())
	}
	// The district's and the site's names in English, where configured.
	c := h.term.opt.Config
	if !h.showing(c.DistrictEN) || !h.showing(c.SiteEN) || h.showing(c.District) {
		t.Errorf("English header: %q", h.texts())
	}
	test.Tap(h.term.langBtn)
	if !h.showing("办事") || !h.showing("2026年11月27日 星期五 09:30") || !h.showing(c.District) {
		t.Errorf("not Chinese after switching back: %q", h.texts())
	}
}

// TestAScreenChangeKeepsTheFrame: going from screen to screen makes only
// the body anew; the header, the status bar and the countdown stay the
// same objects (a tap on the header as the screen changes still lands).
// A change of language makes the frame anew: every word in it changes.
func TestAScreenChangeKeepsTheFrame(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	content, lang, status, body := h.win.Content(), h.term.langBtn, h.term.status, h.term.body
	test.Tap(h.term.home.tiles[screenApply])
	test.Tap(h.term.kit.homeBtn)
	test.Tap(h.term.home.tiles[screenStaff])
	if h.term.sess.Screen() != screenStaff {
		t.Fatalf("on %q", h.term.sess.Screen())
	}
	if h.win.Content() != content || h.term.langBtn != lang || h.term.status != status || h.term.body != body {
		t.Fatal("the frame was made anew for a change of screen")
	}
	test.Tap(h.term.langBtn)
	if h.win.Content() == content || h.term.langBtn == lang {
		t.Fatal("the frame kept its words across a change of language")
	}
	if h.term.sess.Screen() != screenStaff || !h.showing("Back to home") {
		t.Fatalf("the screen did not follow the language: %q", h.texts())
	}
}

func TestPlaceholderLeadsHome(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	test.Tap(h.term.home.tiles[screenApply]) // no catalog: the service list is not open
	if !h.showing("办事") || !h.showing("本终端暂未开通此项服务。") {
		t.Fatalf("placeholder: %q", h.texts())
	}
	test.Tap(h.term.kit.homeBtn)
	if h.term.sess.Screen() != session.Home || !h.showing("您好，请选择您要办理的业务") {
		t.Fatalf("返回首页 did not lead home: %q", h.texts())
	}
}

func TestStatusBarShowsDevicesAndLink(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	for _, want := range []string{"终端 DEMO-0001", "网络离线 · 待上传 3 件", "身份证阅读器 正常", "凭条打印机 正常", "人脸摄像头 正常", "高拍仪 正常"} {
		if !h.showing(want) {
			t.Errorf("status bar lacks %q: %q", want, h.texts())
		}
	}
	h.reg.Report(devices.Status{Kind: devices.ReceiptPrinter, State: devices.HardwareError, Actor: devices.Technician})
	h.reg.Report(devices.Status{Kind: devices.IDCardReader, State: devices.NoDevice, Actor: devices.Technician})
	h.term.DevicesChanged()
	if !h.showing("凭条打印机 故障") || !h.showing("身份证阅读器 未连接") {
		t.Errorf("device faults not shown: %q", h.texts())
	}
	h.term.opt.Link = func() LinkStatus { return LinkStatus{Online: true, Queued: 0} }
	h.tick(time.Second)
	if !h.showing("网络在线 · 待上传 0 件") {
		t.Errorf("link change not shown: %q", h.texts())
	}
}

// TestStatusBarFoldsWorkingDevices: on a panel too narrow to name every
// device on one line, the working ones become one "设备正常" and a fault
// still shows by name; the bar stays one line.
func TestStatusBarFoldsWorkingDevices(t *testing.T) {
	h := newHarness(t, fyne.NewSize(1280, 720), "zh")
	oneLine := func() {
		t.Helper()
		bar := h.term.status.bar
		if got, want := bar.Size().Height, bar.HeightAt(1920); got > want+0.5 {
			t.Errorf("the status bar is %v high, more than one line (%v)", got, want)
		}
	}
	if !h.showing("设备正常") || h.showing("凭条打印机 正常") || !h.showing("网络离线 · 待上传 3 件") {
		t.Errorf("folded status bar: %q", h.texts())
	}
	oneLine()
	h.reg.Report(devices.Status{Kind: devices.ReceiptPrinter, State: devices.HardwareError, Actor: devices.Technician})
	h.term.DevicesChanged()
	h.win.Resize(fyne.NewSize(1280, 720))
	if !h.showing("凭条打印机 故障") || !h.showing("其他设备正常") || h.showing("身份证阅读器 正常") {
		t.Errorf("a fault among working devices: %q", h.texts())
	}
	oneLine()
	h.win.Resize(landscape)
	if !h.showing("身份证阅读器 正常") || h.showing("其他设备正常") {
		t.Errorf("at 1920 every device is named: %q", h.texts())
	}
}

// inDemoStrip reports whether o is one of the demo strip's buttons.
func (t *Terminal) inDemoStrip(o fyne.CanvasObject) bool {
	for _, b := range []*widget.Button{t.demoCard, t.demoPrint, t.demoSubmit, t.demoCapture} {
		if b != nil && o == fyne.CanvasObject(b) {
			return true
		}
	}
	return false
}

// TestTickAtRestWaitsForTheMinute: on the home screen with nothing pending
// the terminal asks for its next tick at the next minute (the clock shows
// minutes); a resident's session counts in seconds, and a change of
// screen asks for a tick at once.
func TestTickAtRestWaitsForTheMinute(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	wakes := 0
	h.term.opt.Wake = func() { wakes++ }
	h.clock.advance(12*time.Second + 300*time.Millisecond) // 09:30:12.3
	if next := h.term.Tick(h.clock.Now()); next != 47*time.Second+700*time.Millisecond {
		t.Fatalf("at rest at 09:30:12.3 the next tick is in %v, want at 09:31", next)
	}
	test.Tap(h.term.home.tiles[screenApply])
	if wakes == 0 {
		t.Fatal("leaving the home screen asked for no tick")
	}
	if next := h.term.Tick(h.clock.Now()); next != time.Second {
		t.Fatalf("in a session the next tick is in %v", next)
	}
	if h.term.AtRest() {
		t.Fatal("a resident's session counted as rest")
	}
	h.term.goHome()
	if next := h.term.Tick(h.clock.Now()); next <= time.Second || !h.term.AtRest() {
		t.Fatalf("home again, the next tick is in %v, at rest %v", next, h.term.AtRest())
	}

	// A card placed on the home screen: its notice counts in seconds.
	wakes = 0
	h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[0]})
	if wakes == 0 || h.term.AtRest() {
		t.Fatalf("a card's notice: %d wakes, at rest %v", wakes, h.term.AtRest())
	}
	if next := h.term.Tick(h.clock.Now()); next != time.Second {
		t.Fatalf("with a notice shown the next tick is in %v", next)
	}
	h.clock.advance(9 * time.Second)
	if next := h.term.Tick(h.clock.Now()); next <= time.Second || !h.term.AtRest() {
		t.Fatalf("the notice gone, the next tick is in %v, at rest %v", next, h.term.AtRest())
	}
}
