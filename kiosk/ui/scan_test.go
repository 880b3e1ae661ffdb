package ui

import (
	"context"
	"errors"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

const scannedReceipt = "DEMO-0001-261127-093000"

// withScanner gives the terminal a working code scanner whose scans look
// up to what lookup says, and counts the look-ups.
func withScanner(h *harness, lookup func(scanned string) (journey.Progress, error)) *int {
	n := new(int)
	h.term.opt.Config.Scanner.Device = "serial:/dev/ttyS9"
	h.term.opt.LookUpReceipt = func(_ context.Context, scanned string) (journey.Progress, error) {
		*n++
		return lookup(scanned)
	}
	h.reg.Report(devices.Status{Kind: devices.CodeScanner, State: devices.Online})
	h.term.rebuild()
	return n
}

func processing(string) (journey.Progress, error) {
	return journey.Progress{Receipt: scannedReceipt, Service: "SB-001", State: "processing", Message: "材料审核中",
		Submitted: time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))}, nil
}

// A receipt's QR code held to the scanner on the home screen opens that
// application's status, without the card, and nothing of anyone else's.
func TestScanAReceiptFromHome(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	h.term.offUI = func(f func()) { f() }
	looked := withScanner(h, processing)
	if !h.showing("扫码器 正常") {
		t.Fatalf("the status bar does not show the scanner: %q", h.texts())
	}
	h.term.CodeScanned("YZ1.whatever")
	if h.term.sess.Screen() != screenQuery || *looked != 1 {
		t.Fatalf("after a scan at home: screen %s, %d look-ups", h.term.sess.Screen(), *looked)
	}
	for _, want := range []string{"办理进度：办理中 · 材料审核中", "养老金领取资格认证", scannedReceipt, "办理中 · 材料审核中", "还有别的凭条可以接着扫"} {
		if !h.showing(want) {
			t.Errorf("not showing %q: %q", want, h.texts())
		}
	}
	checkLayout(t, h, false)
	// Leaving forgets it.
	test.Tap(h.term.kit.homeBtn)
	if h.term.query.scanned != nil {
		t.Fatal("the scanned receipt outlived the screen")
	}
}

// Each way a scan opens nothing is said, in words that say what to do.
func TestScanThatOpensNothing(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	h.term.offUI = func(f func()) { f() }
	var fail error
	withScanner(h, func(string) (journey.Progress, error) { return journey.Progress{}, fail })
	test.Tap(h.term.home.tiles[screenQuery])
	if !h.showing("请将身份证放在读卡区") || !h.showing("二维码对准扫码窗口") {
		t.Fatalf("the query screen does not offer the scanner: %q", h.texts())
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{receiptcode.ErrNoCode, "这个二维码查不到办件"},
		{receiptcode.ErrForged, "这张凭条查不到办件"},
		{journey.ErrReceiptUnknown, "正在送往政务服务中心"},
		{journey.ErrReceiptOffline, "暂时连不上网"},
		{errors.New("outbox: disk"), "暂时查不到"},
	} {
		fail = c.err
		h.term.CodeScanned("anything")
		if !h.showing(c.want) || h.showing("办理进度：办理中 · 材料审核中") {
			t.Errorf("%v: showing %q", c.err, h.texts())
		}
	}
	h.term.ScanRefused()
	if !h.showing("没有扫清楚") {
		t.Errorf("a garbled scan: %q", h.texts())
	}
	checkLayout(t, h, false)
}

// A scan is taken on the home, query and rating screens only: a resident
// in the middle of an application does not leave it by a scan.
func TestScanIgnoredElsewhere(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	h.term.offUI = func(f func()) { f() }
	looked := withScanner(h, processing)
	test.Tap(h.term.home.tiles[screenComplain])
	h.term.CodeScanned("YZ1.whatever")
	h.term.ScanRefused()
	if h.term.sess.Screen() != screenComplain || *looked != 0 {
		t.Fatalf("a scan on the complaint screen: screen %s, %d look-ups", h.term.sess.Screen(), *looked)
	}
}

// On the rating screen a scanned receipt can be rated.
func TestScanToRate(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	h.term.offUI = func(f func()) { f() }
	withScanner(h, processing)
	test.Tap(h.term.home.tiles[screenRate])
	h.term.CodeScanned("YZ1.whatever")
	test.Tap(button(t, h, "评价这次服务"))
	if h.term.query.rating == nil || h.term.query.rating.Receipt != scannedReceipt {
		t.Fatalf("rating %+v", h.term.query.rating)
	}
}

// The scanner's line shows only while it works; an answer that comes
// after the resident left is dropped.
func TestScanHintAndLateAnswers(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	var later func()
	h.term.offUI = func(f func()) { later = f }
	withScanner(h, processing)
	h.reg.Report(devices.Status{Kind: devices.CodeScanner, State: devices.NoDevice, Actor: devices.Technician})
	h.term.DevicesChanged()
	test.Tap(h.term.home.tiles[screenQuery])
	if h.showing("二维码对准扫码窗口") {
		t.Fatalf("the scanner offered while unplugged: %q", h.texts())
	}
	h.term.CodeScanned("YZ1.whatever")
	if !h.showing("正在查询，可以拿开凭条了") {
		t.Fatalf("while looking up: %q", h.texts())
	}
	test.Tap(h.term.kit.homeBtn)
	later()
	if h.term.sess.Screen() != "home" || h.term.query.scanned != nil {
		t.Fatalf("a late answer: screen %s, scanned %v", h.term.sess.Screen(), h.term.query.scanned)
	}
}
