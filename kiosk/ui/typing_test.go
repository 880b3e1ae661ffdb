package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
)

// startAt opens a service's apply journey on screen and reads the sample
// card (no face camera: straight to the form).
func startAt(t *testing.T, h *harness, code string) idcard.Card {
	t.Helper()
	s, ok := h.term.opt.Catalog.Service(code)
	if !ok {
		t.Fatalf("no service %s", code)
	}
	h.term.services.startApply(s)
	card := idcard.SampleCards()[0]
	h.term.CardRead(idcard.Event{Card: card, At: h.clock.Now()})
	return card
}

func TestTypeAnAddressByPinyin(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	withOutbox(t, h)
	startAt(t, h, "HJ-002")
	test.Tap(buttonsLabelled(h, "点此输入")[0])
	if !h.showing("现居住地址") || !h.showing("按拼音字母，再点选汉字；数字直接按") {
		t.Fatalf("typing screen: %q", h.texts())
	}
	// The keys type in place: the keyboard under the finger stays the
	// very same objects, and the screen is not made anew.
	content, keyB := h.term.body.Content, button(t, h, "B")
	for _, k := range []string{"B", "E", "I"} {
		test.Tap(button(t, h, k))
	}
	if !h.showing("拼音：bei") {
		t.Fatalf("pinyin: %q", h.texts())
	}
	test.Tap(button(t, h, "北"))
	if h.term.body.Content != content || button(t, h, "B") != keyB {
		t.Fatal("typing made the keyboard anew")
	}
	for _, k := range []string{"J", "I", "N", "G"} {
		test.Tap(button(t, h, k))
	}
	test.Tap(button(t, h, "京"))
	test.Tap(button(t, h, "3"))
	for _, k := range []string{"H", "A", "O", "Q"} { // "haoq" leads nowhere: Q is refused
		test.Tap(button(t, h, k))
	}
	if !h.showing("拼音：hao") {
		t.Fatalf("after a letter that leads nowhere: %q", h.texts())
	}
	assertImage(t, "apply_typing_zh_landscape.png", h.win.Canvas())
	test.Tap(button(t, h, "号"))
	test.Tap(button(t, h, "Z"))
	test.Tap(button(t, h, "⌫")) // drops the pinyin letter first
	test.Tap(button(t, h, "⌫")) // then the last character
	if got := h.term.apply.j.Values()["current_address"]; got != "北京3" {
		t.Fatalf("typed %q", got)
	}
	if h.showing("号") {
		t.Fatal("the candidates outlived the pinyin")
	}
	test.Tap(button(t, h, "输好了"))
	if !h.showing("现居住地址 *") || button(t, h, "北京3") == nil {
		t.Fatalf("back on the form: %q", h.texts())
	}
}

func TestCertificateNumberTypedAsItIs(t *testing.T) {
	h := newHarness(t, portrait, "en")
	withCatalog(t, h)
	withOutbox(t, h)
	startAt(t, h, "HJ-004")
	// Fields to enter: the baby's name, date of birth, then the birth
	// certificate number.
	bs := buttonsLabelled(h, "Tap to enter")
	if len(bs) < 3 {
		t.Fatalf("fields to enter: %q", h.texts())
	}
	test.Tap(bs[2])
	if !h.showing("Birth certificate number") || h.showing("Type the pinyin") {
		t.Fatalf("a certificate number offered pinyin: %q", h.texts())
	}
	for _, k := range []string{"M", "1", "2", "3", "4", "5", "6", "7", "8", "9"} {
		test.Tap(button(t, h, k))
	}
	test.Tap(button(t, h, "0")) // beyond max_len 10: refused
	if got := h.term.apply.j.Values()["birth_cert_no"]; got != "M123456789" {
		t.Fatalf("typed %q", got)
	}
	if got := h.win.Canvas().Size(); got != portrait {
		t.Fatalf("the keyboard needs %v, more than the portrait screen", got)
	}
	checkLayout(t, h, false)
}

// A field the resident cannot type goes to the staff, and the form goes on.
func TestLeaveAFieldToStaffOnScreen(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	withOutbox(t, h)
	card := startAt(t, h, "HJ-002")
	test.Tap(button(t, h, "同身份证地址"))
	if button(t, h, card.Address) == nil {
		t.Fatal("the card's address was not taken")
	}
	test.Tap(buttonsLabelled(h, "请工作人员帮填")[0]) // the address's; the phone has one too
	if !h.showing("此项请工作人员协助填写") {
		t.Fatalf("left to staff: %q", h.texts())
	}
	test.Tap(button(t, h, "未变更"))
	test.Tap(button(t, h, "就业"))
	test.Tap(button(t, h, "点此输入")) // the phone, the only one left
	for _, k := range []string{"1", "3", "8", "0", "0", "1", "3", "8", "0", "0", "0"} {
		test.Tap(button(t, h, k))
	}
	test.Tap(button(t, h, "下一步"))
	// The address has not changed: no proof of it to photograph.
	if h.term.apply.j.Step() != "review" {
		t.Fatalf("the form did not go on to review: %s %q", h.term.apply.j.Step(), h.texts())
	}
}

// buttonsLabelled finds every button with the label, top to bottom.
func buttonsLabelled(h *harness, label string) []*widget.Button {
	var found []*widget.Button
	walk(h.win.Canvas().Content(), fyne.Position{}, func(o fyne.CanvasObject, _ fyne.Position) {
		if b, ok := o.(*widget.Button); ok && b.Text == label {
			found = append(found, b)
		}
	})
	return found
}

// Leaving mid-application — home from the form, or home from staff help —
// forgets the resident: nothing of theirs on screen or in the journey.
func TestLeavingWipesTheApplication(t *testing.T) {
	for _, leave := range []string{"home from the form", "home from staff help"} {
		t.Run(leave, func(t *testing.T) {
			h := newHarness(t, landscape, "zh")
			withCatalog(t, h)
			withOutbox(t, h)
			card := startAt(t, h, "HJ-002")
			j := h.term.apply.j
			test.Tap(buttonsLabelled(h, "点此输入")[0])
			for _, k := range []string{"B", "E", "I"} {
				test.Tap(button(t, h, k))
			}
			test.Tap(button(t, h, "北"))
			test.Tap(button(t, h, "输好了"))
			if leave == "home from staff help" {
				test.Tap(button(t, h, "上一步"))
				j.NoCard()
				h.term.rebuild()
				test.Tap(buttonsLabelled(h, "返回首页")[0]) // the foot's, on the staff-help step
			} else {
				test.Tap(h.term.kit.homeBtn)
			}
			if h.term.sess.Screen() != "home" || h.term.apply.j != nil {
				t.Fatalf("still applying: %s", h.term.sess.Screen())
			}
			for _, s := range h.texts() {
				for _, secret := range []string{card.Name, card.IDNumber, card.Address, "北"} {
					if strings.Contains(s, secret) && secret != "北" || s == "北" {
						t.Fatalf("%q still on screen", s)
					}
				}
			}
			if len(j.Values()) != 0 || j.LeftToStaff("current_address") {
				t.Fatalf("the journey still holds %v", j.Values())
			}
		})
	}
}
