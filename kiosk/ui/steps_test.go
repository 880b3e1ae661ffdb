package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
)

// TestApplyStepsRender renders every step of an application — the guide,
// the card, consent, the form, typing, a material without a document
// camera, review, the receipt, the rating with its reason and call back, and staff help —
// in Chinese, in English, and in elderly mode on a portrait screen, and
// checks each fits its screen. The live camera steps are left out: their
// picture moves (capture_test.go checks them).
func TestApplyStepsRender(t *testing.T) {
	for _, v := range []struct {
		name      string
		lang      string
		size      fyne.Size
		elderly   bool
		community string // the delivery choice's label
	}{
		{"zh_landscape", "zh", landscape, false, "到社区服务站领取"},
		{"en_landscape", "en", landscape, false, "Collect at the community station"},
		{"elderly_portrait", "zh", portrait, true, "到社区服务站领取"},
	} {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, v.size, v.lang)
			q := withCameras(t, h)
			withCatalog(t, h)
			withOutbox(t, h)
			h.term.opt.ApplyDeps.FaceCamera = h.term.opt.Cameras.Face
			if v.elderly {
				test.Tap(h.term.home.tiles[""])
			}
			step := func(name string) {
				t.Helper()
				q.drain()
				if got := h.win.Canvas().Size(); got != v.size {
					t.Fatalf("%s needs %v, more than the screen", name, got)
				}
				checkLayout(t, h, v.elderly)
				assertImage(t, "steps/"+name+"_"+v.name+".png", h.win.Canvas())
			}
			s, _ := h.term.opt.Catalog.Service("MZ-001")
			h.term.services.service = s
			h.term.show(screenGuide)
			step("1_guide")
			test.Tap(button(t, h, T("guide.start")))
			step("2_card")
			h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[1], At: h.clock.Now()})
			step("3_consent")
			test.Tap(button(t, h, T("capture.decline")))
			test.Tap(button(t, h, v.community))
			step("4_form")
			test.Tap(buttonsLabelled(h, T("apply.tap_to_enter"))[0])
			for _, k := range []string{"B", "E", "I"} {
				test.Tap(button(t, h, k))
			}
			step("5_typing")
			test.Tap(button(t, h, "北"))
			test.Tap(button(t, h, T("apply.done_typing")))
			test.Tap(buttonsLabelled(h, T("apply.tap_to_enter"))[0]) // the phone
			for _, k := range strings.Split("13800138000", "") {
				test.Tap(button(t, h, k))
			}
			h.term.opt.ApplyDeps.DocCamera = nil
			test.Tap(button(t, h, T("apply.next")))
			step("6_material_no_camera")
			test.Tap(button(t, h, T("apply.next")))
			step("7_review")
			test.Tap(button(t, h, T("apply.submit")))
			step("8_receipt")
			test.Tap(button(t, h, T("apply.rate_it")))
			step("9_rating")
			test.Tap(button(t, h, T("rating.2")))
			step("10_rating_reason")
			test.Tap(button(t, h, T("rating.reason.waiting")))
			step("11_call_back")
			test.Tap(button(t, h, T("rating.no_call_back")))
			q.drain() // the rating is saved off Fyne's goroutine
			// A finished journey ends the session: the site's language
			// and standard mode again for whoever comes next.
			if h.term.sess.Elderly() || h.term.sess.Lang() != h.term.opt.Config.Language {
				t.Fatalf("after the journey: elderly %v, language %s", h.term.sess.Elderly(), h.term.sess.Lang())
			}
			if v.lang != h.term.opt.Config.Language {
				test.Tap(h.term.langBtn)
			}
			if v.elderly {
				test.Tap(h.term.home.tiles[""])
			}

			h.term.services.service = s
			h.term.show(screenGuide)
			test.Tap(button(t, h, T("guide.start")))
			test.Tap(button(t, h, T("apply.no_card_button")))
			step("12_staff_help")
		})
	}
}
