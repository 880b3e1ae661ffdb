package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/maintenance"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

const techPIN = "246810"

// withMaintenance gives the terminal a maintenance mode with a PIN set,
// auditing to a real outbox; it returns the outbox.
func withMaintenance(t *testing.T, h *harness) (*outbox.Store, *int) {
	t.Helper()
	dir := t.TempDir()
	store := openOutbox(t, dir, 0)
	if err := maintenance.SetPIN(maintenance.PINPath(dir), techPIN); err != nil {
		t.Fatal(err)
	}
	s, err := maintenance.NewSession(context.Background(), maintenance.Options{DataDir: dir, TerminalID: "DEMO-0001", Outbox: store, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	h.term.opt.Maintenance = &Maintenance{Session: s, Version: "1.2.3",
		Queue:     store.Stats,
		Sync:      func() SyncReport { return SyncReport{Backend: "https://district.example:8443", Online: true} },
		SyncNow:   func() {},
		TestPage:  func() error { pages++; return nil },
		Addresses: func() []string { return []string{"192.0.2.10/24"} }}
	h.term.offUI = func(f func()) { f() }
	h.term.toUI = func(f func()) { f() }
	return store, &pages
}

// tapCorner taps the screen's top-right corner n times, a few hundred
// milliseconds apart.
func tapCorner(h *harness, n int) {
	size := h.win.Canvas().Size()
	for range n {
		test.TapCanvas(h.win.Canvas(), fyne.NewPos(size.Width-10, 10))
		h.clock.advance(300 * time.Millisecond)
	}
}

func typePIN(t *testing.T, h *harness, pin string) {
	t.Helper()
	for _, d := range pin {
		test.Tap(button(t, h, string(d)))
	}
	test.Tap(button(t, h, "进入"))
}

func TestMaintenanceGestureAndPIN(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	store, pages := withMaintenance(t, h)

	tapCorner(h, 4)
	h.clock.advance(4 * time.Second) // too slow: the run starts again
	tapCorner(h, 1)
	if h.term.sess.Screen() == screenPIN {
		t.Fatal("five taps over seven seconds opened the PIN pad")
	}
	tapCorner(h, 4)
	test.Tap(h.term.home.tiles[screenQuery]) // a tap elsewhere ends the run
	h.term.goHome()
	tapCorner(h, 1)
	if h.term.sess.Screen() == screenPIN {
		t.Fatal("taps broken by a tap elsewhere opened the PIN pad")
	}
	tapCorner(h, 5)
	if h.term.sess.Screen() != screenPIN || !h.showing("技术维护：请输入维护 PIN") {
		t.Fatalf("after the gesture: %s %q", h.term.sess.Screen(), h.texts())
	}
	typePIN(t, h, "135799")
	if !h.showing("PIN 不正确，还可尝试 4 次") {
		t.Fatalf("wrong PIN: %q", h.texts())
	}
	typePIN(t, h, techPIN)
	if h.term.sess.Screen() != screenMaintenance || !h.showing("暂停服务 · 技术维护中") {
		t.Fatalf("right PIN: %s %q", h.term.sess.Screen(), h.texts())
	}
	for _, want := range []string{"身份证阅读器：正常", "https://district.example:8443  在线", "192.0.2.10/24", "版本 1.2.3"} {
		if !h.showing(want) {
			t.Errorf("the maintenance screen lacks %q: %q", want, h.texts())
		}
	}
	checkLayout(t, h, false)
	assertImage(t, "maintenance_zh_landscape.png", h.win.Canvas())
	test.Tap(button(t, h, "打印测试页"))
	if *pages != 1 || !h.showing("测试页已打印") {
		t.Fatalf("test page: %d %q", *pages, h.texts())
	}

	// Out of service: the idle timeout does not bring residents back.
	test.Tap(button(t, h, "显示暂停服务"))
	h.tick(time.Hour)
	if h.term.sess.Screen() != screenOutOfService || !h.showing("暂停服务") || !h.showing("Out of service") {
		t.Fatalf("out of service: %s %q", h.term.sess.Screen(), h.texts())
	}
	assertImage(t, "out_of_service_zh_landscape.png", h.win.Canvas())
	// Pausing ended the technician's session: the gesture asks for the
	// PIN again, and going back from the PIN pad stays paused.
	if h.term.maint.active() {
		t.Fatal("maintenance still active behind the paused screen")
	}
	tapCorner(h, 5)
	if h.term.sess.Screen() != screenPIN {
		t.Fatalf("the gesture on the paused screen: %s, want the PIN pad", h.term.sess.Screen())
	}
	test.Tap(h.term.kit.homeBtn)
	if h.term.sess.Screen() != screenOutOfService {
		t.Fatalf("back from the PIN pad of a paused terminal: %s", h.term.sess.Screen())
	}
	tapCorner(h, 5) // the technician comes back
	typePIN(t, h, techPIN)
	if h.term.sess.Screen() != screenMaintenance {
		t.Fatalf("back from out of service: %s", h.term.sess.Screen())
	}
	test.Tap(button(t, h, "退出维护，恢复服务"))
	if h.term.sess.Screen() != "home" || h.term.maint.active() {
		t.Fatal("still in maintenance")
	}

	// Every step is audited: the failure, the entry, the action, the
	// pause and the exit it makes, the second entry, the resumption and
	// the exit.
	var events int
	store.All(func(r outbox.Record) bool {
		if r.Kind == outbox.Event {
			events++
		}
		return true
	})
	if events != 8 {
		t.Fatalf("%d audit records, want 8", events)
	}
}

func TestMaintenanceLockout(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withMaintenance(t, h)
	tapCorner(h, 5)
	for range 5 {
		typePIN(t, h, "135799")
	}
	if !h.showing("输错次数过多，已锁定") {
		t.Fatalf("after five wrong PINs: %q", h.texts())
	}
	typePIN(t, h, techPIN) // locked: even the right PIN waits
	if h.term.maint.active() {
		t.Fatal("entered while locked")
	}
	h.clock.advance(15 * time.Minute)
	typePIN(t, h, techPIN)
	if !h.term.maint.active() {
		t.Fatalf("not entered after the lockout: %q", h.texts())
	}
}

// A technician who walks away leaves the terminal in service again.
func TestMaintenanceIdleReturnsToService(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withMaintenance(t, h)
	tapCorner(h, 5)
	typePIN(t, h, techPIN)
	if !h.term.maint.active() {
		t.Fatal("not entered")
	}
	h.tick(6 * h.term.opt.Config.Idle.Timeout.Duration)
	h.tick(h.term.opt.Config.Idle.Countdown.Duration + time.Second)
	if h.term.maint.active() || h.term.sess.Screen() != "home" {
		t.Fatalf("still in maintenance after the idle timeout: %s", h.term.sess.Screen())
	}
	for _, s := range h.texts() {
		if strings.Contains(s, "维护") {
			t.Fatalf("%q on the residents' home screen", s)
		}
	}
}

// The device tests say whether a device works, never what it read or saw.
func TestMaintenanceDeviceTests(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCameras(t, h)
	store, _ := withMaintenance(t, h)
	tapCorner(h, 5)
	typePIN(t, h, techPIN)
	card := idcard.SampleCards()[0]
	h.term.CardRead(idcard.Event{Card: card, At: h.clock.Now()})
	if !h.showing("读卡正常") {
		t.Fatalf("card test: %q", h.texts())
	}
	h.term.CardRead(idcard.Event{Err: errors.New("checksum")})
	if !h.showing("读卡失败") {
		t.Fatalf("card test, failed read: %q", h.texts())
	}
	waitLights(t, h, false, false)
	test.Tap(button(t, h, "测试摄像头"))
	if !h.showing("高拍仪：") || !h.showing("后出画面 MJPG 640x480") {
		t.Fatalf("camera test: %q", h.texts())
	}
	waitLights(t, h, false, false) // streamed for the test only
	for _, s := range h.texts() {
		for _, secret := range []string{card.Name, card.IDNumber, card.Address} {
			if strings.Contains(s, secret) {
				t.Fatalf("%q on the maintenance screen", s)
			}
		}
	}
	var actions []string
	store.All(func(r outbox.Record) bool {
		actions = append(actions, string(r.Kind))
		return true
	})
	if len(actions) < 4 { // entry, two card tests, a camera test
		t.Fatalf("audited %v", actions)
	}
}

// TestPINCheckShowsProgress: the PIN is checked off Fyne's goroutine and
// takes seconds on purpose; the pad says so at once rather than freeze.
func TestPINCheckShowsProgress(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withMaintenance(t, h)
	var pending []func()
	h.term.offUI = func(f func()) { pending = append(pending, f) }
	tapCorner(h, 5)
	typePIN(t, h, techPIN)
	if len(pending) != 1 || !h.showing("正在核对密码") {
		t.Fatalf("while the PIN is checked: %d pending, %q", len(pending), h.texts())
	}
	pending[0]()
	if h.term.sess.Screen() != screenMaintenance {
		t.Fatalf("after the check: %s", h.term.sess.Screen())
	}
}

// TestSyncNowSaysWhatHappened: "sync now" waits for the round it asked
// for and says how it went; a round that never comes is said too.
func TestSyncNowSaysWhatHappened(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withMaintenance(t, h)
	report := SyncReport{Backend: "https://district.example:8443", Online: true, LastAttempt: h.clock.Now().Add(-time.Minute)}
	rounds := 0
	m := h.term.opt.Maintenance
	m.Sync = func() SyncReport { return report }
	m.SyncNow = func() { rounds++ }
	tapCorner(h, 5)
	typePIN(t, h, techPIN)

	test.Tap(button(t, h, "立即同步"))
	if rounds != 1 || !h.showing("正在与政务服务中心同步") {
		t.Fatalf("after asking: %d rounds, %q", rounds, h.texts())
	}
	report.LastAttempt = h.clock.Now().Add(time.Second) // the round ran, and the district answered
	h.tick(time.Second)
	if !h.showing("同步完成") {
		t.Fatalf("after the round: %q", h.texts())
	}

	report.Online, report.LastError = false, "dial tcp: connection refused"
	test.Tap(button(t, h, "立即同步"))
	report.LastAttempt = h.clock.Now().Add(time.Second)
	h.tick(time.Second)
	if !h.showing("同步未成功：dial tcp: connection refused") {
		t.Fatalf("after a failed round: %q", h.texts())
	}

	test.Tap(button(t, h, "立即同步")) // and no round at all
	h.tick(syncWait)
	if !h.showing("20 秒内没有完成同步") {
		t.Fatalf("with no round: %q", h.texts())
	}
}
