package journey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/capture"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// Application is the personal part of an application record, sealed to
// the district: what the district's staff open (docs/journeys.md).
type Application struct {
	Service string            `json:"service"`
	Receipt string            `json:"receipt"`
	Card    map[string]string `json:"card"`
	Form    map[string]string `json:"form"`
	// StaffFills are the fields the resident left for the staff to fill
	// in with them (at the counter or by a call back).
	StaffFills []string      `json:"staff_fills,omitempty"`
	Identity   IdentityCheck `json:"identity"`
	// Materials are the material names in the order of the attachments
	// "material-1.jpg", …; "" where no photo could be taken (the resident
	// brings it to the counter).
	Materials []MaterialPhoto `json:"materials"`
	Submitted time.Time       `json:"submitted"`
}

// IdentityCheck is how the resident's identity was checked.
type IdentityCheck struct {
	Verdict facematch.Verdict `json:"verdict"`
	Score   float64           `json:"score,omitempty"`
	Photo   bool              `json:"photo"` // a face photo is attached as face.jpg
}

// MaterialPhoto names one material and its attachment.
type MaterialPhoto struct {
	Name       string `json:"name"`
	Attachment string `json:"attachment,omitempty"`
}

// ReceiptInfo is what the receipt says; Name is masked.
type ReceiptInfo struct {
	Number     string
	Service    *catalog.Service
	Date       time.Time
	Committed  time.Time // when the district promises it done; Date for immediate services
	MaskedName string
	URL        string // the QR code's content
	RecordID   string
	Verdict    facematch.Verdict // how the resident's identity was checked
}

// Submit seals the application and its photos into the outbox. Only when
// the outbox has them on disk does the journey move to the receipt; a full
// disk or a failure keeps the journey at review with why, and nothing is
// lost.
func (a *Apply) Submit(ctx context.Context) error {
	if a.step != Review {
		return ErrWrongStep
	}
	now := a.deps.Now()
	number := ReceiptNumber(a.deps.TerminalID, now)
	app := Application{Service: a.svc.Code, Receipt: number, Form: a.values, Submitted: now.UTC(),
		Card: cardFields(*a.card)}
	for _, fl := range a.svc.Form.Fields {
		if a.byStaff[fl.ID] {
			app.StaffFills = append(app.StaffFills, fl.ID)
		}
	}
	var atts []outbox.Attachment
	if a.face != nil {
		r := a.face.Result()
		app.Identity = IdentityCheck{Verdict: r.Verdict, Score: r.Score}
		if photo := a.face.Photo(); len(photo) > 0 && a.face.Step() == capture.Done {
			app.Identity.Photo = true
			atts = append(atts, outbox.Attachment{Name: "face.jpg", Data: bytes.NewReader(photo)})
		}
	} else {
		app.Identity.Verdict = facematch.ByStaff
	}
	for i, m := range a.toPhoto {
		mp := MaterialPhoto{Name: m.Name.In("zh")}
		if i < len(a.docs) && len(a.docs[i]) > 0 {
			mp.Attachment = fmt.Sprintf("material-%d.jpg", i+1)
			atts = append(atts, outbox.Attachment{Name: mp.Attachment, Data: bytes.NewReader(a.docs[i])})
		}
		app.Materials = append(app.Materials, mp)
	}
	personal, err := json.Marshal(app)
	if err != nil {
		return err
	}
	rec, err := a.deps.Outbox.Submit(ctx, outbox.Submission{
		Kind: outbox.Application, Public: outbox.Public{Service: a.svc.Code, Receipt: number},
		Personal: personal, Attachments: atts, IDNumber: a.card.IDNumber,
	})
	clear(personal)
	switch {
	case errors.Is(err, outbox.ErrFull):
		a.why = WhyFull
		return err
	case err != nil:
		a.why = WhySaveFailed
		return err
	}
	if a.deps.Kick != nil {
		a.deps.Kick()
	}
	a.receipt = ReceiptInfo{Number: number, Service: a.svc, Date: now, Committed: now,
		MaskedName: MaskName(a.card.Name), URL: a.receiptQR(number), RecordID: rec.ID,
		Verdict: app.Identity.Verdict}
	if !a.svc.Immediate {
		a.receipt.Committed = a.svc.CommittedDate(now, a.deps.Holidays)
	}
	a.step, a.why = Receipt, ""
	a.wipePersonal()
	return nil
}

// receiptQR is what the receipt's QR code holds: the receipt's address
// (ReceiptURL) with the number signed into it, or the signed code alone.
// Unsigned (not enrolled, or the key failed) it is the address, or ""
// for the number alone: the receipt still prints, a scan opens nothing.
func (a *Apply) receiptQR(number string) string {
	address := strings.ReplaceAll(a.deps.ReceiptURL, "{receipt}", number)
	if a.deps.SignReceipt == nil {
		return address
	}
	code, err := a.deps.SignReceipt(number)
	if err != nil {
		return address
	}
	return code.QR(address)
}

// Receipt is the receipt of the submitted application.
func (a *Apply) Receipt() ReceiptInfo { return a.receipt }

// ReceiptDone goes on to the rating.
func (a *Apply) ReceiptDone() error {
	if a.step != Receipt {
		return ErrWrongStep
	}
	a.step = Rating
	return nil
}

// Rating levels of 好差评: 5 非常满意 … 1 非常不满意. Levels 1 and 2 are
// bad ratings: they ask for a reason and may leave a call-back number, and
// the district must rectify each.
const (
	VerySatisfied    = 5
	VeryDissatisfied = 1
)

// RatingRecord is the personal part of a rating record.
type RatingRecord struct {
	Service string `json:"service"`
	Receipt string `json:"receipt"`
	Level   int    `json:"level"`
	Reason  string `json:"reason,omitempty"` // a reason category, for levels 1–2
	Phone   string `json:"phone,omitempty"`  // a call-back number, if the resident left one
	Channel string `json:"channel"`          // "terminal"
}

// Rate stores the resident's rating of this application. A bad rating
// (1–2) needs a reason category; the phone number is optional.
func (a *Apply) Rate(ctx context.Context, level int, reason, phone string) error {
	if a.step != Rating {
		return ErrWrongStep
	}
	if err := RateService(ctx, a.deps, a.svc.Code, a.receipt.Number, level, reason, phone); err != nil {
		a.why = WhySaveFailed
		return err
	}
	a.step, a.why = Done, ""
	return nil
}

// ErrAlreadyRated is a second rating for a receipt: the first one counts.
var ErrAlreadyRated = errors.New("journey: this application was rated already")

// RateService stores a 好差评 rating of a service a resident received,
// named by its receipt: right after applying, or later from "my
// applications".
func RateService(ctx context.Context, deps Deps, service, receipt string, level int, reason, phone string) error {
	// A receipt is rated once: an outbox that can be searched is asked
	// whether this one already was.
	if f, ok := deps.Outbox.(Finder); ok && receipt != "" {
		rated, err := RatedReceipts(f)
		if err != nil {
			return err
		}
		if rated[receipt] {
			return ErrAlreadyRated
		}
	}
	if level < VeryDissatisfied || level > VerySatisfied {
		return fmt.Errorf("journey: rating %d outside 1–5", level)
	}
	if level <= 2 && reason == "" {
		return errors.New("journey: a bad rating needs a reason")
	}
	if phone != "" && !ValidPhone(phone) {
		return errors.New("journey: the call-back number is not a phone number")
	}
	personal, _ := json.Marshal(RatingRecord{Service: service, Receipt: receipt, Level: level, Reason: reason, Phone: phone, Channel: "terminal"})
	_, err := deps.Outbox.Submit(ctx, outbox.Submission{Kind: outbox.Rating,
		Public: outbox.Public{Service: service, Receipt: receipt}, Personal: personal})
	clear(personal)
	if err != nil {
		return err
	}
	if deps.Kick != nil {
		deps.Kick()
	}
	return nil
}

// SkipRating ends the journey without a rating: rating is never forced.
func (a *Apply) SkipRating() error {
	if a.step != Rating {
		return ErrWrongStep
	}
	a.step = Done
	return nil
}

// Wipe forgets everything personal: the card, its photo, the face and
// material photos, the form. The session calls it when it ends.
func (a *Apply) Wipe() {
	a.wipePersonal()
	a.receipt.MaskedName = ""
}

func (a *Apply) wipePersonal() {
	a.forgetCard()
	if a.face != nil {
		a.face.Wipe()
	}
	if a.doc != nil {
		a.doc.Wipe()
	}
	a.clearDocs()
	a.errs = nil
}

func (a *Apply) forgetCard() {
	if a.card != nil {
		clear(a.card.Photo)
		*a.card = idcard.Card{}
	}
	a.card, a.cardPhoto = nil, nil
	clear(a.values)
	clear(a.byStaff)
}

// ReceiptNumber is the terminal id, the date and the time to the second:
// one terminal serves one resident at a time, so it is unique.
func ReceiptNumber(terminal string, now time.Time) string {
	return terminal + "-" + now.Format("060102-150405")
}

// MaskName keeps the first character of a name and hides the rest, as
// receipts print names: 张三 → 张*, 欧阳娜娜 → 欧***.
func MaskName(name string) string {
	if name == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(name)
	return string(r) + strings.Repeat("*", utf8.RuneCountInString(name[size:]))
}

// MaskPhone shows a mobile number as residents are used to seeing one on
// a screen others may read: 13800138000 → 138****8000. Anything that is
// not a mobile number is hidden whole.
func MaskPhone(p string) string {
	if !ValidPhone(p) {
		return strings.Repeat("*", utf8.RuneCountInString(p))
	}
	return p[:3] + "****" + p[7:]
}

// ValidPhone reports whether p is a mainland mobile number, as a
// call-back number must be.
func ValidPhone(p string) bool {
	if len(p) != 11 || p[0] != '1' {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
