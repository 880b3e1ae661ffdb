package journey

import (
	"strings"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
)

// ReceiptText is the wording of a printed receipt in one language; the
// screens fill it from the translations.
type ReceiptText struct {
	Title, Number, Service, Name, Date, Committed, Immediate, Next, Phone, Follow string
	// AfterCheck and AfterSending stand where Immediate would, when the
	// service is immediate but not done on the spot: the face was not
	// matched to the card (staff check it first), or the application has
	// not reached the district yet.
	AfterCheck, AfterSending string
}

// OnTheSpot reports whether the application is done on the spot (当场办好):
// an immediate service, the resident's face matched to the card, and the
// application delivered to the district. Anything less and a receipt must
// not say so.
func (r ReceiptInfo) OnTheSpot(delivered bool) bool {
	return r.Service.Immediate && r.Verdict == facematch.Matched && delivered
}

// CommittedText is what a receipt says under "committed": the date, 当场办好
// only when OnTheSpot, otherwise what the application waits for.
func (r ReceiptInfo) CommittedText(delivered bool, w ReceiptText) string {
	switch {
	case !r.Service.Immediate:
		return r.Committed.Format("2006-01-02")
	case r.OnTheSpot(delivered):
		return w.Immediate
	case r.Verdict != facematch.Matched:
		return w.AfterCheck
	}
	return w.AfterSending
}

// PrintedReceipt lays out the receipt of an application for the printer:
// the district's name, the receipt number, the service, the resident's
// masked name, the date, the committed completion date, what happens next,
// the consultation phone number and a QR code to follow the application.
// It holds nothing the masked name does not already show.
//
// delivered says whether the district has the application as it prints.
func PrintedReceipt(r ReceiptInfo, delivered bool, district, lang string, w ReceiptText) printer.Receipt {
	committed := r.CommittedText(delivered, w)
	qr := r.URL
	if qr == "" {
		qr = r.Number
	}
	next := r.Service.Result.In(lang)
	return printer.Receipt{Blocks: []printer.Block{
		printer.Title(district),
		printer.Block{Kind: printer.KindText, Text: w.Title, Align: printer.Center, Bold: true},
		printer.Separator(),
		printer.Row(w.Number, r.Number),
		printer.Row(w.Service, r.Service.Name.In(lang)),
		printer.Row(w.Name, r.MaskedName),
		printer.Row(w.Date, r.Date.Format("2006-01-02 15:04")),
		printer.Row(w.Committed, committed),
		printer.Separator(),
		printer.Text(w.Next + strings.TrimSpace(next)),
		printer.Row(w.Phone, r.Service.Phones.Consult),
		printer.QR(qr),
		printer.Block{Kind: printer.KindText, Text: w.Follow, Align: printer.Center},
		printer.Feed(2),
		printer.Block{Kind: printer.KindCut},
	}}
}
