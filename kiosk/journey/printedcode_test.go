package journey

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// The signed code goes on the paper: printed on 58 mm, the receipt's QR
// code reads back (the printer's bytes decoded, the code read off the
// picture) as the code that opens the application, at this terminal.
func TestPrintedCodeOpensTheApplication(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r.deps.SignReceipt = func(number string) (receiptcode.Code, error) { return receiptcode.Sign(key, number) }
	a := NewApply(r.deps, service(t, "GJ-001"), true)
	must(t, a.Start())
	must(t, a.CardRead(idcard.Event{Card: sampleCard()}, nil))
	f := a.FaceFlow()
	must(t, f.Take(ctx))
	must(t, f.Use(ctx))
	must(t, a.FaceDone())
	for _, fl := range service(t, "GJ-001").Form.Fields {
		if fl.Required && fl.FromCard == "" && len(fl.Options) > 0 {
			a.Set(fl.ID, fl.Options[0].Value)
		}
	}
	must(t, a.FormDone())
	must(t, a.Submit(ctx))
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
