package ui

import (
	"context"
	"errors"
	"reflect"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// queryScreen is "my applications" (查询) and, under the 评价 tile, the
// same list to rate one from: the card's applications once read.
type queryScreen struct {
	kit *kit
	queryState
	// lookups counts the scans looked up, so that the answer to one the
	// resident has since replaced (or left) is dropped; never wiped.
	lookups int
}

// wipe forgets the card and its applications.
func (s *queryScreen) wipe() { s.queryState = queryState{} }

// queryState is what the screen holds of the session: nothing until a card
// is read.
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
	// scanned is the application of a receipt's QR code held to the
	// scanner, shown alone, without the card; scanErr is the key of why
	// a scan opened nothing; scanning while a scan is looked up, whose
	// number in lookups is lookup.
	scanned  *journey.Progress
	scanErr  string
	scanning bool
	lookup   int
}

// scanWait bounds the look-up of a scan: the district is asked about a
// receipt another terminal printed, and a resident does not wait longer.
const scanWait = 10 * time.Second

// scan looks up the application of a receipt's code off Fyne's
// goroutine, and shows it: a scan replaces a card's list (one resident is
// at the terminal) and the scan before it.
func (s *queryScreen) scan(code string) {
	t := s.kit
	s.lookups++
	s.queryState = queryState{scanning: true, lookup: s.lookups}
	t.refresh()
	n := s.lookups
	t.async(func() {
		ctx, cancel := context.WithTimeout(context.Background(), scanWait)
		defer cancel()
		p, err := t.opt.LookUpReceipt(ctx, code)
		t.do(func() {
			if !s.scanning || s.lookup != n { // replaced, or the resident left
				return
			}
			s.scanning = false
			if err != nil {
				s.scanErr = scanErrorKey(err)
				t.opt.Log.Info("a scanned receipt opened nothing", "why", s.scanErr, "err", err)
			} else {
				s.scanned = &p
			}
			t.refresh()
		})
	})
}

// scanFailed says why a scan opened nothing.
func (s *queryScreen) scanFailed(key string) {
	s.lookups++
	s.queryState = queryState{scanErr: key}
	s.kit.refresh()
}

// scanErrorKey is the translation key that tells the resident why a scan
// opened nothing, and what to do.
func scanErrorKey(err error) string {
	switch {
	case errors.Is(err, receiptcode.ErrNoCode):
		return "scan.not_receipt"
	case errors.Is(err, receiptcode.ErrForged):
		return "scan.forged"
	case errors.Is(err, journey.ErrReceiptUnknown):
		return "scan.unknown"
	case errors.Is(err, journey.ErrReceiptOffline):
		return "scan.offline"
	}
	return "query.failed"
}

// scannerReady reports whether a scan can be taken now: a scanner is
// configured and working, and scans are looked up.
func (t *kit) scannerReady() bool {
	if t.opt.LookUpReceipt == nil || t.opt.Config.Scanner.Device == "" {
		return false
	}
	for _, st := range t.opt.Devices.Snapshot() {
		if st.Kind == devices.CodeScanner {
			return st.State.Usable()
		}
	}
	return false
}

// queryRefresh is how often a shown list is read again for statuses that
// came from the district meanwhile.
const queryRefresh = 5 * time.Second

func (s *queryScreen) cardRead(ev idcard.Event) {
	t := s.kit
	if ev.Err != nil || t.opt.MyApplications == nil {
		s.err = "card.damaged"
		t.refresh()
		return
	}
	s.queryState = queryState{idNumber: ev.Card.IDNumber, holder: journey.MaskName(ev.Card.Name)}
	// Ask the district for the latest statuses now, not at the next round.
	if deps := t.opt.ApplyDeps; deps != nil && deps.Kick != nil {
		deps.Kick()
	}
	s.load()
}

// load reads the card's applications off Fyne's goroutine
// and shows them when they differ from what is shown.
func (s *queryScreen) load() {
	t := s.kit
	if s.loading || s.idNumber == "" {
		return
	}
	s.loading = true
	id := s.idNumber
	t.async(func() {
		list, err := t.opt.MyApplications(id)
		t.do(func() {
			if s.idNumber != id { // the resident left meanwhile
				return
			}
			s.loading, s.loaded = false, t.opt.Now()
			switch {
			case err != nil:
				t.opt.Log.Warn("my applications", "err", err)
				if !s.read {
					s.err = "query.failed"
					t.refresh()
				}
			case !s.read || !reflect.DeepEqual(list, s.list):
				s.list, s.read, s.err = list, true, ""
				t.refresh()
			}
		})
	})
}

// follow reads a shown list again now and then.
func (s *queryScreen) follow(now time.Time) {
	shown := s.kit.sess.Screen()
	if (shown == screenQuery || shown == screenRate) && s.read && s.rating == nil && now.Sub(s.loaded) >= queryRefresh {
		s.load()
	}
}

// rate keeps a rating of an application chosen from the list,
// off Fyne's goroutine, and goes home with thanks — or says it was rated
// already (the first rating counts).
func (s *queryScreen) rate(p journey.Progress, level int, reason, phone string) {
	t := s.kit
	deps := t.opt.ApplyDeps
	if deps == nil || s.saving {
		return
	}
	s.saving = true
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
		t.tell(notice{key: key, kind: kind, until: t.opt.Now().Add(10 * time.Second)})
		t.goHome()
	})
}

// content asks for the card, then lists the resident's applications
// on this terminal with where each stands.
func (s *queryScreen) content(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	lang := t.sess.Lang()
	if !s.read && s.scanned == nil {
		title := T("query.title")
		if t.sess.Screen() == screenRate {
			title = T("rating.choose")
		}
		content := container.NewVBox(text(th, title, fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true))
		switch {
		case s.scanning:
			content.Add(callout(th, T("scan.looking"), fynetheme.ColorNameSuccess))
		case s.scanErr != "":
			content.Add(callout(th, T(s.scanErr), fynetheme.ColorNameWarning))
		case s.err != "":
			content.Add(banner(th, T(s.err), fynetheme.ColorNameWarning))
		}
		content.Add(sentence(T("query.card_hint")))
		if t.scannerReady() {
			content.Add(sentence(T("scan.hint")))
		}
		return t.framed(th, fillingCard(th, content))
	}
	serviceName := func(code string) string {
		if t.opt.Catalog != nil {
			if s, ok := t.opt.Catalog.Service(code); ok {
				return s.Name.In(lang)
			}
		}
		return code
	}
	if p := s.rating; p != nil {
		return t.ratingScreen(th, serviceName(p.Service), &s.bad, func(level int, reason, phone string) {
			s.rate(*p, level, reason, phone)
		}, func() {
			s.rating, s.bad = nil, badRating{}
			t.refresh()
		})
	}
	if p := s.scanned; p != nil {
		return t.framed(th, fillingCard(th, s.scannedContent(th, *p, serviceName(p.Service))))
	}
	rows := container.NewVBox(
		text(th, T("query.title"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true),
		text(th, T("query.whose", map[string]any{"Name": s.holder}), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, false))
	if len(s.list) == 0 {
		rows.Add(text(th, T("query.none"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, false))
	}
	for _, p := range s.list {
		rows.Add(s.item(th, p, serviceName(p.Service)))
	}
	return t.framed(th, vscroll(rows))
}

// scannedContent is the application of a scanned receipt, alone on the
// screen: where it stands first and largest, then what it is, then what
// else the resident can do.
func (s *queryScreen) scannedContent(th fyne.Theme, p journey.Progress, service string) fyne.CanvasObject {
	t := s.kit
	words := T("scan.title") + T("query.state."+p.State)
	if p.Message != "" {
		words += " · " + p.Message
	}
	state := sentence(words)
	state.TextStyle.Bold = true
	state.SizeName = fynetheme.SizeNameHeadingText
	content := container.NewVBox(
		text(th, service, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true),
		state,
		text(th, T("apply.receipt_number")+p.Receipt+"   "+p.Submitted.In(t.opt.Now().Location()).Format("2006-01-02 15:04"), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, false))
	switch {
	case t.sess.Screen() != screenRate:
	case p.Rated:
		content.Add(text(th, T("rating.done"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, true))
	default:
		b := widget.NewButton(T("rating.this"), t.input(func() {
			s.rating = &p
			t.refresh()
		}))
		b.Importance = widget.HighImportance
		t.name(b, "rate:"+p.Receipt)
		content.Add(bigButton(th, b))
	}
	content.Add(sentence(T("scan.again")))
	return content
}

// item is one application: its service, receipt number and date, where
// it stands, and on the rating screen the way to rate it.
func (s *queryScreen) item(th fyne.Theme, p journey.Progress, service string) fyne.CanvasObject {
	t := s.kit
	state := T("query.state." + p.State)
	if p.Message != "" {
		state += " · " + p.Message
	}
	item := container.NewVBox(
		text(th, service, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true),
		text(th, T("apply.receipt_number")+p.Receipt+"   "+p.Submitted.In(t.opt.Now().Location()).Format("2006-01-02 15:04"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false),
		text(th, state, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, false))
	if t.sess.Screen() == screenRate {
		if p.Rated {
			item.Add(text(th, T("rating.done"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, true))
		} else {
			b := widget.NewButton(T("rating.this"), t.input(func() {
				s.rating = &p
				t.refresh()
			}))
			b.Importance = widget.HighImportance
			t.name(b, "rate:"+p.Receipt)
			item.Add(bigButton(th, b))
		}
	}
	return newCard(th, item)
}
