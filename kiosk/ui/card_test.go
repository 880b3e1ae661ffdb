package ui

import (
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

func TestCardOnHomeScreen(t *testing.T) {
	cards := idcard.SampleCards()
	for _, tc := range []struct {
		name string
		ev   idcard.Event
		want string
	}{
		{"good", idcard.Event{Card: cards[0]}, "已读取您的证件，请选择要办理的业务"},
		{"expired", idcard.Event{Card: cards[2]}, "您的证件已过期，请咨询工作人员"},
		{"damaged", idcard.Event{Err: idcard.ErrDamaged}, "证件未能读取，请拿起证件后重新放置"},
		{"read failed", idcard.Event{Err: errors.New("idcard: SAM: 41 read failed")}, "证件未能读取，请拿起证件后重新放置"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, landscape, "zh")
			h.term.CardRead(tc.ev)
			if !h.showing(tc.want) {
				t.Fatalf("home does not say %q: %q", tc.want, h.texts())
			}
			if tc.ev.Card.Name != "" && h.showing(tc.ev.Card.Name) {
				t.Fatal("the resident's name is on the screen")
			}
			h.tick(7 * time.Second)
			if !h.showing(tc.want) {
				t.Fatal("notice gone before 8 s")
			}
			tile := h.term.home.tiles[screenApply]
			h.tick(time.Second)
			if h.showing(tc.want) {
				t.Fatal("notice still shown after 8 s")
			}
			// The notice goes in place: a tile pressed as it goes is the
			// tile released, so the tap lands.
			if h.term.home.tiles[screenApply] != tile {
				t.Fatal("the home screen was made anew when the notice went")
			}
		})
	}
}

func TestCardAwayFromHomeIsIgnoredHere(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	test.Tap(h.term.home.tiles[screenApply])
	h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[0]})
	if h.showing("已读取您的证件，请选择要办理的业务") {
		t.Fatal("home notice on another screen")
	}
}

func TestDemoPlaceCardButtonAndKey(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	if h.term.demoCard != nil {
		t.Fatal("place-card button without a simulated reader")
	}
	placed := 0
	h.term.opt.PlaceSampleCard = func() { placed++ }
	h.term.rebuild()
	if h.term.demoCard == nil || h.term.demoCard.Text != "放置示例证件" {
		t.Fatal("no place-card button in demo mode")
	}
	// The journey harness finds it where it is drawn.
	if tp, ok := h.term.Inspect().Find("demo.place_card"); !ok || tp.Rect.W == 0 || tp.Rect.H == 0 {
		t.Fatalf("inspection does not list the place-card button: %+v", tp)
	}
	test.Tap(h.term.demoCard)
	if placed != 1 {
		t.Fatalf("button placed %d cards", placed)
	}
}

// TestDemoStripFoldsOnAShortPanel: at 1280×720 the strip of demo actions
// starts hidden behind the 演示模式 button, which shows and hides it; at
// 1920×1080 it starts shown.
func TestDemoStripFoldsOnAShortPanel(t *testing.T) {
	short := fyne.NewSize(1280, 720)
	h := newHarness(t, short, "zh")
	withDemoActions(h, func() (string, error) { return "", nil })
	h.win.Resize(short)
	listed := func() bool {
		_, ok := h.term.Inspect().Find("demo.place_card")
		return ok
	}
	if listed() || h.showing("放置示例证件") {
		t.Fatal("the demo strip shows on a 1280x720 panel")
	}
	toggle := func() {
		t.Helper()
		tp, ok := h.term.Inspect().Find("app.demo")
		if !ok {
			t.Fatal("no 演示模式 button")
		}
		for o, name := range h.term.kit.names {
			if name == tp.ID {
				test.Tap(o.(fyne.Tappable))
				break
			}
		}
		h.win.Resize(short)
	}
	toggle()
	if !listed() || !h.showing("放置示例证件") {
		t.Fatalf("the 演示模式 button did not open the strip: %q", h.texts())
	}
	toggle()
	if listed() {
		t.Fatal("the 演示模式 button did not close the strip")
	}
	h.term.demoFold = demoAuto
	h.win.Resize(landscape)
	if !listed() {
		t.Fatal("the demo strip is folded at 1920x1080")
	}
}

func TestDemoF2PlacesCard(t *testing.T) {
	a := test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	placed := 0
	cfg := config.Demo()
	if _, err := New(a, w, Options{Config: cfg, Demo: true, PlaceSampleCard: func() { placed++ }}); err != nil {
		t.Fatal(err)
	}
	typed := w.Canvas().(interface{ OnTypedKey() func(*fyne.KeyEvent) }).OnTypedKey()
	typed(&fyne.KeyEvent{Name: fyne.KeyF1})
	typed(&fyne.KeyEvent{Name: fyne.KeyF2})
	if placed != 1 {
		t.Fatalf("F1 and F2 placed %d cards, want 1", placed)
	}
}

func TestCardNoticeRenders(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	h.term.opt.PlaceSampleCard = func() {}
	h.term.rebuild() // the demo's strip shows the new action
	h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[0]})
	assertImage(t, "home_card_read_zh_landscape.png", h.win.Canvas())
}
