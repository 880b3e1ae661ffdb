package ui

import (
	"errors"
	"testing"

	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
)

func sampleReceiptImage(t *testing.T) *virtual.Receipt {
	t.Helper()
	data, err := printer.Render(printer.TestPage("DEMO-0001", printer.Profile58, time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))), printer.Profile58)
	if err != nil {
		t.Fatal(err)
	}
	r, err := virtual.Print(data, printer.Profile58.Dots)
	if err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestReceiptViewShowsAndCloses(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h float32
	}{{"landscape", 1920, 1080}, {"portrait", 1080, 1920}} {
		t.Run(size.name, func(t *testing.T) {
			h := newHarness(t, fyne.NewSize(size.w, size.h), "zh")
			h.term.showReceipt(sampleReceiptImage(t).Image, nil)
			if !h.showing("凭条预览") || len(h.term.overlay.Objects) != 1 {
				t.Fatalf("receipt not shown: %q", h.texts())
			}
			checkLayout(t, h, false)
			if size.name == "landscape" {
				assertImage(t, "receipt_preview_zh_landscape.png", h.win.Canvas())
			}
			var closeBtn *widget.Button
			walk(h.term.overlay, fyne.Position{}, func(o fyne.CanvasObject, _ fyne.Position) {
				if b, ok := o.(*widget.Button); ok && b.Text == "关闭" {
					closeBtn = b
				}
			})
			if closeBtn == nil {
				t.Fatal("no 关闭 button")
			}
			test.Tap(closeBtn)
			if len(h.term.overlay.Objects) != 0 {
				t.Fatal("关闭 did not close the receipt")
			}
		})
	}
}

func TestReceiptFailureIsShown(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	h.term.showReceipt(nil, errors.New("printer: not ready: paper out: replace paper"))
	if !h.showing("凭条未能打印") || !h.showing("printer: not ready: paper out: replace paper") {
		t.Fatalf("failure not shown: %q", h.texts())
	}
}
