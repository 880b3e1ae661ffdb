package ui

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// staffCall is a resident's call for staff (呼叫帮办) being followed: the
// record made of it, when, and what the resident was last told.
type staffCall struct {
	words *widget.Label // what the staff screen says, updated in place
	id    string        // the outbox record, once saved
	n     int           // counts the calls, so a late save finds its own
	at    time.Time
	reply journey.StaffReply
}

// callStaff records a staff call (呼叫帮办) from the screen the resident is
// on and follows it: the screen says staff are coming only once the
// district has the call and the site is staffed now, and otherwise gives
// the hotline. "Back" returns to that screen, with whatever the resident
// had done kept.
func (t *Terminal) callStaff() {
	from := t.sess.Screen()
	if from == screenStaff {
		return
	}
	t.staffFrom = from
	t.staff = staffCall{at: t.opt.Now(), n: t.staff.n + 1}
	if deps := t.opt.ApplyDeps; deps != nil && deps.Outbox != nil {
		d, n := *deps, t.staff.n
		var id string
		t.save("staff call", func(ctx context.Context) (err error) {
			id, err = journey.CallStaff(ctx, d, from)
			return err
		}, func(err error) {
			if err == nil && t.staff.n == n { // still this call
				t.staff.id = id
			}
		})
	}
	t.opt.Log.Info("staff called", "screen", from)
	t.staff.reply = t.staffReply(t.opt.Now())
	t.show(screenStaff)
}

// staffReply is what the staff screen says now.
func (t *Terminal) staffReply(now time.Time) journey.StaffReply {
	return journey.ReplyToStaffCall(t.delivered(t.staff.id), t.online(), t.inServiceHours(), now.Sub(t.staff.at))
}

// followStaffCall updates the staff screen when what it should say
// changes (the district took the call, or it went unanswered).
func (t *Terminal) followStaffCall(now time.Time) {
	if t.sess.Screen() != screenStaff || t.staff.reply == journey.StaffComing {
		return
	}
	if r := t.staffReply(now); r != t.staff.reply {
		t.staff.reply = r
		t.opt.Log.Info("staff call", "reply", int(r))
		// Its words change in place: a tap on "back" meanwhile must land.
		if l := t.staff.words; l != nil {
			l.SetText(t.staffWords())
		} else {
			t.rebuild()
		}
	}
}

// staffWords is the staff screen's sentence for its reply.
func (t *Terminal) staffWords() string {
	hotline := t.opt.District.Hotline
	if hotline == "" {
		hotline = "12345"
	}
	switch t.staff.reply {
	case journey.StaffComing:
		return T("staff.called." + t.opt.Config.SiteKind)
	case journey.StaffHotline:
		if !t.inServiceHours() {
			return T("staff.hotline.out_of_hours", map[string]any{"Hours": t.opt.District.ServiceHours, "Phone": hotline})
		}
		return T("staff.hotline.unanswered", map[string]any{"Phone": hotline})
	}
	return T("staff.calling")
}

func (t *Terminal) staffScreen(th fyne.Theme) fyne.CanvasObject {
	l := sentence(t.staffWords())
	l.Alignment = fyne.TextAlignCenter
	t.staff.words = l
	back := widget.NewButton(T("staff.back"), t.input(func() {
		from := t.staffFrom
		if from == "" || from == screenStaff {
			from = session.Home
		}
		t.show(from)
	}))
	back.Importance = widget.HighImportance
	return t.framed(th, container.NewCenter(t.wide(newCard(th, container.NewVBox(l, spacer(th), bigButton(th, back))))))
}

// queryState is "my applications": the card's applications once read.
type queryState struct {
	list []journey.Progress
	read bool
	err  string
	// idNumber is the card's, to ask again while the list is shown (a
	// status may arrive meanwhile); holder its masked name, to say whose
	// list it is. Both go with the session.
	idNumber string
	holder   string
	loading  bool
	loaded   time.Time
	// rating is the application being rated from the list (the 评价
	// tile), and bad a bad rating waiting for its reason and call back;
	// saving while the rating is written.
	rating *journey.Progress
	bad    badRating
	saving bool
}

// queryRefresh is how often a shown list is read again for statuses that
// came from the district meanwhile.
const queryRefresh = 5 * time.Second

func (t *Terminal) queryCardRead(ev idcard.Event) {
	if ev.Err != nil || t.opt.MyApplications == nil {
		t.query.err = "card.damaged"
		t.rebuild()
		return
	}
	t.query = queryState{idNumber: ev.Card.IDNumber, holder: journey.MaskName(ev.Card.Name)}
	// Ask the district for the latest statuses now, not at the next round.
	if deps := t.opt.ApplyDeps; deps != nil && deps.Kick != nil {
		deps.Kick()
	}
	t.loadApplications()
}

// loadApplications reads the card's applications off Fyne's goroutine
// and shows them when they differ from what is shown.
func (t *Terminal) loadApplications() {
	if t.query.loading || t.query.idNumber == "" {
		return
	}
	t.query.loading = true
	id := t.query.idNumber
	t.async(func() {
		list, err := t.opt.MyApplications(id)
		t.do(func() {
			if t.query.idNumber != id { // the resident left meanwhile
				return
			}
			t.query.loading, t.query.loaded = false, t.opt.Now()
			switch {
			case err != nil:
				t.opt.Log.Warn("my applications", "err", err)
				if !t.query.read {
					t.query.err = "query.failed"
					t.rebuild()
				}
			case !t.query.read || !reflect.DeepEqual(list, t.query.list):
				t.query.list, t.query.read, t.query.err = list, true, ""
				t.rebuild()
			}
		})
	})
}

// followQuery reads a shown list again now and then.
func (t *Terminal) followQuery(now time.Time) {
	s := t.sess.Screen()
	if (s == screenQuery || s == screenRate) && t.query.read && t.query.rating == nil && now.Sub(t.query.loaded) >= queryRefresh {
		t.loadApplications()
	}
}

// rateFromList keeps a rating of an application chosen from the list,
// off Fyne's goroutine, and goes home with thanks — or says it was rated
// already (the first rating counts).
func (t *Terminal) rateFromList(p journey.Progress, level int, reason, phone string) {
	deps := t.opt.ApplyDeps
	if deps == nil || t.query.saving {
		return
	}
	t.query.saving = true
	d := *deps
	t.save("rating", func(ctx context.Context) error {
		return journey.RateService(ctx, d, p.Service, p.Receipt, level, reason, phone)
	}, func(err error) {
		key, kind := "rating.thanks", fynetheme.ColorNameSuccess
		switch {
		case errors.Is(err, journey.ErrAlreadyRated):
			key, kind = "rating.already", fynetheme.ColorNameWarning
		case err != nil:
			key, kind = "apply.save_failed", fynetheme.ColorNameWarning
		}
		t.forgetHelp()
		t.notice = notice{key: key, kind: kind, until: t.opt.Now().Add(10 * time.Second)}
		t.show(session.Home)
	})
}

// queryScreen asks for the card, then lists the resident's applications
// on this terminal with where each stands.
func (t *Terminal) queryScreen(th fyne.Theme) fyne.CanvasObject {
	lang := t.sess.Lang()
	if !t.query.read {
		hint := sentence(T("query.card_hint"))
		title := T("query.title")
		if t.sess.Screen() == screenRate {
			title = T("rating.choose")
		}
		content := container.NewVBox(text(th, title, fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true))
		if t.query.err != "" {
			content.Add(banner(th, T(t.query.err), fynetheme.ColorNameWarning))
		}
		content.Add(hint)
		return t.framed(th, newCard(th, content))
	}
	serviceName := func(code string) string {
		if t.opt.Catalog != nil {
			if s, ok := t.opt.Catalog.Service(code); ok {
				return s.Name.In(lang)
			}
		}
		return code
	}
	if p := t.query.rating; p != nil {
		return t.ratingScreen(th, serviceName(p.Service), &t.query.bad, func(level int, reason, phone string) {
			t.rateFromList(*p, level, reason, phone)
		}, func() {
			t.query.rating, t.query.bad = nil, badRating{}
			t.rebuild()
		})
	}
	rows := container.NewVBox(
		text(th, T("query.title"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true),
		text(th, T("query.whose", map[string]any{"Name": t.query.holder}), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, false))
	if len(t.query.list) == 0 {
		rows.Add(text(th, T("query.none"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, false))
	}
	for _, p := range t.query.list {
		state := T("query.state." + p.State)
		if p.Message != "" {
			state += " · " + p.Message
		}
		item := container.NewVBox(
			text(th, serviceName(p.Service), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true),
			text(th, T("apply.receipt_number")+p.Receipt+"   "+p.Submitted.In(t.opt.Now().Location()).Format("2006-01-02 15:04"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false),
			text(th, state, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, false))
		if t.sess.Screen() == screenRate {
			if p.Rated {
				item.Add(text(th, T("rating.done"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, true))
			} else {
				progress := p
				b := widget.NewButton(T("rating.this"), t.input(func() {
					t.query.rating = &progress
					t.rebuild()
				}))
				b.Importance = widget.HighImportance
				t.name(b, "rate:"+p.Receipt)
				item.Add(bigButton(th, b))
			}
		}
		rows.Add(newCard(th, item))
	}
	return t.framed(th, vscroll(rows))
}

// askState is a consultation, complaint or suggestion being written.
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

// askWords puts the chosen topic and phrases into the question in the
// language shown now; the screen keeps the choices, so they stay marked
// whatever the language.
func (t *Terminal) askWords() {
	a := t.ask.a
	a.Topic = ""
	if t.ask.topic != "" {
		a.Topic = T("ask.topic." + t.ask.topic)
	}
	var said []string
	for _, p := range t.ask.phrases {
		said = append(said, T("ask.phrase."+p))
	}
	sep := "；"
	if t.sess.Lang() == "en" {
		sep = "; "
	}
	a.Text = strings.Join(said, sep)
}

// askChanged follows a choice: a warning about something missing goes as
// soon as that is given (a failed save stays until the next try).
func (t *Terminal) askChanged() {
	t.askWords()
	if t.ask.err != "" && t.ask.err != journey.WhySaveFailed && t.ask.a.Check() != t.ask.err {
		t.ask.err = ""
	}
}

// submitAsk stores the question off Fyne's goroutine (the outbox fsyncs)
// and then prints its slip.
func (t *Terminal) submitAsk() {
	a := t.ask.a
	if t.ask.busy {
		return // a second tap while the first is stored
	}
	t.askWords()
	if why := a.Check(); why != "" {
		t.ask.err = why
		t.rebuild()
		return
	}
	t.ask.busy, t.ask.err = true, ""
	t.rebuild()
	// The goroutine stores its own copy: taps meanwhile, or the session
	// ending and wiping the screen's, do not touch what is being stored.
	send := *a
	var number string
	t.save("question", func(ctx context.Context) (err error) {
		number, err = send.Submit(ctx)
		return err
	}, func(err error) {
		if t.ask.a != a {
			send.Wipe()
			return // the session ended meanwhile
		}
		t.ask.busy = false
		if err != nil {
			send.Wipe()
			t.ask.err = journey.WhySaveFailed
			t.rebuild()
			return
		}
		a.Wipe()
		t.ask = askState{a: &send, receipt: number}
		t.printAskSlip()
	})
}

// printAskSlip shows the stored question's confirmation and prints its
// slip off Fyne's goroutine; the screen then says how printing went.
func (t *Terminal) printAskSlip() {
	a := t.ask.a
	if t.opt.PrintReceipt == nil {
		t.ask.printed = printNoPrinter
		t.rebuild()
		return
	}
	if t.ask.printed == printPrinting {
		return
	}
	t.ask.printed = printPrinting
	t.rebuild()
	slip := a.Slip(t.opt.Config.District, journey.AskSlipText{
		Title: T("ask.slip_title"), Number: T("ask.slip_number"), Date: T("receipt.date"),
		TypeLabel: T("ask.slip_type"), TypeName: T("ask.type." + a.Type), TopicLabel: T("ask.slip_topic"), Topic: a.Topic,
		ByPhone: T("ask.reply_phone"), FollowUp: t.askFollowUp()})
	t.async(func() {
		img, err := t.opt.PrintReceipt(slip)
		t.do(func() {
			if t.ask.a != a {
				return // the session ended meanwhile
			}
			switch {
			case errors.Is(err, printer.ErrPaperOut):
				t.ask.printed = printPaperOut
			case err != nil:
				t.ask.printed = printFailed
			default:
				t.ask.printed = printDone
			}
			if err != nil {
				t.opt.Log.Warn("question slip not printed", "err", err)
			}
			t.rebuild()
			if img != nil { // the virtual printer: show what it printed
				t.showReceipt(img, nil)
			}
		})
	})
}

// askFollowUp tells a resident who left no phone how to follow the
// question up: by its number on the district's hotline.
func (t *Terminal) askFollowUp() string {
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

// askDone is the confirmation: the number to quote, how the resident
// hears back — a reply only to one who left a phone — and the slip.
func (t *Terminal) askDone(th fyne.Theme) fyne.CanvasObject {
	reply := t.askFollowUp()
	if t.ask.a.CallBack() {
		reply = T("ask.reply_phone")
	}
	body := container.NewVBox(sentence(T("ask.saved", map[string]any{"Receipt": t.ask.receipt})), sentence(reply))
	if s := askPrinted(t.ask.printed); s != "" {
		kind := fynetheme.ColorNameWarning
		if t.ask.printed == printDone || t.ask.printed == printPrinting {
			kind = fynetheme.ColorNameSuccess
		}
		body.Add(callout(th, s, kind))
	}
	var actions []fyne.CanvasObject
	if t.ask.printed == printPaperOut || t.ask.printed == printFailed {
		again := widget.NewButton(T("apply.print_again"), t.input(t.printAskSlip))
		t.name(again, "ask:print_again")
		actions = append(actions, bigButton(th, again))
	}
	return t.framed(th, vscroll(container.NewCenter(t.wide(newCard(th, body)))), actions...)
}

func (t *Terminal) askScreen(th fyne.Theme) fyne.CanvasObject {
	if t.ask.a == nil {
		deps := journey.Deps{TerminalID: t.opt.Config.TerminalID, Now: t.opt.Now}
		if t.opt.ApplyDeps != nil {
			deps = *t.opt.ApplyDeps
		}
		t.ask = askState{a: journey.NewAsk(deps)}
	}
	a := t.ask.a
	if t.ask.receipt != "" {
		return t.askDone(th)
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
				t.askChanged()
				t.rebuild()
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
	if t.ask.err != "" {
		body.Add(banner(th, T(t.ask.err), fynetheme.ColorNameWarning))
	}
	body.Add(label("ask.type"))
	body.Add(choices("type", "ask.type.", []string{journey.Consultation, journey.Complaint, journey.Suggestion},
		func(v string) bool { return a.Type == v }, func(v string) { a.Type = v }))
	body.Add(label("ask.topic"))
	body.Add(choices("topic", "ask.topic.", askTopics,
		func(v string) bool { return t.ask.topic == v }, func(v string) { t.ask.topic = v }))
	body.Add(label("ask.words"))
	body.Add(choices("phrase", "ask.phrase.", askPhrases,
		func(v string) bool { return slices.Contains(t.ask.phrases, v) },
		func(v string) {
			if i := slices.Index(t.ask.phrases, v); i >= 0 {
				t.ask.phrases = slices.Delete(t.ask.phrases, i, i+1)
				return
			}
			t.ask.phrases = append(t.ask.phrases, v)
		}))
	phone := a.Phone
	if phone == "" {
		phone = T("ask.phone_optional")
	}
	phoneBtn := widget.NewButton(phone, t.input(func() { t.ask.phone = !t.ask.phone; t.rebuild() }))
	t.name(phoneBtn, "ask:phone")
	body.Add(bigButton(th, phoneBtn))
	if t.ask.phone {
		body.Add(t.keypad(th, keypad{keys: append(append([]string{}, digitKeys...), keyBackspace), max: 11,
			get: func() string { return a.Phone }, set: func(v string) { a.Phone = v }, changed: t.askChanged}))
	}
	submit := widget.NewButton(T("ask.submit"), t.input(t.submitAsk))
	submit.Importance = widget.HighImportance
	t.name(submit, "ask:submit")
	if t.opt.ApplyDeps == nil || t.ask.busy {
		submit.Disable()
	}
	// Submit stays in the foot beside home and staff; the choices scroll.
	return t.framed(th, vscroll(body), bigButton(th, submit))
}
