package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
)

// A certificate (a catalog service of kind certificate) is issued by the
// district and printed on the A4 printer from its review: the review says
// whether that can happen here now; the issuing step follows the print,
// with a way to stop waiting on a stopped printer; the printed step sends
// the resident to the printer, then to the rating.

// certificateState is the issuing of a certificate on screen.
type certificateState struct {
	progress journey.IssueProgress
	// stop cancels the issue under way: the resident stops waiting, or
	// the session ends (a document must not print for nobody).
	stop context.CancelFunc
}

// a4Ready reports whether the A4 printer takes a job now, as the registry
// has it: working, or with a trouble staff see to (paper out, a jam) —
// the print system may still say so after staff refilled it, until the
// next job; a job on a printer still out of paper says so at once, and
// the resident may stop waiting. A queue stopped, missing or not
// answering takes none.
func (t *kit) a4Ready() bool {
	for _, st := range t.opt.Devices.Snapshot() {
		if st.Kind == devices.A4Printer {
			return st.State == devices.Online || st.State == devices.Busy || st.State == devices.UserError
		}
	}
	return false
}

// troubleKeys say a printer's trouble (a4printer's reasons) in the
// resident's words.
var troubleKeys = map[string]string{
	"paper out":             "trouble.paper_out",
	"paper tray out":        "trouble.tray_out",
	"paper jam":             "trouble.paper_jam",
	"a door is open":        "trouble.door_open",
	"a cover is open":       "trouble.door_open",
	"toner empty":           "trouble.toner_empty",
	"output tray full":      "trouble.tray_full",
	"printer offline":       "trouble.offline",
	"printer not connected": "trouble.offline",
}

func troubleWords(reason string) string {
	if k, ok := troubleKeys[reason]; ok {
		return T(k)
	}
	return T("trouble.other")
}

// certificateReview is the review's foot for a certificate: print it
// here, or — when that cannot happen now, or did not — why, and leave it
// as an application with a receipt instead.
func (s *applyScreen) certificateReview(th fyne.Theme, lines *fyne.Container, submit func()) fyne.CanvasObject {
	t := s.kit
	j := s.j
	ok, why := j.CanIssue(t.online(), t.a4Ready())
	var news fyne.CanvasObject
	switch {
	case j.Why() != "" && strings.HasPrefix(j.Why(), "certificate."):
		// A try that did not print says why first.
		words := T(j.Why())
		if d := j.WhyDetail(); d != "" {
			if j.Why() == journey.WhyPrinterStuck {
				d = troubleWords(d)
			}
			words += T("punct.colon") + d
		}
		news = callout(th, words, fynetheme.ColorNameWarning)
	case !ok:
		news = callout(th, T(why), fynetheme.ColorNameWarning)
	default:
		lines.Add(sentence(T("certificate.review_hint")))
	}
	buttons := []fyne.CanvasObject{t.button(th, T("apply.back"), false, func() { j.Back(); t.refresh() })}
	if ok {
		label := T("apply.issue")
		if j.Why() != "" {
			label = T("apply.retry_issue")
		}
		buttons = append(buttons, t.button(th, T("apply.leave_application"), false, submit), t.button(th, label, true, s.issue))
	} else {
		buttons = append(buttons, t.button(th, T("apply.leave_application"), true, submit))
	}
	return t.stepCardWithNews(th, T("apply.review_title"), lines, news, buttons...)
}

// issue asks the district for the document and prints it, off Fyne's
// goroutine; the issuing step shows how it goes.
func (s *applyScreen) issue() {
	t := s.kit
	j := s.j
	if s.busy {
		return
	}
	is, err := j.StartIssue(t.online(), t.a4Ready())
	if err != nil {
		t.refresh()
		return
	}
	s.busy = true
	ctx, stop := context.WithCancel(context.Background())
	s.certificate = certificateState{stop: stop}
	outbox := t.opt.ApplyDeps.Outbox
	t.refresh()
	t.async(func() {
		res := is.Run(ctx, func(p journey.IssueProgress) {
			t.do(func() {
				if s.j == j && j.Step() == journey.Issuing {
					s.certificate.progress = p
					t.refresh()
				}
			})
		})
		stop()
		t.do(func() {
			// The print's record goes to the district whether or not the
			// resident is still here.
			ev, err := j.FinishIssue(res)
			if res.Err != nil {
				t.opt.Log.Warn("certificate not printed", "service", j.Service().Code, "why", res.Why, "err", res.Err)
			}
			if err == nil {
				t.save("print event", func(ctx context.Context) error { _, err := outbox.Submit(ctx, ev); return err }, func(error) {})
			}
			if s.j != j {
				return
			}
			s.busy, s.certificate = false, certificateState{}
			t.refresh()
		})
	})
}

// stopIssue stops the issue under way, if any.
func (s *applyScreen) stopIssue() {
	if s.certificate.stop != nil {
		s.certificate.stop()
	}
}

// issuingStep is the document being issued, then printed — or waiting on
// a stopped printer, which staff must see to.
func (s *applyScreen) issuingStep(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	p := s.certificate.progress
	// One message at a time: printing, or what stops it and what to do.
	var body fyne.CanvasObject
	var buttons []fyne.CanvasObject
	switch {
	case p.Stopped:
		body = callout(th, T("certificate.stopped", map[string]any{"Trouble": troubleWords(p.Trouble)}), fynetheme.ColorNameWarning)
		buttons = append(buttons, t.button(th, T("certificate.stop_waiting"), false, s.stopIssue))
	case p.Printing:
		body = sentence(T("certificate.printing"))
	default:
		body = sentence(T("certificate.issuing"))
	}
	return t.stepCard(th, s.j.Service().Name.In(t.sess.Lang()), body, buttons...)
}

// printedStep sends the resident to the printer for their certificate.
func (s *applyScreen) printedStep(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	j := s.j
	body := container.NewVBox(sentence(T("certificate.printed", map[string]any{"Copies": j.PrintedCopies()})))
	return t.stepCard(th, T("certificate.printed_title"), body,
		t.button(th, T("apply.rate_it"), true, func() { j.PrintedDone(); t.refresh() }))
}
