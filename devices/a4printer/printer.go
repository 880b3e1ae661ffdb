package a4printer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/ipp"
)

// Printer is an A4 printer behind its print system. It is safe for
// concurrent use; the print system queues the jobs.
type Printer struct {
	dev    Device
	client *ipp.Client
}

// user is the requesting-user-name of the terminal's jobs: the print
// system's queue shows it, never a resident's name.
const user = "yizhan"

// Open makes the printer; it does no I/O (Status asks the print system).
func (d Device) Open() (*Printer, error) {
	// Each request is small and the print system local: an answer within
	// 10 s or the print system is in trouble. A document up to a few MB
	// goes to localhost in far less.
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		ResponseHeaderTimeout: 10 * time.Second,
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
	}}
	c, err := ipp.NewClient(d.URI, hc, user)
	if err != nil {
		return nil, fmt.Errorf("a4printer: %w", err)
	}
	return &Printer{dev: d, client: c}, nil
}

// Device is the printer's name.
func (p *Printer) Device() Device { return p.dev }

// IPP printer states (printer-state).
const (
	printerIdle       = 3
	printerProcessing = 4
	printerStopped    = 5
)

// State is the printer as its print system reports it.
type State struct {
	PrinterState int32    // 3 idle, 4 processing, 5 stopped
	Reasons      []string // printer-state-reasons, without "none"
	Accepting    bool     // printer-is-accepting-jobs
	Message      string   // printer-state-message, for technicians
}

// Errors of talking to the print system.
var (
	// ErrUnreachable: the print system does not answer (cupsd not
	// running, the printer's address unreachable).
	ErrUnreachable = errors.New("a4printer: the print system does not answer")
	// ErrNoQueue: the print system has no such printer (the queue was
	// never made, or removed).
	ErrNoQueue = errors.New("a4printer: no such printer queue")
)

// classify turns a request's failure into one of the errors above, when
// it is one.
func (p *Printer) classify(err error) error {
	var se *ipp.StatusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Status == ipp.StatusNotFound:
		return fmt.Errorf("%w: %s: %w", ErrNoQueue, p.dev, err)
	case errors.As(err, &se):
		return fmt.Errorf("a4printer: %s: %w", p.dev, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("%w: %s: %w", ErrUnreachable, p.dev, err)
}

// Status asks the print system how the printer stands.
func (p *Printer) Status(ctx context.Context) (State, error) {
	req := p.client.Request(ipp.OpGetPrinterAttributes)
	req.Add(ipp.TagOperation, "requested-attributes",
		ipp.String(ipp.TagKeyword, "printer-state"), ipp.String(ipp.TagKeyword, "printer-state-reasons"),
		ipp.String(ipp.TagKeyword, "printer-is-accepting-jobs"), ipp.String(ipp.TagKeyword, "printer-state-message"))
	ans, err := p.client.Do(ctx, req, nil)
	if err != nil {
		return State{}, p.classify(err)
	}
	var st State
	if a, ok := ans.Attr(ipp.TagPrinter, "printer-state"); ok {
		st.PrinterState, _ = a.Int()
	}
	if a, ok := ans.Attr(ipp.TagPrinter, "printer-state-reasons"); ok {
		for _, r := range a.Strings() {
			if r != "none" && r != "" {
				st.Reasons = append(st.Reasons, r)
			}
		}
	}
	st.Accepting = true
	if a, ok := ans.Attr(ipp.TagPrinter, "printer-is-accepting-jobs"); ok && len(a.Values) > 0 {
		if b, ok := a.Values[0].Bool(); ok {
			st.Accepting = b
		}
	}
	if a, ok := ans.Attr(ipp.TagPrinter, "printer-state-message"); ok && len(a.Values) > 0 {
		st.Message = a.Values[0].String()
	}
	if st.PrinterState < printerIdle || st.PrinterState > printerStopped {
		return State{}, fmt.Errorf("a4printer: %s: printer-state %d is none of IPP's", p.dev, st.PrinterState)
	}
	return st, nil
}

// Trouble is what keeps a printer from printing, said for the registry and
// the screens.
type Trouble struct {
	State  devices.State
	Actor  devices.Actor
	Reason string // "paper out", "paper jam", … for technicians and logs
}

// reasonTroubles maps printer-state-reasons (without their -error,
// -warning or -report suffix) to the trouble they are. Warnings and
// reports (media-low-warning) do not stop printing and are not here.
var reasonTroubles = []struct {
	prefix string
	t      Trouble
}{
	{"media-empty", Trouble{devices.UserError, devices.Staff, "paper out"}},
	{"media-needed", Trouble{devices.UserError, devices.Staff, "paper out"}},
	{"input-tray-missing", Trouble{devices.UserError, devices.Staff, "paper tray out"}},
	{"media-jam", Trouble{devices.UserError, devices.Staff, "paper jam"}},
	{"door-open", Trouble{devices.UserError, devices.Staff, "a door is open"}},
	{"cover-open", Trouble{devices.UserError, devices.Staff, "a cover is open"}},
	{"interlock-open", Trouble{devices.UserError, devices.Staff, "a cover is open"}},
	{"toner-empty", Trouble{devices.UserError, devices.Staff, "toner empty"}},
	{"marker-supply-empty", Trouble{devices.UserError, devices.Staff, "toner empty"}},
	{"output-area-full", Trouble{devices.UserError, devices.Staff, "output tray full"}},
	{"offline", Trouble{devices.NoDevice, devices.Technician, "printer offline"}},
	{"shutdown", Trouble{devices.NoDevice, devices.Technician, "printer offline"}},
	{"connecting-to-device", Trouble{devices.NoDevice, devices.Technician, "printer not connected"}},
}

// Trouble is what the state says keeps the printer from printing; ok is
// false when nothing does (it may be busy).
func (s State) Trouble() (t Trouble, ok bool) {
	for _, r := range s.Reasons {
		base := r
		for _, suffix := range []string{"-error", "-warning", "-report"} {
			base = strings.TrimSuffix(base, suffix)
		}
		if strings.HasSuffix(r, "-warning") || (strings.HasSuffix(r, "-report") && base != "offline") {
			continue // does not stop printing
		}
		for _, rt := range reasonTroubles {
			if base == rt.prefix {
				return rt.t, true
			}
		}
		if strings.HasSuffix(r, "-error") {
			return Trouble{devices.HardwareError, devices.Technician, r}, true
		}
	}
	switch {
	case s.PrinterState == printerStopped:
		why := "printer queue stopped"
		if s.Message != "" {
			why += ": " + s.Message
		}
		return Trouble{devices.HardwareError, devices.Technician, why}, true
	case !s.Accepting:
		return Trouble{devices.HardwareError, devices.Technician, "printer queue not accepting jobs"}, true
	}
	return Trouble{}, false
}

// Status is the registry's view of the printer now (kind is the role it
// plays): its trouble, busy, or online.
func (s State) Status(kind devices.Kind) devices.Status {
	if t, ok := s.Trouble(); ok {
		return devices.Status{Kind: kind, State: t.State, Actor: t.Actor, Reason: t.Reason}
	}
	if s.PrinterState == printerProcessing {
		return devices.Status{Kind: kind, State: devices.Busy}
	}
	return devices.Status{Kind: kind, State: devices.Online}
}

// StatusOf is the registry's view of a printer whose print system could
// not be asked.
func StatusOf(kind devices.Kind, err error) devices.Status {
	switch {
	case errors.Is(err, ErrNoQueue):
		return devices.Status{Kind: kind, State: devices.HardwareError, Actor: devices.Technician, Reason: "printer queue missing"}
	case errors.Is(err, ErrUnreachable):
		return devices.Status{Kind: kind, State: devices.NoDevice, Actor: devices.Technician, Reason: "print system not answering"}
	}
	return devices.Status{Kind: kind, State: devices.HardwareError, Actor: devices.Technician, Reason: err.Error()}
}

// JobState is an IPP job's state (job-state).
type JobState int32

const (
	JobPending    JobState = 3
	JobHeld       JobState = 4
	JobProcessing JobState = 5
	JobStopped    JobState = 6 // processing-stopped: the printer stopped under it
	JobCanceled   JobState = 7
	JobAborted    JobState = 8
	JobCompleted  JobState = 9
)

func (s JobState) String() string {
	switch s {
	case JobPending:
		return "pending"
	case JobHeld:
		return "held"
	case JobProcessing:
		return "processing"
	case JobStopped:
		return "stopped"
	case JobCanceled:
		return "canceled"
	case JobAborted:
		return "aborted"
	case JobCompleted:
		return "completed"
	}
	return fmt.Sprintf("JobState(%d)", int32(s))
}

// Done reports whether the job has ended, well or not.
func (s JobState) Done() bool { return s >= JobCanceled }

// Progress is how a job stands: its own state, and the printer's.
type Progress struct {
	Job     int32
	State   JobState
	Printer State
	// Trouble is what stops the printer while the job waits; set when
	// Stopped is true.
	Trouble Trouble
	Stopped bool
}

// Job is a document to print.
type Job struct {
	// Name is the job's name in the print system's queue: the service,
	// never a resident's name.
	Name string
	PDF  []byte
	// Copies is how many to print (1 when 0).
	Copies int
}

// Follow says how Print follows a job.
type Follow struct {
	// Poll is how often the job and the printer are asked after (500 ms).
	Poll time.Duration
	// Patience is how long a job may wait on a stopped printer (paper
	// out, a jam) before it is cancelled (3 minutes): the resident does
	// not wait longer, and a certificate must not come out for nobody.
	Patience time.Duration
	// Progress, if set, is told each change of the job or the printer.
	Progress func(Progress)
}

// JobError is a job that did not print: the print system ended it
// (aborted, cancelled by someone else), or it was cancelled here because
// the printer stayed stopped past the patience or the caller gave up.
type JobError struct {
	Job   int32
	State JobState
	// Trouble is what stopped the printer, when that is why.
	Trouble   Trouble
	Stopped   bool
	Cancelled bool // cancelled by the terminal
	Reasons   []string
}

func (e *JobError) Error() string {
	switch {
	case e.Stopped:
		return fmt.Sprintf("a4printer: job %d cancelled: the printer stayed stopped (%s)", e.Job, e.Trouble.Reason)
	case e.Cancelled:
		return fmt.Sprintf("a4printer: job %d cancelled", e.Job)
	}
	return fmt.Sprintf("a4printer: job %d %s (%s)", e.Job, e.State, strings.Join(e.Reasons, ", "))
}

// Print sends the PDF as a job and follows it to its end. It returns nil
// once the print system says the job completed; a *JobError when the job
// ended otherwise or was cancelled (the printer stopped past the
// patience, or ctx ended — then ctx's error is wrapped in it too);
// ErrUnreachable or ErrNoQueue when the job could not be sent.
func (p *Printer) Print(ctx context.Context, job Job, f Follow) error {
	if f.Poll <= 0 {
		f.Poll = 500 * time.Millisecond
	}
	if f.Patience <= 0 {
		f.Patience = 3 * time.Minute
	}
	req := p.client.Request(ipp.OpPrintJob)
	req.Add(ipp.TagOperation, "job-name", ipp.String(ipp.TagName, job.Name))
	req.Add(ipp.TagOperation, "document-format", ipp.String(ipp.TagMimeType, "application/pdf"))
	if job.Copies > 1 {
		req.Add(ipp.TagJob, "copies", ipp.Integer(ipp.TagInteger, int32(job.Copies)))
	}
	ans, err := p.client.Do(ctx, req, bytes.NewReader(job.PDF))
	if err != nil {
		return p.classify(err)
	}
	idAttr, ok := ans.Attr(ipp.TagJob, "job-id")
	id, okID := idAttr.Int()
	if !ok || !okID || id <= 0 {
		return fmt.Errorf("a4printer: %s: the answer to Print-Job names no job", p.dev)
	}
	var last Progress
	var stoppedSince time.Time
	tick := time.NewTicker(f.Poll)
	defer tick.Stop()
	for {
		now := time.Now()
		pr, reasons, err := p.progress(ctx, id)
		switch {
		case ctx.Err() != nil:
			p.cancel(id)
			return &JobError{Job: id, State: last.State, Cancelled: true, Reasons: reasons}
		case err != nil:
			// The print system went away under the job: it cannot be
			// followed or cancelled; say so.
			return p.classify(err)
		}
		if pr.Stopped {
			if stoppedSince.IsZero() {
				stoppedSince = now
			}
		} else {
			stoppedSince = time.Time{}
		}
		if f.Progress != nil && !sameProgress(pr, last) {
			f.Progress(pr)
		}
		last = pr
		switch {
		case pr.State == JobCompleted:
			return nil
		case pr.State.Done():
			return &JobError{Job: id, State: pr.State, Reasons: reasons, Trouble: pr.Trouble, Stopped: pr.Stopped}
		case pr.Stopped && now.Sub(stoppedSince) >= f.Patience:
			p.cancel(id)
			return &JobError{Job: id, State: pr.State, Trouble: pr.Trouble, Stopped: true, Cancelled: true, Reasons: reasons}
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

func sameProgress(a, b Progress) bool {
	return a.Job == b.Job && a.State == b.State && a.Stopped == b.Stopped && a.Trouble == b.Trouble &&
		a.Printer.PrinterState == b.Printer.PrinterState && slices.Equal(a.Printer.Reasons, b.Printer.Reasons)
}

// progress asks how the job and the printer stand.
func (p *Printer) progress(ctx context.Context, id int32) (Progress, []string, error) {
	req := p.client.Request(ipp.OpGetJobAttributes)
	req.Add(ipp.TagOperation, "job-id", ipp.Integer(ipp.TagInteger, id))
	req.Add(ipp.TagOperation, "requested-attributes",
		ipp.String(ipp.TagKeyword, "job-state"), ipp.String(ipp.TagKeyword, "job-state-reasons"))
	ans, err := p.client.Do(ctx, req, nil)
	if err != nil {
		return Progress{}, nil, err
	}
	pr := Progress{Job: id}
	if a, ok := ans.Attr(ipp.TagJob, "job-state"); ok {
		n, _ := a.Int()
		pr.State = JobState(n)
	}
	if pr.State < JobPending || pr.State > JobCompleted {
		return Progress{}, nil, fmt.Errorf("a4printer: %s: job %d: job-state %d is none of IPP's", p.dev, id, pr.State)
	}
	var reasons []string
	if a, ok := ans.Attr(ipp.TagJob, "job-state-reasons"); ok {
		reasons = a.Strings()
	}
	if pr.State.Done() {
		return pr, reasons, nil
	}
	if pr.Printer, err = p.Status(ctx); err != nil {
		return Progress{}, nil, err
	}
	pr.Trouble, pr.Stopped = pr.Printer.Trouble()
	return pr, reasons, nil
}

// cancel cancels a job the terminal no longer wants, with a few seconds
// of its own: the caller's context may have ended. A failure is not
// returned: the job's printer is stopped, and a technician clears it.
func (p *Printer) cancel(id int32) {
	ctx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	req := p.client.Request(ipp.OpCancelJob)
	req.Add(ipp.TagOperation, "job-id", ipp.Integer(ipp.TagInteger, id))
	p.client.Do(ctx, req, nil)
}
