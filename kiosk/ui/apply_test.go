package ui

import (
	"context"
	"image"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// cameraRig is a terminal with the catalog, an outbox and both cameras
// simulated, its applications photographing faces and materials.
func cameraRig(t *testing.T, size fyne.Size) (*harness, *uiQueue, *outbox.Store) {
	h := newHarness(t, size, "zh")
	q := withCameras(t, h)
	withCatalog(t, h)
	store := withOutbox(t, h)
	h.term.opt.ApplyDeps.FaceCamera = h.term.opt.Cameras.Face
	h.term.opt.ApplyDeps.DocCamera = h.term.opt.Cameras.Document
	return h, q, store
}

func TestApplyJourneyOnScreen(t *testing.T) {
	h, q, store := cameraRig(t, landscape)
	h.term.offUI = func(f func()) { f() }

	test.Tap(h.term.home.tiles[screenApply])
	test.Tap(button(t, h, "养老金领取资格认证 · 当场办好"))
	test.Tap(button(t, h, "开始办理"))
	if !h.showing("请放置身份证") {
		t.Fatalf("card step: %q", h.texts())
	}
	card := idcard.SampleCards()[0]
	h.term.CardRead(idcard.Event{Card: card, At: h.clock.Now()})
	if !h.showing("拍摄人脸照片前，请您知悉") {
		t.Fatalf("after the card: %q", h.texts())
	}
	agreeAndUseFacePhoto(t, h, q)
	if !h.showing(card.Name) || !h.showing("（来自身份证）") {
		t.Fatalf("form: %q", h.texts())
	}
	// The identity number is masked on the form and on the review: the
	// screen is seen from behind too.
	masked := idcard.MaskNumber(card.IDNumber)
	if h.showing(card.IDNumber) || !h.showing(masked) {
		t.Fatalf("form shows the identity number unmasked or not at all: %q", h.texts())
	}
	test.Tap(button(t, h, "下一步"))
	if !h.showing("请填写此项") {
		t.Fatalf("an incomplete form went on: %q", h.texts())
	}
	test.Tap(button(t, h, "城乡居民基本养老保险"))
	test.Tap(button(t, h, "下一步"))
	if !h.showing("请核对您的申请") {
		t.Fatalf("review: %q", h.texts())
	}
	if h.showing(card.IDNumber) || !h.showing(masked) {
		t.Fatalf("review shows the identity number unmasked or not at all: %q", h.texts())
	}
	test.Tap(button(t, h, "提交申请"))
	q.run()
	if !h.showing("申请已提交") || !h.showing("回执号：DEMO-0001-261127-093000") {
		t.Fatalf("receipt: %q", h.texts())
	}
	assertImage(t, "apply_receipt_zh_landscape.png", h.win.Canvas())
	test.Tap(button(t, h, "评价本次服务"))
	// The five levels are drawn alike: nothing nudges towards 满意.
	for _, level := range []string{"非常满意", "满意", "基本满意", "不满意", "非常不满意"} {
		if b := button(t, h, level); b.Importance != widget.MediumImportance {
			t.Errorf("%s is drawn with importance %v, the others' differ", level, b.Importance)
		}
	}
	test.Tap(button(t, h, "不满意"))
	test.Tap(button(t, h, "等候时间长"))
	for _, k := range []string{"1", "2", "3"} {
		test.Tap(button(t, h, k))
	}
	test.Tap(button(t, h, "提交评价"))
	if !h.showing("请输入11位手机号码，或选择不用回访") {
		t.Fatalf("a short call-back number went: %q", h.texts())
	}
	for range 3 {
		test.Tap(button(t, h, "⌫"))
	}
	for _, k := range strings.Split("13900139000", "") {
		test.Tap(button(t, h, k))
	}
	test.Tap(button(t, h, "提交评价"))
	q.run() // the rating is saved off Fyne's goroutine, then the journey ends
	if h.term.sess.Screen() != "home" || !h.showing("感谢您的办理与评价") {
		t.Fatalf("after rating: %q", h.texts())
	}
	var kinds []outbox.Kind
	store.All(func(r outbox.Record) bool { kinds = append(kinds, r.Kind); return true })
	if len(kinds) != 2 || kinds[0] != outbox.Application || kinds[1] != outbox.Rating {
		t.Fatalf("records %v", kinds)
	}
	// Nothing of the resident is left on the screen or in the terminal.
	if h.term.apply.j != nil || h.showing(card.Name) {
		t.Fatal("the journey outlived its end")
	}
}

// The idle timeout in the middle of an application forgets the resident:
// no text on screen, no flow, no photo holds anything of theirs.
func TestIdleWipesAnApplication(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	q := withCameras(t, h)
	withCatalog(t, h)
	withOutbox(t, h)
	h.term.opt.ApplyDeps.FaceCamera = h.term.opt.Cameras.Face
	test.Tap(h.term.home.tiles[""]) // elderly mode
	test.Tap(h.term.home.tiles[screenApply])
	test.Tap(button(t, h, "养老金领取资格认证 · 当场办好"))
	test.Tap(button(t, h, "开始办理"))
	card := idcard.SampleCards()[0]
	h.term.CardRead(idcard.Event{Card: card})
	agreeAndUseFacePhoto(t, h, q)
	if !h.showing(card.Name) {
		t.Fatalf("form: %q", h.texts())
	}
	if got := h.win.Canvas().Size(); got != portrait {
		t.Fatalf("the form needs %v, more than the portrait screen", got)
	}
	checkLayout(t, h, true)
	assertImage(t, "apply_form_elderly_portrait.png", h.win.Canvas())
	face := h.term.apply.j.FaceFlow().Photo()
	timing := h.term.opt.Config.Idle
	// The form is patient (typing takes time), but not for ever.
	patient := time.Duration(journey.Form.Patience()) * timing.ElderlyTimeout.Duration
	h.tick(patient - time.Second)
	if h.term.apply.j == nil {
		t.Fatal("the form timed out before its own patience ran out")
	}
	// While the terminal asks "are you still there?", nothing of the
	// resident shows behind the question: the countdown covers the whole
	// screen with an opaque backdrop.
	h.tick(2 * time.Second)
	if !h.term.countdown.root.Visible() {
		t.Fatal("no countdown after the form's patience")
	}
	scrim := h.term.countdown.root.Objects[0].(*canvas.Rectangle)
	if _, _, _, a := scrim.FillColor.RGBA(); a != 0xffff || scrim.Size() != h.win.Canvas().Size() {
		t.Fatalf("the countdown's backdrop lets the form show through: alpha %#x, size %v", a, scrim.Size())
	}
	h.tick(timing.Countdown.Duration)
	h.tick(time.Second)
	for _, s := range h.texts() {
		for _, secret := range []string{card.Name, card.IDNumber, card.Address} {
			if strings.Contains(s, secret) {
				t.Fatalf("%q still on screen after the idle timeout", s)
			}
		}
	}
	if h.term.apply.j != nil || h.term.capture.face != nil || h.term.capture.preview != nil {
		t.Fatal("the journey outlived the session")
	}
	if len(face) > 0 && face[0] != 0 {
		t.Fatal("the face photo's bytes were not wiped")
	}
}

// matched is a face matcher that finds every face matches the card.
type matched struct{}

func (matched) Compare(context.Context, []byte, image.Image) facematch.Result {
	return facematch.Result{Verdict: facematch.Matched, Score: 0.95}
}

// TestReceiptWordsAreTrue: the receipt step says 当场办好 only once the
// district has the application (and the face matched), and "sent when
// online" only while offline.
func TestReceiptWordsAreTrue(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	q := withCameras(t, h)
	withCatalog(t, h)
	store := withOutbox(t, h)
	h.term.opt.ApplyDeps.FaceCamera = h.term.opt.Cameras.Face
	h.term.opt.ApplyDeps.Matcher = matched{}
	online(h, store, false)

	test.Tap(h.term.home.tiles[screenApply])
	test.Tap(button(t, h, "养老金领取资格认证 · 当场办好"))
	test.Tap(button(t, h, "开始办理"))
	h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[0], At: h.clock.Now()})
	agreeAndUseFacePhoto(t, h, q)
	test.Tap(button(t, h, "城乡居民基本养老保险"))
	test.Tap(button(t, h, "下一步"))
	test.Tap(button(t, h, "提交申请"))
	q.run()
	if !h.showing("申请已加密保存，联网后自动发送") || h.showing("当场办好") || !h.showing("送达政务服务中心后办理") {
		t.Fatalf("offline receipt: %q", h.texts())
	}
	online(h, store, true)
	h.term.rebuild()
	if !h.showing("正在发送给政务服务中心") || h.showing("联网后自动发送") {
		t.Fatalf("online, not yet delivered: %q", h.texts())
	}
	acknowledgeAll(t, store)
	h.tick(time.Second)
	if !h.showing("申请已送达政务服务中心") || !h.showing("办好时间：当场办好") {
		t.Fatalf("delivered: %q", h.texts())
	}
}

// TestCallBackOffersTheFormsNumber: a resident who gave a mobile number on
// the form is offered it, masked, for the call back about a bad rating,
// instead of typing it again; wiping the session forgets it.
func TestCallBackOffersTheFormsNumber(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	withOutbox(t, h)
	startAt(t, h, "SB-001")
	j := h.term.apply.j
	j.Set("pension_type", "resident")
	j.Set("phone", "13800138000")
	test.Tap(button(t, h, "下一步"))
	test.Tap(button(t, h, "提交申请"))
	test.Tap(button(t, h, "评价本次服务"))
	test.Tap(button(t, h, "不满意"))
	test.Tap(button(t, h, "等候时间长"))
	if h.showing("13800138000") {
		t.Fatalf("the number shows unmasked before it is chosen: %q", h.texts())
	}
	test.Tap(button(t, h, "用刚才填写的号码 138****8000"))
	if h.term.apply.bad.phone != "13800138000" || !h.showing("138****8000") || h.showing("13800138000") {
		t.Fatalf("the form's number was not taken, masked: %q", h.texts())
	}
	// Typed by hand, it shows whole, to be checked digit by digit.
	test.Tap(button(t, h, "⌫"))
	test.Tap(button(t, h, "1"))
	if h.term.apply.bad.phone != "13800138001" || !h.showing("13800138001") {
		t.Fatalf("a typed number: %q", h.texts())
	}
	h.term.goHome()
	if h.term.apply.bad.known != "" {
		t.Fatal("the form's number outlived the session")
	}
}
