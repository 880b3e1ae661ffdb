package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
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
