package ui

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
)

// askScreen is 咨询投诉: a consultation, complaint or suggestion made of
// choices (no typing but an optional phone number), stored, and confirmed
// with a printed slip.
type askScreen struct {
	kit *kit
	askState
}

// wipe forgets the question being written, its words and phone number
// wiped from memory.
func (s *askScreen) wipe() {
	if s.a != nil {
		s.a.Wipe()
	}
	s.askState = askState{}
}

// askState is the question being written, nil until the screen is shown.
type askState struct {
	a       *journey.Ask
	topic   string   // the chosen topic (askTopics)
	phrases []string // the chosen phrases (askPhrases), in the order chosen
	phone   bool     // the phone keypad is open
	busy    bool     // being stored
	receipt string   // set once stored
	printed string   // the slip's printing: one of the print* states
	err     string
}

// The topics and preset phrases residents choose from: no typing needed.
var (
	askTopics  = []string{"window", "speed", "materials", "terminal", "other"}
	askPhrases = []string{"wait", "attitude", "more_services", "guide_unclear", "device_broken"}
)

// words puts the chosen topic and phrases into the question in the
// language shown now; the screen keeps the choices, so they stay marked
// whatever the language.
func (s *askScreen) words() {
	t := s.kit
	a := s.a
	a.Topic = ""
	if s.topic != "" {
		a.Topic = T("ask.topic." + s.topic)
	}
	var said []string
	for _, p := range s.phrases {
		said = append(said, T("ask.phrase."+p))
	}
	sep := "；"
	if t.sess.Lang() == "en" {
		sep = "; "
	}
	a.Text = strings.Join(said, sep)
}

// changed follows a choice: a warning about something missing goes as
// soon as that is given (a failed save stays until the next try).
func (s *askScreen) changed() {
	s.words()
	if s.err != "" && s.err != journey.WhySaveFailed && s.a.Check() != s.err {
		s.err = ""
	}
}

// submit stores the question off Fyne's goroutine (the outbox fsyncs)
// and then prints its slip.
func (s *askScreen) submit() {
	t := s.kit
	a := s.a
	if s.busy {
		return // a second tap while the first is stored
	}
	s.words()
	if why := a.Check(); why != "" {
		s.err = why
		t.refresh()
		return
	}
	s.busy, s.err = true, ""
	t.refresh()
	// The goroutine stores its own copy: taps meanwhile, or the session
	// ending and wiping the screen's, do not touch what is being stored.
	send := *a
	var number string
	t.save("question", func(ctx context.Context) (err error) {
		number, err = send.Submit(ctx)
		return err
	}, func(err error) {
		if s.a != a {
			send.Wipe()
			return // the session ended meanwhile
		}
		s.busy = false
		if err != nil {
			send.Wipe()
			s.err = journey.WhySaveFailed
			t.refresh()
			return
		}
		a.Wipe()
		s.askState = askState{a: &send, receipt: number}
		s.printSlip()
	})
}

// printSlip shows the stored question's confirmation and prints its
// slip off Fyne's goroutine; the screen then says how printing went.
func (s *askScreen) printSlip() {
	t := s.kit
	a := s.a
	if t.opt.PrintReceipt == nil {
		s.printed = printNoPrinter
		t.refresh()
		return
	}
	if s.printed == printPrinting {
		return
	}
	s.printed = printPrinting
	t.refresh()
	slip := a.Slip(t.opt.Config.District, journey.AskSlipText{
		Title: T("ask.slip_title"), Number: T("ask.slip_number"), Date: T("receipt.date"),
		TypeLabel: T("ask.slip_type"), TypeName: T("ask.type." + a.Type), TopicLabel: T("ask.slip_topic"), Topic: a.Topic,
		ByPhone: T("ask.reply_phone"), FollowUp: s.followUp()})
	t.async(func() {
		img, err := t.opt.PrintReceipt(slip)
		t.do(func() {
			if s.a != a {
				return // the session ended meanwhile
			}
			s.printed = printedAs(err)
			if err != nil {
				t.opt.Log.Warn("question slip not printed", "err", err)
			}
			t.refresh()
			if img != nil { // the virtual printer: show what it printed
				t.showReceipt(img, nil)
			}
		})
	})
}

// followUp tells a resident who left no phone how to follow the
// question up: by its number on the district's hotline.
func (s *askScreen) followUp() string {
	t := s.kit
	hotline := t.opt.District.Hotline
	if hotline == "" {
		hotline = "12345"
	}
	return T("ask.follow_up", map[string]any{"Phone": hotline})
}

// askPrinted is the sentence for where the slip's printing stands.
func askPrinted(state string) string {
	switch state {
	case printPrinting:
		return T("ask.printing")
	case printDone:
		return T("ask.printed")
	case printPaperOut:
		return T("ask.paper_out")
	case printFailed:
		return T("ask.not_printed")
	case printNoPrinter:
		return T("ask.no_printer")
	}
	return ""
}

// done is the confirmation: the number to quote, how the resident
// hears back — a reply only to one who left a phone — and the slip.
func (s *askScreen) done(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	reply := s.followUp()
	if s.a.CallBack() {
		reply = T("ask.reply_phone")
	}
	body := container.NewVBox(sentence(T("ask.saved", map[string]any{"Receipt": s.receipt})), sentence(reply))
	if said := askPrinted(s.printed); said != "" {
		kind := fynetheme.ColorNameWarning
		if s.printed == printDone || s.printed == printPrinting {
			kind = fynetheme.ColorNameSuccess
		}
		body.Add(callout(th, said, kind))
	}
	var actions []fyne.CanvasObject
	if s.printed == printPaperOut || s.printed == printFailed {
		again := widget.NewButton(T("apply.print_again"), t.input(s.printSlip))
		t.name(again, "ask:print_again")
		actions = append(actions, bigButton(th, again))
	}
	return t.framed(th, vscroll(container.NewCenter(t.wide(newCard(th, body)))), actions...)
}

func (s *askScreen) content(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	if s.a == nil {
		deps := journey.Deps{TerminalID: t.opt.Config.TerminalID, Now: t.opt.Now}
		if t.opt.ApplyDeps != nil {
			deps = *t.opt.ApplyDeps
		}
		s.askState = askState{a: journey.NewAsk(deps)}
	}
	a := s.a
	if s.receipt != "" {
		return s.done(th)
	}
	p := th.Size(fynetheme.SizeNamePadding)
	width := t.win.Canvas().Size().Width - 40*p
	// choices is a row of large buttons; the chosen ones stand out.
	choices := func(kind, prefix string, values []string, chosen func(string) bool, choose func(string)) fyne.CanvasObject {
		var bs []fyne.CanvasObject
		for _, v := range values {
			value := v
			b := widget.NewButton(T(prefix+value), t.input(func() {
				choose(value)
				s.changed()
				t.refresh()
			}))
			if chosen(value) {
				b.Importance = widget.HighImportance
			}
			t.name(b, "ask:"+kind+":"+value)
			bs = append(bs, bigButton(th, b))
		}
		return container.New(&flowLayout{gap: p, width: width}, bs...)
	}
	label := func(key string) fyne.CanvasObject {
		return text(th, T(key), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true)
	}
	body := container.NewVBox(text(th, T("tile.complain"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true))
	if s.err != "" {
		body.Add(banner(th, T(s.err), fynetheme.ColorNameWarning))
	}
	body.Add(label("ask.type"))
	body.Add(choices("type", "ask.type.", []string{journey.Consultation, journey.Complaint, journey.Suggestion},
		func(v string) bool { return a.Type == v }, func(v string) { a.Type = v }))
	body.Add(label("ask.topic"))
	body.Add(choices("topic", "ask.topic.", askTopics,
		func(v string) bool { return s.topic == v }, func(v string) { s.topic = v }))
	body.Add(label("ask.words"))
	body.Add(choices("phrase", "ask.phrase.", askPhrases,
		func(v string) bool { return slices.Contains(s.phrases, v) },
		func(v string) {
			if i := slices.Index(s.phrases, v); i >= 0 {
				s.phrases = slices.Delete(s.phrases, i, i+1)
				return
			}
			s.phrases = append(s.phrases, v)
		}))
	phone := a.Phone
	if phone == "" {
		phone = T("ask.phone_optional")
	}
	phoneBtn := widget.NewButton(phone, t.input(func() { s.phone = !s.phone; t.refresh() }))
	t.name(phoneBtn, "ask:phone")
	body.Add(bigButton(th, phoneBtn))
	if s.phone {
		body.Add(t.keypad(th, keypad{keys: append(append([]string{}, digitKeys...), keyBackspace), max: 11,
			get: func() string { return a.Phone }, set: func(v string) { a.Phone = v },
			changed: func() bool {
				was := s.err
				s.changed()
				phoneBtn.SetText(or(a.Phone, T("ask.phone_optional")))
				return s.err == was // an error that went takes a new screen
			}}))
	}
	submit := widget.NewButton(T("ask.submit"), t.input(s.submit))
	submit.Importance = widget.HighImportance
	t.name(submit, "ask:submit")
	if t.opt.ApplyDeps == nil || s.busy {
		submit.Disable()
	}
	// Submit stays in the foot beside home and staff; the choices scroll.
	return t.framed(th, vscroll(body), bigButton(th, submit))
}
