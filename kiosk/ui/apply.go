package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/capture"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// screenApplying shows the apply journey's current step.
const screenApplying = "applying"

// The reasons a resident may give for a bad rating (1–2 of 5).
var ratingReasons = []string{"waiting", "attitude", "hard_to_use", "unclear_materials", "other"}

// applyScreen is the apply journey on screen, a step at a time: the card,
// the face photo and the materials (shown by the capture screen), the
// form, the review, the receipt and the rating.
type applyScreen struct {
	kit     *kit
	capture *captureScreen // shows the photo steps
	applyState
}

// applyState is the apply journey of this session.
type applyState struct {
	j       *journey.Apply
	editing string    // the form field the keypad types into
	typed   string    // the pinyin typed for the next character
	page    int       // the page of that pinyin's characters
	bad     badRating // a bad rating waiting for its reason and call back
	busy    bool
	printed string // the receipt's printing: one of the print* states
	rating  bool   // the rating is being saved
	// delivered: the receipt step last showed the application as at the
	// district.
	delivered bool
	// certificate is a certificate being issued and printed.
	certificate certificateState
}

// Where printing the receipt stands; each but printNone names the message
// the receipt step shows ("receipt.printing", …).
const (
	printNone      = ""
	printPrinting  = "printing"
	printDone      = "printed"
	printPaperOut  = "paper_out"
	printFailed    = "not_printed"
	printNoPrinter = "no_printer"
)

// printedAs is where printing stands once the printer answered err.
func printedAs(err error) string {
	switch {
	case errors.Is(err, printer.ErrPaperOut):
		return printPaperOut
	case err != nil:
		return printFailed
	}
	return printDone
}

// begin starts the journey for a service from its guide.
func (s *applyScreen) begin(svc *catalog.Service) {
	t := s.kit
	s.leave() // a journey left unfinished is wiped before the next
	deps := *t.opt.ApplyDeps
	s.applyState = applyState{j: journey.NewApply(deps, svc, s.capture.consented)}
	s.j.Start()
	s.checkReader()
	t.show(screenApplying)
}

// checkReader stops a journey waiting for a card when the card reader is
// out of order: staff help, not a screen that waits for ever.
func (s *applyScreen) checkReader() {
	t := s.kit
	j := s.j
	if j == nil || j.Step() != journey.Card {
		return
	}
	for _, s := range t.opt.Devices.Snapshot() {
		if s.Kind == devices.IDCardReader {
			switch s.State {
			case devices.Offline, devices.NoDevice, devices.HardwareError:
				j.NoReader()
			}
			return
		}
	}
	j.NoReader() // the terminal has no reader at all
}

// leave forgets the journey and everything it held, but for the
// resident's consent to a face photo: that holds for the rest of their
// session.
func (s *applyScreen) leave() {
	if s.j != nil && s.j.Consented() {
		s.capture.consented = true
	}
	s.wipe()
}

// wipe forgets the journey and everything it held. The photo flows on the
// capture screen are the journey's: they go with it.
func (s *applyScreen) wipe() {
	if s.j == nil {
		return
	}
	s.stopIssue() // a certificate must not print for nobody
	s.j.Wipe()
	s.applyState = applyState{}
	s.capture.face, s.capture.doc = nil, nil
}

func (s *applyScreen) cardRead(ev idcard.Event) {
	t := s.kit
	j := s.j
	if j == nil || j.Step() != journey.Card {
		return
	}
	j.CardRead(ev, nil)
	if j.Step() == journey.Face {
		s.capture.face = j.FaceFlow()
	}
	t.refresh()
}

// content renders the journey's step.
func (s *applyScreen) content(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	j := s.j
	if j == nil {
		return t.message(th, T("capture.unavailable"))
	}
	t.sess.SetPatience(j.Step().Patience())
	switch j.Step() {
	case journey.Card:
		return s.cardStep(th)
	case journey.Face:
		return s.capture.content(th)
	case journey.Form:
		return s.formStep(th)
	case journey.Materials:
		m, _, _ := j.Material()
		s.capture.doc = j.DocumentFlow()
		s.capture.material = m.Name.In(t.sess.Lang())
		s.capture.leave = func() {
			j.LeaveMaterial()
			t.refresh()
		}
		if s.capture.doc.Step() == capture.Unavailable {
			return t.stepCard(th, m.Name.In(t.sess.Lang()), sentence(T("apply.no_doc_camera")), t.button(th, T("apply.next"), true, func() {
				j.DocumentDone()
				t.refresh()
			}))
		}
		return s.capture.content(th)
	case journey.Review:
		return s.reviewStep(th)
	case journey.Issuing:
		return s.issuingStep(th)
	case journey.Printed:
		return s.printedStep(th)
	case journey.Receipt:
		return s.receiptStep(th)
	case journey.Rating:
		return s.ratingStep(th)
	case journey.StaffHelp:
		// Staff carry on from here: call them (the foot's 呼叫帮办, drawn
		// as this step's main action), or leave.
		return t.stepCard(th, T("apply.staff_title"), sentence(T(j.Why())))
	}
	return t.message(th, T("capture.unavailable"))
}

// stepCard is a step's frame: a title, what to show, and buttons.
func (t *kit) stepCard(th fyne.Theme, title string, body fyne.CanvasObject, buttons ...fyne.CanvasObject) fyne.CanvasObject {
	return t.stepCardWithNews(th, title, body, nil, buttons...)
}

// stepCardWithNews is stepCard with news of what is happening now (the
// receipt printing, or not) kept in sight under what scrolls.
func (t *kit) stepCardWithNews(th fyne.Theme, title string, body, news fyne.CanvasObject, buttons ...fyne.CanvasObject) fyne.CanvasObject {
	content := container.NewVBox(text(th, title, fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true))
	// A certificate's why is the review's news, with the district's words.
	if j := t.applying(); j != nil && j.Why() != "" && j.Step() != journey.StaffHelp && !strings.HasPrefix(j.Why(), "certificate.") {
		content.Add(banner(th, T(j.Why()), fynetheme.ColorNameWarning))
	}
	if body != nil {
		content.Add(body)
	}
	// The step's buttons stay in sight at the foot of the screen; what
	// the step shows scrolls above them when it must.
	var card fyne.CanvasObject = vscroll(content)
	if news != nil {
		card = container.NewBorder(nil, news, nil, nil, card)
	}
	return t.framed(th, fillingCard(th, card), buttons...)
}

// namedButton is button with a stable name for the journey harness (a
// label repeated on one screen names nothing).
func (t *kit) namedButton(th fyne.Theme, name, label string, primary bool, f func()) fyne.CanvasObject {
	b := widget.NewButton(label, t.input(f))
	if primary {
		b.Importance = widget.HighImportance
	}
	t.name(b, name)
	return bigButton(th, b)
}

func (t *kit) button(th fyne.Theme, label string, primary bool, f func()) fyne.CanvasObject {
	b := widget.NewButton(label, t.input(f))
	if primary {
		b.Importance = widget.HighImportance
	}
	return bigButton(th, b)
}

func (s *applyScreen) cardStep(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	j := s.j
	hint := sentence(T("apply.card_hint"))
	return t.stepCard(th, T("apply.card_title"), hint,
		t.button(th, T("apply.no_card_button"), false, func() { j.NoCard(); t.refresh() }),
		t.button(th, T("guide.back"), false, func() {
			s.leave()
			t.show(screenGuide)
		}))
}

// formStep shows the one form: what the card gave, read only; choices as
// large buttons; numbers on a large keypad. Text the card does not give
// cannot be typed on the terminal: staff help with it.
func (s *applyScreen) formStep(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	j := s.j
	lang := t.sess.Lang()
	if fl := j.Service().Form.Field(s.editing); fl != nil && fl.Type == catalog.TypeText {
		return s.typingStep(th, fl)
	}
	values := j.Values()
	errs := map[string]string{}
	for _, e := range j.FieldErrors() {
		errs[e.Field] = T(e.Key, e.Args)
	}
	rows := container.NewVBox()
	var pad fyne.CanvasObject // the keypad of the field being typed, if any
	for i := range j.Service().Form.Fields {
		fl := &j.Service().Form.Fields[i]
		label := fl.Label.In(lang)
		if fl.Required {
			label += " *"
		}
		row := container.NewVBox(text(th, label, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true))
		switch {
		case fl.FromCard != "" && j.LeftToStaff(fl.ID):
			row.Add(text(th, T("apply.text_by_staff"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false))
		case fl.FromCard != "":
			row.Add(text(th, shownValue(fl, values[fl.ID], lang)+"  "+T("apply.from_card"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false))
			if _, bad := errs[fl.ID]; bad {
				// The card's value is one the form refuses: the staff
				// fill it in, the resident is not stopped.
				id := fl.ID
				row.Add(container.NewHBox(t.namedButton(th, "staff:"+id, T("apply.by_staff_button"), false, func() { j.LeaveToStaff(id); t.refresh() })))
			}
		case j.LeftToStaff(fl.ID):
			id := fl.ID
			row.Add(container.NewVBox(
				text(th, T("apply.text_by_staff"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false),
				container.NewHBox(t.namedButton(th, "mine:"+id, T("apply.type_myself"), false, func() { j.Set(id, ""); t.refresh() }))))
		case fl.Type == catalog.TypeChoice:
			var opts []fyne.CanvasObject
			for _, o := range fl.Options {
				value := o.Value
				b := widget.NewButton(o.Label.In(lang), t.input(func() {
					j.Set(fl.ID, value)
					t.refresh()
				}))
				t.name(b, "choice:"+fl.ID+":"+value)
				if values[fl.ID] == value {
					b.Importance = widget.HighImportance
				}
				opts = append(opts, bigButton(th, b))
			}
			row.Add(container.New(&flowLayout{gap: th.Size(fynetheme.SizeNamePadding), width: t.win.Canvas().Size().Width - 40*th.Size(fynetheme.SizeNamePadding)}, opts...))
		case fl.Type == catalog.TypePhone || fl.Type == catalog.TypeNumber || fl.Type == catalog.TypeIDNumber || fl.Type == catalog.TypeDate:
			id := fl.ID
			empty := T("apply.tap_to_enter")
			switch {
			case fl.Type == catalog.TypeDate && s.editing == id:
				empty = T("apply.date_how") // what to type, while the keypad is open
			case s.editing == id:
				empty = T("apply.type_below")
			}
			shown := or(values[fl.ID], empty)
			b := widget.NewButton(shown, t.input(func() {
				s.editing = id
				t.refresh()
			}))
			t.name(b, "field:"+id)
			if s.editing == id {
				b.Importance = widget.HighImportance
			}
			row.Add(bigButton(th, b))
			// Whatever the card does not give, the staff can fill in.
			row.Add(container.NewHBox(t.namedButton(th, "staff:"+id, T("apply.by_staff_button"), false, func() {
				if s.editing == id {
					s.editing = ""
				}
				j.LeaveToStaff(id)
				t.refresh()
			})))
			if s.editing == id {
				// The keypad stays put above the form's buttons, like a
				// phone's keyboard; the field it types into is scrolled
				// into sight above it and shows each digit in place.
				pad = s.digitPad(th, fl, func() {
					b.SetText(or(j.Values()[id], empty))
				})
				t.reveal = row
			}
		default:
			row.Add(s.textField(th, fl))
		}
		if e, ok := errs[fl.ID]; ok {
			row.Add(text(th, e, fynetheme.SizeNameText, fynetheme.ColorNameError, true))
			if t.reveal == nil && pad == nil {
				t.reveal = row // the first field to mend
			}
		}
		// A line between fields: a field's own buttons (帮填, 同身份证地址)
		// are seen to belong to it, not to the label under them.
		if len(rows.Objects) > 0 {
			rows.Add(widget.NewSeparator())
		}
		rows.Add(row)
	}
	top := container.NewVBox(text(th, j.Service().Name.In(lang), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true))
	if n := len(errs); n > 0 {
		top.Add(banner(th, T("form.errors", map[string]any{"Count": n}), fynetheme.ColorNameWarning))
	}
	bottom := container.NewVBox()
	if pad != nil {
		bottom.Add(pad)
	}
	bottom.Add(container.NewGridWithColumns(2,
		t.button(th, T("apply.back"), false, func() { j.Back(); t.refresh() }),
		t.button(th, T("apply.next"), true, func() {
			s.editing = ""
			j.FormDone()
			t.refresh()
		})))
	return t.framed(th, container.NewBorder(top, bottom, nil, nil, vscroll(rows)))
}

// shownValue is a value as the resident reads it: a choice's label, not
// its code ("女", not "female"); an identity number masked
// (410502********3441), for the screen is seen from behind too.
func shownValue(fl *catalog.Field, v, lang string) string {
	if fl.Type == catalog.TypeIDNumber {
		return idcard.MaskNumber(v)
	}
	for _, o := range fl.Options {
		if o.Value == v {
			return o.Label.In(lang)
		}
	}
	return v
}

// textField is a text field on the form: what is typed so far (tap to
// type), the card's value to take with one tap where the field offers it,
// and the staff's help instead; or, once left to the staff, a way back.
func (s *applyScreen) textField(th fyne.Theme, fl *catalog.Field) fyne.CanvasObject {
	t := s.kit
	j := s.j
	id := fl.ID
	edit := func() { s.editing, s.typed, s.page = id, "", 0 }
	if j.LeftToStaff(id) {
		return container.NewVBox(
			text(th, T("apply.text_by_staff"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false),
			container.NewHBox(t.namedButton(th, "mine:"+id, T("apply.type_myself"), false, func() { edit(); t.refresh() })))
	}
	shown := j.Values()[id]
	if shown == "" {
		shown = T("apply.tap_to_enter")
	}
	value := widget.NewButton(shown, t.input(func() { edit(); t.refresh() }))
	t.name(value, "field:"+id)
	value.Alignment = widget.ButtonAlignLeading
	ways := container.NewHBox()
	if s := j.Suggestion(id); s != "" && j.Values()[id] != s {
		ways.Add(t.button(th, T("apply.same_as_card"), false, func() { j.Set(id, s); t.refresh() }))
	}
	ways.Add(t.namedButton(th, "staff:"+id, T("apply.by_staff_button"), false, func() { j.LeaveToStaff(id); t.refresh() }))
	return container.NewVBox(bigButton(th, value), ways)
}

// digitPad types digits (and X for an ID number) into the field being
// edited; shown shows its new value in place. A date is typed as its
// eight digits, year, month and day: the dashes come by themselves.
func (s *applyScreen) digitPad(th fyne.Theme, fl *catalog.Field, shown func()) fyne.CanvasObject {
	t := s.kit
	j := s.j
	keys := append([]string{}, digitKeys...)
	get := func() string { return j.Values()[fl.ID] }
	set := func(v string) { j.Set(fl.ID, v) }
	most := 0 // characters; 0: as many as the field takes
	switch fl.Type {
	case catalog.TypeIDNumber:
		keys = append(keys, "X")
	case catalog.TypeDate:
		get = func() string { return strings.ReplaceAll(j.Values()[fl.ID], "-", "") }
		set = func(v string) { j.Set(fl.ID, dateShape(v)) }
		most = 8
	}
	return t.keypad(th, keypad{keys: append(keys, keyBackspace), get: get, set: set, max: most,
		changed: func() bool { shown(); return true },
		after:   []fyne.CanvasObject{t.namedKey(th, "key:done", T("apply.done_typing"), func() { s.editing = "" })}})
}

// dateShape puts the dashes of a date (2027-01-15) into the digits typed
// so far: after the year's four, and after the month's two.
func dateShape(digits string) string {
	switch {
	case len(digits) > 6:
		return digits[:4] + "-" + digits[4:6] + "-" + digits[6:]
	case len(digits) > 4:
		return digits[:4] + "-" + digits[4:]
	}
	return digits
}

func (s *applyScreen) reviewStep(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	j := s.j
	lang := t.sess.Lang()
	lines := container.NewVBox()
	for _, fl := range j.Service().Form.Fields {
		v := shownValue(&fl, j.Values()[fl.ID], lang)
		if j.LeftToStaff(fl.ID) {
			v = T("apply.text_by_staff")
		}
		if v != "" {
			lines.Add(text(th, fl.Label.In(lang)+T("punct.colon")+v, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, false))
		}
	}
	verdict := facematchVerdict(j)
	lines.Add(text(th, T("apply.identity")+T("capture.verdict."+verdict), fynetheme.SizeNameText, fynetheme.ColorNameForeground, false))
	submit := func() {
		if s.busy {
			return
		}
		s.busy = true
		// The form is forgotten once submitted; its mobile number is
		// kept for this session's call back only (wipe forgets it).
		if p := j.Values()["phone"]; journey.ValidPhone(p) {
			s.bad.known = p
		}
		// Sealed and fsynced before Submit returns.
		t.save("application", j.Submit, func(error) {
			s.busy = false
			if j.Step() == journey.Receipt {
				s.printReceipt()
			}
			t.refresh()
		})
	}
	if j.Certificate() {
		return s.certificateReview(th, lines, submit)
	}
	return t.stepCard(th, T("apply.review_title"), lines,
		t.button(th, T("apply.back"), false, func() { j.Back(); t.refresh() }),
		t.button(th, T("apply.submit"), true, submit))
}

func facematchVerdict(j *journey.Apply) string {
	if f := j.FaceFlow(); f != nil {
		return string(f.Result().Verdict)
	}
	return "by_staff"
}

func (s *applyScreen) receiptStep(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	j := s.j
	r := j.Receipt()
	lang := t.sess.Lang()
	// Words true to where the application is: 当场办好 only once the
	// district has it and the face matched; "sent when online" only
	// while offline.
	delivered := t.delivered(r.RecordID)
	s.delivered = delivered
	where := "apply.saved"
	switch {
	case delivered:
		where = "apply.delivered"
	case t.online():
		where = "apply.sending"
	}
	info := container.NewVBox(
		text(th, T("apply.receipt_number")+r.Number, fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true),
		text(th, r.Service.Name.In(lang), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, false),
		text(th, T("apply.committed")+r.CommittedText(delivered, receiptWords()), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, false),
		text(th, T(where), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false))
	qr := r.URL
	if qr == "" {
		qr = r.Number
	}
	var code fyne.CanvasObject = spacer(th)
	if q, err := qrcode.New(qr, qrcode.Medium); err == nil {
		img := canvas.NewImageFromImage(q.Image(256))
		img.FillMode = canvas.ImageFillContain
		img.ScaleMode = canvas.ImageScalePixels
		img.SetMinSize(fyne.NewSquareSize(3 * th.Size(theme.SizeTarget)))
		code = img
	}
	body := container.NewVBox(container.NewBorder(nil, nil, nil, code, info))
	if t.portrait() { // too narrow for both side by side
		body = container.NewVBox(info, container.NewCenter(code))
	}
	var news fyne.CanvasObject
	if s.printed != printNone {
		kind := fynetheme.ColorNameWarning
		if s.printed == printDone || s.printed == printPrinting {
			kind = fynetheme.ColorNameSuccess
		}
		news = callout(th, T("receipt."+s.printed), kind)
	}
	// Where it leads, said: the rating (好差评), not another step of the application.
	buttons := []fyne.CanvasObject{t.button(th, T("apply.rate_it"), true, func() { j.ReceiptDone(); t.refresh() })}
	if s.printed == printPaperOut || s.printed == printFailed {
		buttons = append([]fyne.CanvasObject{t.button(th, T("apply.print_again"), false, func() {
			s.printReceipt()
			t.refresh()
		})}, buttons...)
	}
	return t.stepCardWithNews(th, T("apply.receipt_title"), body, news, buttons...)
}

// printReceipt prints the receipt of the submitted application, off
// the UI goroutine; the receipt step says how it went. The QR code and the
// receipt number stay on screen whatever happens, so a printer out of
// paper costs the resident nothing.
func (s *applyScreen) printReceipt() {
	t := s.kit
	j := s.j
	if t.opt.PrintReceipt == nil {
		s.printed = printNoPrinter
		return
	}
	if s.printed == printPrinting {
		return
	}
	s.printed = printPrinting
	r, district, lang, words := j.Receipt(), t.opt.Config.District, t.sess.Lang(), receiptWords()
	online := t.online()
	t.async(func() {
		// Online, the application reaches the district within moments:
		// wait for it a little, so the paper can say what happened.
		delivered := t.delivered(r.RecordID)
		for start := time.Now(); online && !delivered && time.Since(start) < deliveryWait; {
			time.Sleep(200 * time.Millisecond)
			delivered = t.delivered(r.RecordID)
		}
		img, err := t.opt.PrintReceipt(journey.PrintedReceipt(r, delivered, district, lang, words))
		t.do(func() {
			if s.j != j {
				return // the session ended meanwhile
			}
			s.printed = printedAs(err)
			if err != nil {
				t.opt.Log.Warn("receipt not printed", "record", j.Receipt().RecordID, "err", err)
			}
			t.refresh()
			if img != nil { // the virtual printer: show what it printed
				t.showReceipt(img, nil)
			}
		})
	})
}

// deliveryWait is how long a receipt waits for its application to reach
// the district before it prints what it knows.
const deliveryWait = 5 * time.Second

// delivered reports whether the district has the record; false when there
// is no link to ask. Safe off Fyne's goroutine.
func (t *kit) delivered(recordID string) bool {
	return recordID != "" && t.opt.Delivered != nil && t.opt.Delivered(recordID)
}

// online reports whether the district answered the last round.
func (t *kit) online() bool {
	return t.opt.Link != nil && t.opt.Link().Online
}

// followReceipt redraws the receipt step when its application reaches
// the district: its words change.
func (s *applyScreen) followReceipt() {
	t := s.kit
	j := s.j
	if j == nil || j.Step() != journey.Receipt || t.sess.Screen() != screenApplying || s.delivered {
		return
	}
	if t.delivered(j.Receipt().RecordID) {
		t.refresh()
	}
}

// receiptWords is the printed receipt's wording in the session's language.
func receiptWords() journey.ReceiptText {
	return journey.ReceiptText{Title: T("apply.receipt_title"), Number: T("receipt.number"), Service: T("receipt.service"),
		Name: T("receipt.name"), Date: T("receipt.date"), Committed: T("receipt.committed"), Immediate: T("guide.immediate"),
		Next: T("receipt.next"), Phone: T("guide.phone"), Follow: T("receipt.follow"),
		AfterCheck: T("apply.after_check"), AfterSending: T("apply.after_sending")}
}

func (s *applyScreen) ratingStep(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	j := s.j
	return t.ratingScreen(th, j.Service().Name.In(t.sess.Lang()), &s.bad, func(level int, reason, phone string) {
		if s.rating {
			return // a second tap while the first is saved
		}
		s.rating = true
		// The journey ends once the rating is kept.
		t.save("rating", func(ctx context.Context) error { return j.Rate(ctx, level, reason, phone) },
			func(error) { s.finish(true) })
	}, func() { j.SkipRating(); s.finish(false) })
}

// badRating is a bad rating (1–2 of 5) while its reason and an optional
// call-back number are asked.
type badRating struct {
	level  int
	reason string
	phone  string
	wrong  bool // the number typed is not a mobile number
	// known is the mobile number the resident gave on this session's
	// form, offered for the call back so it is not typed twice.
	known string
}

// ratingScreen asks for 好差评 of the named service: five levels; a bad
// one (1–2) then asks the reason and offers a call back, never forced.
// Each later stage has a way back to the one before, for a wrong tap.
func (t *kit) ratingScreen(th fyne.Theme, service string, bad *badRating, rate func(level int, reason, phone string), skip func()) fyne.CanvasObject {
	var buttons []fyne.CanvasObject
	named := func(body fyne.CanvasObject) fyne.CanvasObject {
		return container.NewVBox(text(th, service, fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, true), body)
	}
	switch {
	case bad.level > 0 && bad.reason != "":
		return t.callBackStep(th, bad, rate)
	case bad.level > 0:
		for _, r := range ratingReasons {
			reason := r
			buttons = append(buttons, t.button(th, T("rating.reason."+r), false, func() {
				bad.reason = reason
				t.refresh()
			}))
		}
		return t.stepCard(th, T("rating.why"), named(container.NewGridWithColumns(1, buttons...)),
			t.button(th, T("apply.back"), false, func() { *bad = badRating{}; t.refresh() }))
	}
	for l := 5; l >= 1; l-- {
		buttons = append(buttons, t.button(th, T(fmt.Sprintf("rating.%d", l)), false, func() { // five levels of equal weight: no nudge towards 满意
			if l <= 2 {
				bad.level = l
				t.refresh()
				return
			}
			rate(l, "", "")
		}))
	}
	return t.stepCard(th, T("rating.title"), named(container.NewGridWithColumns(1, buttons...)),
		t.button(th, T("rating.skip"), false, skip))
}

// callBackStep offers a call back about a bad rating: a mobile number on
// the digit keypad, or none.
func (t *kit) callBackStep(th fyne.Theme, bad *badRating, rate func(level int, reason, phone string)) fyne.CanvasObject {
	// The form's number, taken with one tap, stays masked: the resident
	// knows it, and whoever stands behind them need not.
	shown := func() string {
		if bad.phone != "" && bad.phone == bad.known {
			return journey.MaskPhone(bad.phone)
		}
		return or(bad.phone, T("rating.phone_none"))
	}
	number := text(th, shown(), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)
	pad := t.keypad(th, keypad{keys: append(append([]string{}, digitKeys...), keyBackspace), cols: 6, max: 11,
		get: func() string { return bad.phone }, set: func(v string) { bad.phone = v },
		changed: func() bool {
			if bad.wrong { // the error under the keys goes with a new screen
				bad.wrong = false
				return false
			}
			number.Text = shown()
			number.Refresh()
			return true
		}})
	body := container.NewVBox(sentence(T("rating.call_back_hint")), number)
	if bad.known != "" && bad.phone != bad.known {
		body.Add(t.namedButton(th, "rating.use_phone", T("rating.use_phone", map[string]any{"Phone": journey.MaskPhone(bad.known)}), false, func() {
			bad.phone, bad.wrong = bad.known, false
			t.refresh()
		}))
	}
	body.Add(pad)
	if bad.wrong {
		body.Add(text(th, T("rating.phone_wrong"), fynetheme.SizeNameText, fynetheme.ColorNameError, true))
	}
	return t.stepCard(th, T("rating.call_back"), body,
		t.button(th, T("apply.back"), false, func() { bad.reason, bad.phone, bad.wrong = "", "", false; t.refresh() }),
		t.button(th, T("rating.no_call_back"), false, func() { rate(bad.level, bad.reason, "") }),
		t.button(th, T("rating.send"), true, func() {
			if bad.phone != "" && !journey.ValidPhone(bad.phone) {
				bad.wrong = true
				t.refresh()
				return
			}
			rate(bad.level, bad.reason, bad.phone)
		}))
}

// finish ends the journey, forgets it, and thanks the resident.
// finish ends a finished journey: the resident is leaving, so the
// session ends with it (language and mode back to the site's), and the
// home screen thanks them — for the rating only if they gave one.
func (s *applyScreen) finish(rated bool) {
	t := s.kit
	key := "apply.thanks_done"
	if rated {
		key = "apply.thanks"
	}
	t.tell(notice{key: key, kind: fynetheme.ColorNameSuccess, until: t.opt.Now().Add(10 * time.Second)})
	t.endSession("finished")
}
