package ui

import (
	"errors"
	"fmt"
	"image"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// withDemoActions gives the harness every demo action, as -demo does.
func withDemoActions(h *harness, submit func() (string, error)) {
	h.term.opt.PlaceSampleCard = func() {}
	h.term.opt.PrintSample = func() (image.Image, error) { return image.NewGray(image.Rect(0, 0, 8, 8)), nil }
	h.term.opt.SubmitSample = submit
	h.term.offUI = func(f func()) { f() } // no other goroutine touches the window
	h.term.rebuild()
}

// waitFor runs Fyne's queued calls until cond holds or a few seconds pass.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDemoSubmitShowsTheReceiptNumber(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	calls := 0
	withDemoActions(h, func() (string, error) { calls++; return "DEMO-0001-000007", nil })
	if h.term.demoSubmit == nil || h.term.demoSubmit.Text != "提交示例申请" {
		t.Fatal("no submit button in demo mode")
	}
	test.Tap(h.term.demoSubmit)
	waitFor(t, func() bool { return h.showing("DEMO-0001-000007") })
	if calls != 1 {
		t.Fatalf("submitted %d times", calls)
	}
	assertImage(t, "home_demo_submitted_zh_portrait.png", h.win.Canvas())
	// F4 does the same; a failure says so calmly.
	h.term.opt.SubmitSample = func() (string, error) { return "", errors.New("outbox full") }
	h.win.Canvas().(test.WindowlessCanvas).OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyF4})
	waitFor(t, func() bool { return h.showing("示例申请未能保存") })
	// The notice goes after its time.
	h.tick(11 * time.Second)
	if h.showing("示例申请未能保存") {
		t.Fatal("the notice stayed")
	}
}

func TestDemoHeaderFits(t *testing.T) {
	layoutOnly(t)
	for _, size := range []fyne.Size{landscape, portrait} {
		for _, lang := range []string{"zh", "en"} {
			for _, elderly := range []bool{false, true} {
				t.Run(fmt.Sprintf("%vx%v/%s/elderly=%v", size.Width, size.Height, lang, elderly), func(t *testing.T) {
					h := newHarness(t, size, lang)
					withDemoActions(h, func() (string, error) { return "R", nil })
					if elderly {
						test.Tap(h.term.home.tiles[""])
					}
					h.win.Resize(size)
					checkLayout(t, h, elderly)
				})
			}
		}
	}
}
