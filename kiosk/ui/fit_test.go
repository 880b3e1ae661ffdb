package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
)

// panels are the screens the terminal is made for (docs/journeys.md).
var panels = []fyne.Size{
	{Width: 1920, Height: 1080}, {Width: 1080, Height: 1920},
	{Width: 1280, Height: 1024}, {Width: 1366, Height: 768}, {Width: 1280, Height: 720},
}

// TestEveryScreenFitsEveryPanel lays out the screens of an application —
// the longest a resident meets — and the home screen's neighbours on every
// supported panel, in both modes, and checks that none is taller or wider
// than the room between the header and the status bar. The journey harness
// proves the same on the running binary; this finds it in a second.
func TestEveryScreenFitsEveryPanel(t *testing.T) {
	layoutOnly(t)
	steps := []struct {
		name  string
		reach func(t *testing.T, h *harness)
	}{
		{"home", func(t *testing.T, h *harness) {}},
		{"services", func(t *testing.T, h *harness) { test.Tap(h.term.home.tiles[screenApply]) }},
		{"search", func(t *testing.T, h *harness) {
			test.Tap(h.term.home.tiles[screenApply])
			h.term.services.keypad = true
			h.term.rebuild()
		}},
		{"form", func(t *testing.T, h *harness) { startAt(t, h, "YB-002") }},
		{"typing", func(t *testing.T, h *harness) {
			startAt(t, h, "YB-002")
			h.term.apply.editing = "place"
			h.term.rebuild()
		}},
		{"typing_candidates", func(t *testing.T, h *harness) {
			startAt(t, h, "YB-002")
			h.term.apply.editing = "place"
			h.term.rebuild()
			for _, k := range []string{"B", "E", "I"} {
				test.Tap(button(t, h, k))
			}
		}},
		{"digits", func(t *testing.T, h *harness) {
			startAt(t, h, "YB-002")
			h.term.apply.editing = "phone"
			h.term.rebuild()
		}},
		{"staff", func(t *testing.T, h *harness) { test.Tap(h.term.home.tiles[screenStaff]) }},
		{"query", func(t *testing.T, h *harness) { test.Tap(h.term.home.tiles[screenQuery]) }},
		{"complain", func(t *testing.T, h *harness) { test.Tap(h.term.home.tiles[screenComplain]) }},
	}
	for _, size := range panels {
		for _, elderly := range []bool{false, true} {
			h := newHarness(t, size, "zh")
			withCatalog(t, h)
			withOutbox(t, h)
			// The demo's strip of actions under the header, as the journey
			// harness meets it: a real terminal has more room.
			withDemoActions(h, func() (string, error) { return "", nil })
			if elderly {
				test.Tap(h.term.home.tiles[""])
			}
			for _, st := range steps {
				name := fmt.Sprintf("%vx%v/elderly=%v/%s", size.Width, size.Height, elderly, st.name)
				t.Run(name, func(t *testing.T) {
					h.t = t
					h.term.goHome()
					st.reach(t, h)
					h.win.Resize(size)
					if h.term.sess.Screen() == session.Home && st.name != "home" {
						t.Fatalf("still home: %q", h.texts())
					}
					snap := h.term.Inspect()
					if o := snap.Overflow; o.W > 0 || o.H > 0 {
						t.Errorf("does not fit: %v px too wide, %v px too tall", o.W, o.H)
					}
					// The technician's corner takes the taps on it: nothing
					// a resident taps may lie under it.
					corner, _ := snap.Find("corner")
					for _, tp := range snap.Tappables {
						if tp.ID != "corner" && !tp.Hidden && overlap(tp.Rect, corner.Rect) {
							t.Errorf("%s at %+v lies under the technician's corner %+v", tp.ID, tp.Rect, corner.Rect)
						}
					}
				})
			}
		}
	}
}

func overlap(a, b inspect.Rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}
