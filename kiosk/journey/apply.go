// Package journey is what residents do at the terminal, as plain state
// machines the screens render and drive: applying for a service with one
// form (the guide, the ID card, consent and the face photo, the form the
// card fills, the material photos, review, the sealed submission, the
// receipt and the 好差评 rating). Each step says which inputs it takes and
// where "back" leads; the session's idle timeout ends any journey, and
// Wipe forgets everything personal it held.
package journey

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/capture"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// Outbox takes submissions: sealed and fsynced when Submit returns.
type Outbox interface {
	Submit(ctx context.Context, sub outbox.Submission) (outbox.Record, error)
}

// Deps is what journeys need from the terminal.
type Deps struct {
	Outbox     Outbox
	FaceCamera capture.Camera // nil: none working
	DocCamera  capture.Camera // nil: none working
	Matcher    capture.Comparer
	FaceWant   camera.Want
	DocWant    camera.Want
	Quality    int
	TerminalID string
	// ReceiptURL is where a resident follows an application; "{receipt}"
	// is replaced by the receipt number (docs/journeys.md).
	ReceiptURL string
	// SignReceipt signs a receipt number with the terminal's key, for the
	// receipt's QR code (sync/receiptcode), so a scan of it opens the
	// application's status; nil before enrollment: the code holds the
	// address or the number alone, and a scan opens nothing.
	SignReceipt func(number string) (receiptcode.Code, error)
	Holidays    []time.Time
	Now         func() time.Time
	// Kick asks the sync to send at once; nil when not enrolled.
	Kick func()
	// Documents issues certificates (the district); A4 prints them;
	// A4Patience is how long a print waits on a stopped printer. Nil:
	// certificates are left as applications.
	Documents  Documents
	A4         A4
	A4Patience time.Duration
}

// Step is where an application stands.
type Step string

const (
	Guide     Step = "guide"     // the service's guide: conditions, materials, time limits
	Card      Step = "card"      // waiting for the ID card
	Face      Step = "face"      // consent and the face photo (Apply.FaceFlow)
	Form      Step = "form"      // the one form, filled from the card
	Materials Step = "materials" // one photo per material (Apply.DocumentFlow)
	Review    Step = "review"    // everything, before it is sent
	Receipt   Step = "receipt"   // submitted: the receipt
	Rating    Step = "rating"    // 好差评, never forced
	Done      Step = "done"
	StaffHelp Step = "staff" // the terminal cannot go on: staff help (Apply.Why says why)
	Exit      Step = "exit"  // the resident left the guide
)

// Why keys say why a journey stopped at StaffHelp, or what went wrong on
// the step it stayed at; the screens show their translation.
const (
	WhyNoCard      = "apply.no_card"     // the resident has no card with them
	WhyCardExpired = "card.expired"      // the card is out of date
	WhyCardDamaged = "card.damaged"      // read failed: lift and place it again
	WhyFull        = "apply.disk_full"   // the outbox is at its budget
	WhySaveFailed  = "apply.save_failed" // the outbox failed: try again
	WhyNoReader    = "apply.no_reader"   // no working card reader
)

// Patience is how long a step waits for the resident before the session
// asks whether they are still there, as a multiple of the configured idle
// timeout (the elderly one in elderly mode): reading a guide, typing a
// form or photographing papers takes longer than placing a card.
func (s Step) Patience() int {
	switch s {
	case Form:
		return 3
	case Guide, Materials, Review, Receipt:
		return 2
	}
	return 1
}

// ErrWrongStep is an input the current step does not take.
var ErrWrongStep = errors.New("journey: not at this step")

// Apply is one resident's application for one service.
type Apply struct {
	deps Deps
	svc  *catalog.Service

	step      Step
	why       string
	whyDetail string // the district's words, with WhyNotIssued
	copies    int    // of a certificate printed

	card      *idcard.Card
	cardPhoto image.Image
	face      *capture.Face
	consented bool

	values  map[string]string
	byStaff map[string]bool // fields the resident leaves for the staff to fill in
	errs    []catalog.FieldError

	toPhoto []catalog.Material // materials to photograph on the document camera, for the form's answers
	doc     *capture.Document
	docs    [][]byte

	receipt ReceiptInfo
}

// NewApply starts at the service's guide. consented says the resident
// already agreed to a face photo in this session.
func NewApply(deps Deps, svc *catalog.Service, consented bool) *Apply {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	a := &Apply{deps: deps, svc: svc, step: Guide, consented: consented}
	a.toPhoto = a.photosNeeded() // known for sure once the form is done
	return a
}

// Step is where the application stands; Why is the message of a stop or
// of the last thing that went wrong ("" when none).
func (a *Apply) Step() Step                { return a.step }
func (a *Apply) Why() string               { return a.why }
func (a *Apply) Service() *catalog.Service { return a.svc }

// Start leaves the guide for the card.
func (a *Apply) Start() error {
	if a.step != Guide {
		return ErrWrongStep
	}
	a.step, a.why = Card, ""
	return nil
}

// Back goes one step back, where there is one: the guide leaves the
// journey; the card, the form and review go back a step. After the
// submission there is no way back.
func (a *Apply) Back() error {
	switch a.step {
	case Guide:
		a.step = Exit
	case Card:
		a.step = Guide
	case Form:
		a.step = Card
		a.forgetCard()
	case Materials:
		a.doc = nil
		a.step = Form
	case Review:
		if len(a.toPhoto) > 0 {
			a.clearDocs()
			a.startMaterials()
		} else {
			a.step = Form
		}
	default:
		return ErrWrongStep
	}
	a.why = ""
	return nil
}

// NoCard is the resident saying they have no card with them: staff help.
func (a *Apply) NoCard() error {
	if a.step != Card {
		return ErrWrongStep
	}
	a.step, a.why = StaffHelp, WhyNoCard
	return nil
}

// NoReader is the card reader out of order while the card is awaited.
func (a *Apply) NoReader() error {
	if a.step != Card {
		return ErrWrongStep
	}
	a.step, a.why = StaffHelp, WhyNoReader
	return nil
}

// CardRead takes a card placed on the reader. A damaged read asks for the
// card again; an expired card cannot be used: staff help. cardPhoto is the
// decoded card photo for the face comparison (nil when there is no
// decoder).
func (a *Apply) CardRead(ev idcard.Event, cardPhoto image.Image) error {
	if a.step != Card {
		return ErrWrongStep
	}
	switch {
	case ev.Err != nil:
		a.why = WhyCardDamaged
		return nil
	case ev.Card.Expired(idcard.DateOf(a.deps.Now())):
		a.step, a.why = StaffHelp, WhyCardExpired
		return nil
	}
	card := ev.Card
	a.card, a.cardPhoto, a.why = &card, cardPhoto, ""
	a.values = a.svc.Form.Prefill(cardFields(card))
	a.face = capture.NewFace(a.deps.FaceCamera, a.deps.Matcher, cardPhoto, a.deps.FaceWant, a.deps.Quality, a.consented)
	a.step = Face
	if a.face.Step() == capture.Unavailable {
		a.step = Form // no face camera: staff verify; the form goes on
	}
	return nil
}

// cardFields names the card's values as the catalog's forms do.
func cardFields(c idcard.Card) map[string]string {
	return map[string]string{
		catalog.CardName: c.Name, catalog.CardGender: string(c.Gender), catalog.CardNation: c.Nation,
		catalog.CardBirth: c.Birth.String(), catalog.CardAddress: c.Address, catalog.CardIDNumber: c.IDNumber,
	}
}

// FaceFlow is the face-photo flow the Face step's screens drive.
func (a *Apply) FaceFlow() *capture.Face { return a.face }

// FaceDone moves on once the face flow has ended (photo kept, declined, or
// no camera).
func (a *Apply) FaceDone() error {
	if a.step != Face {
		return ErrWrongStep
	}
	switch a.face.Step() {
	case capture.Done, capture.Declined, capture.Unavailable:
	default:
		return ErrWrongStep
	}
	if a.face.Step() != capture.Unavailable {
		a.consented = a.consented || a.face.Step() == capture.Done
	}
	a.step = Form
	return nil
}

// Consented reports whether the resident agreed to a face photo, for the
// next journey of the session.
func (a *Apply) Consented() bool { return a.consented }

// Values are the form's values so far (the card's, and what the resident
// entered); FieldErrors the problems found by the last Next.
func (a *Apply) Values() map[string]string         { return a.values }
func (a *Apply) FieldErrors() []catalog.FieldError { return a.errs }

// Set enters a value the card did not give. Values from the card cannot
// be changed on the terminal.
func (a *Apply) Set(field, value string) error {
	if a.step != Form {
		return ErrWrongStep
	}
	for _, fl := range a.svc.Form.Fields {
		if fl.ID != field {
			continue
		}
		if fl.FromCard != "" && a.card != nil {
			return fmt.Errorf("journey: %s comes from the ID card", field)
		}
		a.values[field] = strings.TrimSpace(value)
		delete(a.byStaff, field)
		return nil
	}
	return fmt.Errorf("journey: the form has no field %q", field)
}

// LeaveToStaff is the resident asking the staff to fill in a field they
// cannot type here (a rare character in a name, a long address): the
// field goes empty, the form no longer insists on it, and the application
// tells the district's staff which fields to complete with the resident.
func (a *Apply) LeaveToStaff(field string) error {
	if a.step != Form {
		return ErrWrongStep
	}
	fl := a.svc.Form.Field(field)
	switch {
	case fl == nil:
		return fmt.Errorf("journey: the form has no field %q", field)
	case fl.FromCard != "" && a.card != nil && fl.Validate(a.values[field], a.deps.Now()) == nil:
		// A good value from the card stays; one the form refuses (a card
		// type the form did not foresee) must not trap the resident.
		return fmt.Errorf("journey: %s comes from the ID card", field)
	}
	if a.byStaff == nil {
		a.byStaff = map[string]bool{}
	}
	a.byStaff[field] = true
	delete(a.values, field)
	a.errs = slices.DeleteFunc(a.errs, func(e catalog.FieldError) bool { return e.Field == field })
	return nil
}

// LeftToStaff reports whether the resident left a field for the staff.
func (a *Apply) LeftToStaff(field string) bool { return a.byStaff[field] }

// Suggestion is the card's value a field offers to take with one tap
// ("" when it offers none, or the card has no such value).
func (a *Apply) Suggestion(field string) string {
	fl := a.svc.Form.Field(field)
	if fl == nil || fl.SuggestFromCard == "" || a.card == nil {
		return ""
	}
	return cardFields(*a.card)[fl.SuggestFromCard]
}

// FormDone checks the form; with problems it stays (FieldErrors says
// which), else it goes on to the material photos or review.
func (a *Apply) FormDone() error {
	if a.step != Form {
		return ErrWrongStep
	}
	a.errs = slices.DeleteFunc(a.svc.Form.Validate(a.values, a.deps.Now()),
		func(e catalog.FieldError) bool { return a.byStaff[e.Field] })
	if len(a.errs) > 0 {
		return nil
	}
	// The form's answers say which materials are needed (a referral
	// letter only for a referral); photos taken for another answer go.
	need := a.photosNeeded()
	if !slices.EqualFunc(need, a.toPhoto, func(x, y catalog.Material) bool { return x.Name == y.Name }) {
		a.clearDocs()
		a.toPhoto = need
	}
	a.startMaterials()
	return nil
}

// photosNeeded are the materials to photograph for the form as filled in.
func (a *Apply) photosNeeded() []catalog.Material {
	var need []catalog.Material
	for _, m := range a.svc.Materials {
		if m.Trust == catalog.TrustPhoto && m.Needed(a.values) {
			need = append(need, m)
		}
	}
	return need
}

func (a *Apply) startMaterials() {
	if len(a.docs) >= len(a.toPhoto) {
		a.step = Review
		return
	}
	a.step = Materials
	a.doc = capture.NewDocument(a.deps.DocCamera, a.deps.DocWant, a.deps.Quality)
}

// Material is the material being photographed now, and how many there are.
func (a *Apply) Material() (m catalog.Material, index, count int) {
	if a.step != Materials {
		return catalog.Material{}, 0, len(a.toPhoto)
	}
	return a.toPhoto[len(a.docs)], len(a.docs), len(a.toPhoto)
}

// DocumentFlow is the document-photo flow of the current material.
func (a *Apply) DocumentFlow() *capture.Document { return a.doc }

// DocumentDone keeps the current material's photo and goes on. With no
// document camera the material is left for the counter: the application
// goes on without its photo.
func (a *Apply) DocumentDone() error {
	if a.step != Materials || (a.doc.Step() != capture.Done && a.doc.Step() != capture.Unavailable) {
		return ErrWrongStep
	}
	a.nextMaterial(a.doc.Photo()) // nil when there was no camera
	return nil
}

// LeaveMaterial goes on without the current material's photo, whatever
// the camera did: the resident has not brought it, or it does not apply
// to them (where the catalog gives its case in words only). The
// application says it was left for the counter, as with no camera.
func (a *Apply) LeaveMaterial() error {
	if a.step != Materials {
		return ErrWrongStep
	}
	a.doc.Wipe()
	a.nextMaterial(nil)
	return nil
}

// nextMaterial keeps the current material's photo (nil: left for the
// counter) and goes on to the next material, or to review.
func (a *Apply) nextMaterial(photo []byte) {
	a.docs = append(a.docs, photo)
	a.doc = nil
	a.startMaterials()
}

func (a *Apply) clearDocs() {
	for _, d := range a.docs {
		clear(d)
	}
	a.docs = nil
}
