package journey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// A certificate (a service of kind catalog.KindCertificate) goes from the
// review to Issuing — the district makes the document, the A4 printer
// prints it — and to Printed, or back to the review with why, where the
// resident may leave it as an application instead (Submit) and take a
// receipt.
const (
	Issuing Step = "issuing"
	Printed Step = "printed"
)

// Why keys of a certificate not printed.
const (
	WhyOffline       = "certificate.offline"        // no link to the district
	WhyNoA4          = "certificate.no_printer"     // no A4 printer, or it cannot print now
	WhyNotMatched    = "certificate.not_matched"    // the face was not matched to the card: staff check first
	WhyNotIssued     = "certificate.not_issued"     // the district issues none for this resident (WhyDetail says why)
	WhyIssueFailed   = "certificate.issue_failed"   // the district could not be asked, or failed
	WhyPrinterStuck  = "certificate.printer_stuck"  // the printer stopped (paper out, a jam) past the patience: cancelled
	WhyPrintFailed   = "certificate.print_failed"   // the print system ended the job
	WhyPrintCanceled = "certificate.print_canceled" // the resident stopped waiting
)

// Documents is where documents come from: the district (sync's client).
type Documents interface {
	Document(ctx context.Context, req protocol.DocumentRequest) (protocol.Document, error)
}

// A4 prints a document (devices/a4printer).
type A4 interface {
	Print(ctx context.Context, job a4printer.Job, f a4printer.Follow) error
}

// NotIssued is the district's refusal of a document, with its words for
// the resident; the Documents source returns it.
type NotIssued struct{ Message string }

func (e *NotIssued) Error() string { return "journey: not issued: " + e.Message }

// Certificate reports whether the service is a document printed on the
// spot.
func (a *Apply) Certificate() bool { return a.svc.Kind == catalog.KindCertificate }

// WhyDetail is the district's own words for a refusal (WhyNotIssued).
func (a *Apply) WhyDetail() string { return a.whyDetail }

// CanIssue says whether the document can be issued and printed here now,
// and if not, why (a Why key): the link, the printer, a matched face.
// ready reports whether the A4 printer can print now.
func (a *Apply) CanIssue(online, ready bool) (bool, string) {
	switch {
	case !a.Certificate():
		return false, ""
	case a.deps.Documents == nil || !online:
		return false, WhyOffline
	case a.deps.A4 == nil || !ready:
		return false, WhyNoA4
	case a.face == nil || a.face.Result().Verdict != facematch.Matched:
		// A certificate goes to the card's holder only: a face not
		// matched, or not photographed, is checked by staff first.
		return false, WhyNotMatched
	}
	return true, ""
}

// Issue is one certificate being issued and printed: made on Fyne's
// goroutine from the journey (StartIssue), run off it (Run), its result
// taken back on it (FinishIssue). It holds its own copy of what it sends.
type Issue struct {
	req    protocol.DocumentRequest
	copies int
	docs   Documents
	a4     A4
	follow a4printer.Follow
	now    func() time.Time
}

// IssueProgress is where an issue stands, for the screen.
type IssueProgress struct {
	Printing bool // the document came and is printing (else: being issued)
	// Stopped: the printer stopped under the job; Trouble says why and
	// Actor who must act (staff, for paper out or a jam).
	Stopped bool
	Trouble string
	Actor   devices.Actor
}

// IssueResult is how an issue ended.
type IssueResult struct {
	Why    string // "" when printed
	Detail string // the district's words, for WhyNotIssued
	Pages  int
	Copies int
	Err    error // for the log
	// event is the record of it, for the district.
	document string
	printed  bool
}

// StartIssue leaves the review for Issuing, with the document's request:
// the form's values, the card's among them.
func (a *Apply) StartIssue(online, ready bool) (*Issue, error) {
	if a.step != Review {
		return nil, ErrWrongStep
	}
	if ok, why := a.CanIssue(online, ready); !ok {
		a.why = why
		return nil, fmt.Errorf("journey: cannot issue here now: %s", why)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	fields := make(map[string]string, len(a.values))
	for k, v := range a.values {
		fields[k] = v
	}
	copies, _ := strconv.Atoi(a.values["copies"])
	copies = max(1, min(copies, 3))
	a.step, a.why, a.whyDetail = Issuing, "", ""
	return &Issue{req: protocol.DocumentRequest{ID: id.String(), Service: a.svc.Code, Fields: fields}, copies: copies,
		docs: a.deps.Documents, a4: a.deps.A4, follow: a4printer.Follow{Patience: a.deps.A4Patience}, now: a.deps.Now}, nil
}

// issueWait bounds the district's making of a document.
const issueWait = 30 * time.Second

// Run asks the district for the document and prints it, telling progress
// of each change; it is run off Fyne's goroutine, and ctx ending (the
// resident stops waiting) cancels the print. The document is in memory
// only, and cleared once printed.
func (is *Issue) Run(ctx context.Context, progress func(IssueProgress)) IssueResult {
	defer clear(is.req.Fields)
	res := IssueResult{document: is.req.ID, Copies: is.copies}
	ask, cancel := context.WithTimeout(ctx, issueWait)
	doc, err := is.docs.Document(ask, is.req)
	cancel()
	var ni *NotIssued
	switch {
	case errors.As(err, &ni):
		res.Why, res.Detail, res.Err = WhyNotIssued, ni.Message, err
		return res
	case ctx.Err() != nil:
		res.Why, res.Err = WhyPrintCanceled, ctx.Err()
		return res
	case err != nil:
		res.Why, res.Err = WhyIssueFailed, err
		return res
	}
	defer clear(doc.PDF)
	res.Pages = doc.Pages
	progress(IssueProgress{Printing: true})
	f := is.follow
	f.Progress = func(p a4printer.Progress) {
		progress(IssueProgress{Printing: true, Stopped: p.Stopped, Trouble: p.Trouble.Reason, Actor: p.Trouble.Actor})
	}
	err = is.a4.Print(ctx, a4printer.Job{Name: is.req.Service + " " + is.req.ID, PDF: doc.PDF, Copies: is.copies}, f)
	var je *a4printer.JobError
	switch {
	case err == nil:
		res.printed = true
	case errors.As(err, &je) && je.Stopped:
		res.Why, res.Detail, res.Err = WhyPrinterStuck, je.Trouble.Reason, err
	case errors.As(err, &je) && je.Cancelled:
		res.Why, res.Err = WhyPrintCanceled, err
	default:
		res.Why, res.Err = WhyPrintFailed, err
	}
	return res
}

// FinishIssue takes an issue's result: Printed, the card and the form
// forgotten; or back to the review with why. It returns the record of
// what happened, for the district (nothing personal).
func (a *Apply) FinishIssue(res IssueResult) (outbox.Submission, error) {
	if a.step != Issuing {
		return outbox.Submission{}, ErrWrongStep
	}
	ev := PrintEvent{Event: PrintEventName, Terminal: a.deps.TerminalID, Service: a.svc.Code, Document: res.document,
		Result: "printed", Pages: res.Pages, At: a.deps.Now().UTC()}
	if res.printed {
		a.step, a.why, a.whyDetail = Printed, "", ""
		// The rating names the document, as an application's names its
		// receipt: one rating a document.
		a.receipt = ReceiptInfo{Number: res.document, Service: a.svc, Date: a.deps.Now()}
		a.copies = res.Copies
		a.wipePersonal()
		clear(a.values)
	} else {
		a.step, a.why, a.whyDetail = Review, res.Why, res.Detail
		ev.Result, ev.Reason = "not_printed", res.Why
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return outbox.Submission{}, err
	}
	return outbox.Submission{Kind: outbox.Event, Public: outbox.Public{Service: a.svc.Code}, Personal: body}, nil
}

// PrintedCopies is how many copies of the certificate printed.
func (a *Apply) PrintedCopies() int { return a.copies }

// PrintedDone goes on from the printed certificate to the rating.
func (a *Apply) PrintedDone() error {
	if a.step != Printed {
		return ErrWrongStep
	}
	a.step = Rating
	return nil
}

// PrintEventName tells a certificate's print event from the terminal's
// other events.
const PrintEventName = "certificate"

// PrintEvent is the record of a certificate issued at the terminal, as
// the district reads it: which document (its number in the district's
// register), whether it printed and why not. No personal data.
type PrintEvent struct {
	Event    string    `json:"event"` // PrintEventName
	Terminal string    `json:"terminal"`
	Service  string    `json:"service"`
	Document string    `json:"document"`
	Result   string    `json:"result"` // "printed" or "not_printed"
	Reason   string    `json:"reason,omitempty"`
	Pages    int       `json:"pages,omitempty"`
	At       time.Time `json:"at"`
}
