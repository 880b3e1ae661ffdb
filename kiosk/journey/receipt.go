package journey

import (
	"strings"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
)

// ReceiptText is the wording of a printed receipt in one language; the
// screens fill it from the translations.
type ReceiptText struct {
	Title, Number, Service, Name, Date, Committed, Immediate, Next, Phone, Follow string
}

// PrintedReceipt lays out the receipt of an application for the printer:
// the district's name, the receipt number, the service, the resident's
// masked name, the date, the committed completion date, what happens next,
// the consultation phone number and a QR code to follow the application.
// It holds nothing the masked name does not already show.
func PrintedReceipt(r ReceiptInfo, district, lang string, w ReceiptText) printer.Receipt {
	committed := r.Committed.Format("2006-01-02")
	if r.Service.Immediate {
		committed = w.Immediate
	}
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
