package ui

import (
	"context"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// callStaff records a staff call (呼叫帮办) from the screen the resident is
// on, and says help is coming; "back" returns to that screen, with
// whatever the resident had done kept.
func (t *Terminal) callStaff() {
	from := t.sess.Screen()
	if from == screenStaff {
		return
	}
	t.staffFrom = from
	if deps := t.opt.ApplyDeps; deps != nil && deps.Outbox != nil {
		d := *deps
		t.async(func() {
			if err := journey.CallStaff(context.Background(), d, from); err != nil {
				t.opt.Log.Warn("staff call not recorded", "err", err)
			}
		})
	}
	t.opt.Log.Info("staff called", "screen", from)
	t.show(screenStaff)
}

func (t *Terminal) staffScreen(th fyne.Theme) fyne.CanvasObject {
	l := sentence(T("staff.called." + t.opt.Config.SiteKind))
	l.Alignment = fyne.TextAlignCenter
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
	// rating is the application being rated from the list (the 评价
	// tile), and bad a bad rating waiting for its reason and call back.
	rating *journey.Progress
	bad    badRating
}

func (t *Terminal) queryCardRead(ev idcard.Event) {
	if ev.Err != nil || t.opt.MyApplications == nil {
		t.query.err = "card.damaged"
		t.rebuild()
		return
	}
	list, err := t.opt.MyApplications(ev.Card.IDNumber)
	if err != nil {
		t.opt.Log.Warn("my applications", "err", err)
		t.query.err = "query.failed"
	} else {
		t.query = queryState{list: list, read: true}
	}
	t.rebuild()
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
	if p := t.query.rating; p != nil {
		return t.ratingScreen(th, &t.query.bad, func(level int, reason, phone string) {
			if deps := t.opt.ApplyDeps; deps != nil {
				if err := journey.RateService(context.Background(), *deps, p.Service, p.Receipt, level, reason, phone); err != nil {
					t.opt.Log.Warn("rating not saved", "err", err)
				}
			}
			t.forgetHelp()
			t.notice = notice{key: "rating.thanks", kind: fynetheme.ColorNameSuccess, until: t.opt.Now().Add(10 * time.Second)}
			t.show(session.Home)
		}, func() {
			t.query.rating, t.query.bad = nil, badRating{}
			t.rebuild()
		})
	}
	rows := container.NewVBox(text(th, T("query.title"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true))
	if len(t.query.list) == 0 {
		rows.Add(text(th, T("query.none"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, false))
	}
	for _, p := range t.query.list {
		name := p.Service
		if t.opt.Catalog != nil {
			if s, ok := t.opt.Catalog.Service(p.Service); ok {
				name = s.Name.In(lang)
			}
		}
		state := T("query.state." + p.State)
		if p.Message != "" {
			state += " · " + p.Message
		}
		item := container.NewVBox(
			text(th, name, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true),
			text(th, T("apply.receipt_number")+p.Receipt+"   "+p.Submitted.In(t.opt.Now().Location()).Format("2006-01-02 15:04"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false),
			text(th, state, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, false))
		if t.sess.Screen() == screenRate {
			progress := p
			item.Add(t.button(th, T("rating.this"), true, func() {
				t.query.rating = &progress
				t.rebuild()
			}))
		}
		rows.Add(newCard(th, item))
	}
	return t.framed(th, vscroll(rows))
}

// askState is a consultation, complaint or suggestion being written.
type askState struct {
	a       *journey.Ask
	phone   bool   // the phone keypad is open
	receipt string // set once stored
	err     string
}

// The topics and preset phrases residents choose from: no typing needed.
var (
	askTopics  = []string{"window", "speed", "materials", "terminal", "other"}
	askPhrases = []string{"wait", "attitude", "more_services", "guide_unclear", "device_broken"}
)

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
		l := sentence(T("ask.saved", map[string]any{"Receipt": t.ask.receipt}))
		return t.framed(th, container.NewCenter(t.wide(newCard(th, l))))
	}
	p := th.Size(fynetheme.SizeNamePadding)
	width := t.win.Canvas().Size().Width - 40*p
	choices := func(prefix string, values []string, chosen string, set func(string)) fyne.CanvasObject {
		var bs []fyne.CanvasObject
		for _, v := range values {
			value := v
			b := widget.NewButton(T(prefix+value), t.input(func() { set(value); t.rebuild() }))
			if chosen == value || (prefix == "ask.phrase." && strings.Contains(a.Text, T(prefix+value))) {
				b.Importance = widget.HighImportance
			}
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
	body.Add(choices("ask.type.", []string{journey.Consultation, journey.Complaint, journey.Suggestion}, a.Type, func(v string) { a.Type = v }))
	body.Add(label("ask.topic"))
	body.Add(choices("ask.topic.", askTopics, a.Topic, func(v string) { a.Topic = T("ask.topic." + v) }))
	body.Add(label("ask.words"))
	body.Add(choices("ask.phrase.", askPhrases, "", func(v string) {
		phrase := T("ask.phrase." + v)
		if strings.Contains(a.Text, phrase) {
			a.Text = strings.TrimSpace(strings.ReplaceAll(a.Text, phrase+"；", ""))
			return
		}
		a.Text += phrase + "；"
	}))
	phone := a.Phone
	if phone == "" {
		phone = T("ask.phone_optional")
	}
	body.Add(bigButton(th, widget.NewButton(phone, t.input(func() { t.ask.phone = !t.ask.phone; t.rebuild() }))))
	if t.ask.phone {
		var keys []fyne.CanvasObject
		for _, k := range strings.Split("1 2 3 4 5 6 7 8 9 0", " ") {
			keys = append(keys, t.key(th, k, func() {
				if len(a.Phone) < 11 {
					a.Phone += k
				}
			}))
		}
		keys = append(keys, t.key(th, "⌫", func() {
			if n := len(a.Phone); n > 0 {
				a.Phone = a.Phone[:n-1]
			}
		}))
		body.Add(container.New(&flowLayout{gap: p, width: width}, keys...))
	}
	submit := widget.NewButton(T("ask.submit"), t.input(func() {
		if why := a.Check(); why != "" {
			t.ask.err = why
			t.rebuild()
			return
		}
		number, err := a.Submit(context.Background())
		if err != nil {
			t.opt.Log.Warn("question not saved", "err", err)
			t.ask.err = journey.WhySaveFailed
		} else {
			t.ask = askState{a: a, receipt: number}
		}
		t.rebuild()
	}))
	submit.Importance = widget.HighImportance
	if t.opt.ApplyDeps == nil {
		submit.Disable()
	}
	return t.framed(th, container.NewBorder(nil, bigButton(th, submit), nil, nil, vscroll(body)))
}
