package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

type screenDocs struct{}

func (screenDocs) Document(ctx context.Context, req protocol.DocumentRequest) (protocol.Document, error) {
	return protocol.Document{ID: req.ID, Title: "户籍证明", Pages: 1, PDF: []byte("%PDF-1.7")}, nil
}

// screenA4 prints at once, or — waiting — says it started and waits for
// its context: the resident left.
type screenA4 struct {
	waiting   chan struct{} // closed when a waiting print starts
	done      chan struct{} // closed when it ends
	printed   int
	cancelled bool
}

func (a *screenA4) Print(ctx context.Context, job a4printer.Job, f a4printer.Follow) error {
	if a.waiting != nil {
		close(a.waiting)
		defer close(a.done)
		<-ctx.Done()
		a.cancelled = true
		return &a4printer.JobError{Cancelled: true}
	}
	a.printed++
	return nil
}

// certificateReview takes 户籍证明开具 to its review on a terminal whose A4
// printer is online and whose faces match.
func certificateReview(t *testing.T, a4 *screenA4, online bool) (*harness, *uiQueue) {
	h, q, _ := cameraRig(t, landscape)
	h.term.offUI = func(f func()) { f() }
	deps := h.term.opt.ApplyDeps
	deps.Matcher, deps.Documents, deps.A4 = matched{}, screenDocs{}, a4
	h.term.opt.Config.A4Printer.Device = "cups:a4"
	h.reg.Report(devices.Status{Kind: devices.A4Printer, State: devices.Online})
	h.term.opt.Link = func() LinkStatus { return LinkStatus{Online: online} }
	h.term.rebuild()
	test.Tap(h.term.home.tiles[screenApply])
	test.Tap(button(t, h, "户籍证明开具 · 当场办好"))
	test.Tap(button(t, h, "开始办理"))
	h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[0], At: h.clock.Now()})
	agreeAndUseFacePhoto(t, h, q)
	j := h.term.apply.j
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.Set("purpose", "school"))
	must(j.Set("copies", "1"))
	h.term.refresh()
	test.Tap(button(t, h, "下一步"))
	if !h.showing("请核对您的申请") {
		t.Fatalf("review: %q", h.texts())
	}
	return h, q
}

// Online, the printer ready, the face matched: the review offers to print,
// and the certificate prints.
func TestCertificateOnScreen(t *testing.T) {
	a4 := &screenA4{}
	h, q := certificateReview(t, a4, true)
	if !h.showing("核对无误后") {
		t.Fatalf("the review does not say what printing does: %q", h.texts())
	}
	test.Tap(button(t, h, "打印证明"))
	q.run()
	if a4.printed != 1 || !h.showing("证明已打印") || !h.showing("共 1 份") {
		t.Fatalf("printed %d: %q", a4.printed, h.texts())
	}
	checkLayout(t, h, false)
}

// Offline, the review says why it cannot print here, and offers to leave
// the application instead.
func TestCertificateOffline(t *testing.T) {
	h, q := certificateReview(t, &screenA4{}, false)
	if !h.showing("网络暂时不通") || len(buttonsLabelled(h, "打印证明")) != 0 {
		t.Fatalf("offline review: %q", h.texts())
	}
	test.Tap(button(t, h, "留下申请，取凭条"))
	q.run()
	if !h.showing("申请已提交") {
		t.Fatalf("the application left: %q", h.texts())
	}
}

// A resident who leaves while the certificate prints has it cancelled.
func TestLeavingCancelsThePrint(t *testing.T) {
	a4 := &screenA4{waiting: make(chan struct{}), done: make(chan struct{})}
	h, q := certificateReview(t, a4, true)
	var later func()
	h.term.offUI = func(f func()) { later = f }
	test.Tap(button(t, h, "打印证明"))
	if !h.showing("正在开具证明") {
		t.Fatalf("issuing: %q", h.texts())
	}
	go later() // the issue runs off the screen's goroutine
	<-a4.waiting
	test.Tap(h.term.kit.homeBtn)
	<-a4.done
	q.drain()
	if !a4.cancelled || a4.printed != 0 {
		t.Fatalf("cancelled %v, printed %d", a4.cancelled, a4.printed)
	}
}
