package journey

import (
	"context"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
)

// The signed code goes on the paper: printed on 58 mm, the receipt's QR
// code reads back (the printer's bytes decoded, the code read off the
// picture) as the code that opens the application, at this terminal.
func TestPrintedCodeOpensTheApplication(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	key := signing(r)
	a := submitted(t, r, "GJ-001")
	rc := a.Receipt()
	data, err := printer.Render(PrintedReceipt(rc, false, "示范区政务服务中心", "zh", ReceiptText{Title: "受理回执"}), printer.Profile58)
	if err != nil {
		t.Fatal(err)
	}
	paper, err := virtual.Print(data, printer.Profile58.Dots)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(paper.Image)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("the printed QR code does not read: %v", err)
	}
	if res.GetText() != rc.URL {
		t.Fatalf("the printed code reads %q, the receipt holds %q", res.GetText(), rc.URL)
	}
	l := ReceiptLookup{Terminal: "HALL-0007", Key: &key.PublicKey, Records: r.store}
	p, err := l.Look(ctx, res.GetText())
	if err != nil || p.Receipt != rc.Number {
		t.Fatalf("the printed code opens %+v, %v", p, err)
	}
}
