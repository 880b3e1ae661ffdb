package journey

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"maps"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

type fakeDocs struct {
	asked []protocol.DocumentRequest
	err   error
}

func (f *fakeDocs) Document(ctx context.Context, req protocol.DocumentRequest) (protocol.Document, error) {
	kept := req
	kept.Fields = maps.Clone(req.Fields) // Run clears its own once done
	f.asked = append(f.asked, kept)
	if f.err != nil {
		return protocol.Document{}, f.err
	}
	return protocol.Document{ID: req.ID, Title: "户籍证明", Pages: 1, PDF: []byte("%PDF-1.7 " + req.Fields["name"])}, nil
}

type fakeA4 struct {
	jobs []a4printer.Job
	err  error
	stop bool // report the printer stopped first
}

func (f *fakeA4) Print(ctx context.Context, job a4printer.Job, fl a4printer.Follow) error {
	f.jobs = append(f.jobs, a4printer.Job{Name: job.Name, Copies: job.Copies, PDF: append([]byte(nil), job.PDF...)})
	if f.stop && fl.Progress != nil {
		fl.Progress(a4printer.Progress{Stopped: true, Trouble: a4printer.Trouble{State: devices.UserError, Actor: devices.Staff, Reason: "paper out"}})
	}
	return f.err
}

// toReview takes 户籍证明 to its review with the face matched (or not).
func toReview(t *testing.T, r *rig, verdict facematch.Verdict) *Apply {
	t.Helper()
	r.deps.Matcher = matcher{verdict}
	a := NewApply(r.deps, service(t, "HJ-001"), true)
	must(t, a.Start())
	must(t, a.CardRead(idcard.Event{Card: sampleCard()}, image.NewGray(image.Rect(0, 0, 102, 126))))
	f := a.FaceFlow()
	must(t, f.Take(context.Background()))
	must(t, f.Use(context.Background()))
	must(t, a.FaceDone())
	must(t, a.Set("purpose", "school"))
	must(t, a.Set("copies", "2"))
	must(t, a.FormDone())
	for a.Step() == Materials {
		d := a.DocumentFlow()
		must(t, d.Take(context.Background()))
		must(t, d.Use())
		must(t, a.DocumentDone())
	}
	if a.Step() != Review {
		t.Fatalf("at %s, %v", a.Step(), a.FieldErrors())
	}
	return a
}

// A certificate is issued by the district and printed at once, the
// resident's details forgotten after, and the print recorded without them.
func TestCertificatePrinted(t *testing.T) {
	r := newRig(t)
	docs, a4 := &fakeDocs{}, &fakeA4{}
	r.deps.Documents, r.deps.A4 = docs, a4
	a := toReview(t, r, facematch.Matched)
	if !a.Certificate() {
		t.Fatal("户籍证明 is not a certificate")
	}
	is, err := a.StartIssue(true, true)
	if err != nil {
		t.Fatal(err)
	}
	var seen []IssueProgress
	res := is.Run(context.Background(), func(p IssueProgress) { seen = append(seen, p) })
	if res.Why != "" || len(a4.jobs) != 1 || a4.jobs[0].Copies != 2 || !strings.Contains(string(a4.jobs[0].PDF), sampleCard().Name) {
		t.Fatalf("result %+v, jobs %+v", res, a4.jobs)
	}
	if got := docs.asked[0]; got.Service != "HJ-001" || got.Fields["id_number"] != sampleCard().IDNumber || got.Fields["purpose"] != "school" {
		t.Fatalf("request %+v", got)
	}
	if strings.Contains(a4.jobs[0].Name, sampleCard().Name) {
		t.Fatal("the job's name in the print queue names the resident")
	}
	if len(seen) == 0 || !seen[0].Printing {
		t.Fatalf("progress %+v", seen)
	}
	sub, err := a.FinishIssue(res)
	if err != nil || a.Step() != Printed {
		t.Fatalf("finish: %v at %s", err, a.Step())
	}
	if a.Values()["name"] != "" || a.FaceFlow().Photo() != nil {
		t.Fatal("personal data outlived the print")
	}
	var ev PrintEvent
	if err := json.Unmarshal(sub.Personal, &ev); err != nil || sub.Kind != outbox.Event || ev.Result != "printed" || ev.Document != docs.asked[0].ID {
		t.Fatalf("event %+v %v", ev, err)
	}
	if strings.Contains(string(sub.Personal), sampleCard().Name) || strings.Contains(string(sub.Personal), sampleCard().IDNumber) {
		t.Fatal("the print event holds personal data")
	}
	must(t, a.PrintedDone())
	must(t, a.Rate(context.Background(), 5, "", ""))
}

// Each reason a certificate cannot be printed here sends the resident
// back to the review, with why, where an application is still theirs to
// leave.
func TestCertificateNotPrinted(t *testing.T) {
	r := newRig(t)
	// Not here: offline, no printer, a face not matched.
	r.deps.Documents, r.deps.A4 = &fakeDocs{}, &fakeA4{}
	for _, c := range []struct {
		online, ready bool
		verdict       facematch.Verdict
		why           string
	}{
		{false, true, facematch.Matched, WhyOffline},
		{true, false, facematch.Matched, WhyNoA4},
		{true, true, facematch.NotMatched, WhyNotMatched},
	} {
		a := toReview(t, r, c.verdict)
		if ok, why := a.CanIssue(c.online, c.ready); ok || why != c.why {
			t.Errorf("CanIssue(%v, %v) with %s: %v %q, want %q", c.online, c.ready, c.verdict, ok, why, c.why)
		}
		if _, err := a.StartIssue(c.online, c.ready); err == nil || a.Step() != Review || a.Why() != c.why {
			t.Errorf("StartIssue: %v at %s why %q", err, a.Step(), a.Why())
		}
	}

	// Tried, and not printed.
	for _, c := range []struct {
		name   string
		docs   *fakeDocs
		a4     *fakeA4
		why    string
		detail string
	}{
		{"refused", &fakeDocs{err: &NotIssued{Message: "查无此人户籍"}}, &fakeA4{}, WhyNotIssued, "查无此人户籍"},
		{"district down", &fakeDocs{err: errors.New("dial tcp: refused")}, &fakeA4{}, WhyIssueFailed, ""},
		{"paper out too long", &fakeDocs{}, &fakeA4{stop: true, err: &a4printer.JobError{Stopped: true, Cancelled: true,
			Trouble: a4printer.Trouble{Reason: "paper out"}}}, WhyPrinterStuck, "paper out"},
		{"job aborted", &fakeDocs{}, &fakeA4{err: &a4printer.JobError{State: a4printer.JobAborted}}, WhyPrintFailed, ""},
	} {
		r.deps.Documents, r.deps.A4 = c.docs, c.a4
		a := toReview(t, r, facematch.Matched)
		is, err := a.StartIssue(true, true)
		if err != nil {
			t.Fatal(err)
		}
		res := is.Run(context.Background(), func(IssueProgress) {})
		sub, err := a.FinishIssue(res)
		if err != nil || a.Step() != Review || a.Why() != c.why || a.WhyDetail() != c.detail {
			t.Errorf("%s: %v at %s why %q %q", c.name, err, a.Step(), a.Why(), a.WhyDetail())
			continue
		}
		var ev PrintEvent
		json.Unmarshal(sub.Personal, &ev)
		if ev.Result != "not_printed" || ev.Reason != c.why {
			t.Errorf("%s: event %+v", c.name, ev)
		}
		// The application is still theirs to leave.
		must(t, a.Submit(context.Background()))
		if a.Step() != Receipt {
			t.Errorf("%s: leaving it as an application: at %s", c.name, a.Step())
		}
	}
}
