package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
)

// BenchmarkSwitchLanguage measures what a resident waits for after tapping
// 中文/English: the whole window rebuilt in the other language and laid out.
func BenchmarkSwitchLanguage(b *testing.B) {
	h := newHarness(b, landscape, "zh")
	for b.Loop() {
		test.Tap(h.term.langBtn)
		h.win.Canvas().Content().Refresh()
	}
}

// BenchmarkTick measures the once-a-second work: clock, link status and the
// idle rules, on a screen in use.
func BenchmarkTick(b *testing.B) {
	h := newHarness(b, landscape, "zh")
	test.Tap(h.term.home.tiles[screenApply])
	now := h.clock.Now()
	for b.Loop() {
		now = now.Add(time.Millisecond) // stays far from the idle timeout
		h.term.Tick(now)
	}
}

// BenchmarkRenderHome measures drawing the home screen in software, as the
// screen tests do (the terminal draws with OpenGL).
func BenchmarkRenderHome(b *testing.B) {
	h := newHarness(b, landscape, "zh")
	for b.Loop() {
		h.win.Canvas().Capture()
	}
}

// BenchmarkTypeAKey measures a key of the pinyin keyboard: a letter and
// ⌫ in turn, each changing the value, the pinyin and the characters to
// pick in place.
func BenchmarkTypeAKey(b *testing.B) {
	h := newHarness(b, landscape, "zh")
	withCatalog(b, h)
	withOutbox(b, h)
	s, _ := h.term.opt.Catalog.Service("HJ-002")
	h.term.services.startApply(s)
	h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[0], At: h.clock.Now()})
	h.term.apply.editing = "current_address"
	h.term.refresh()
	keyB, back := namedButton(b, h, "key:B"), namedButton(b, h, "key:"+keyBackspace)
	for b.Loop() {
		test.Tap(keyB)
		test.Tap(back)
	}
}

// BenchmarkChangeScreen measures a change of screen: the body between the
// header and the status bar made anew (here the staff screen and back
// home), the frame kept.
func BenchmarkChangeScreen(b *testing.B) {
	h := newHarness(b, landscape, "zh")
	for b.Loop() {
		h.term.show(screenStaff)
		h.term.show(session.Home)
	}
}

// namedButton finds the button Inspect names name.
func namedButton(tb testing.TB, h *harness, name string) *widget.Button {
	tb.Helper()
	for o, n := range h.term.kit.names {
		if b, ok := o.(*widget.Button); ok && n == name {
			return b
		}
	}
	tb.Fatalf("no button named %s", name)
	return nil
}
