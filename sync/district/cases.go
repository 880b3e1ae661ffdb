package district

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A case is the work a bad rating or a complaint asks of staff, step by
// step, each with who, when and what was done, against a deadline in
// working days (Rules). A bad rating goes 核实 → 整改 → 回访 → 办结; a
// complaint or consultation 答复 → 办结, its answer reaching the terminal
// as the record's status. A case's steps are only added to, in order.
//
//	cases         KIND:KEY → Case (KEY: a rating's receipt, a complaint's TERMINAL/ID)
//	open_cases    deadline (8 bytes) + KIND:KEY → "": the queue, most urgent first
//	closed_cases  closed (8 bytes) + KIND:KEY → "": the latest closed last

// Case kinds.
const (
	CaseRating    = "rating"
	CaseComplaint = "complaint"
)

// Steps of a case.
const (
	StepVerify   = "verify"   // 核实: what happened, from the record and the staff involved
	StepRectify  = "rectify"  // 整改: what was changed
	StepCallBack = "callback" // 回访: the resident was called back, and what they said
	StepAnswer   = "answer"   // 答复: the answer to a complaint or consultation, which the resident sees
	StepClose    = "close"    // 办结
)

// caseSteps is each kind's steps in order.
var caseSteps = map[string][]string{
	CaseRating:    {StepVerify, StepRectify, StepCallBack, StepClose},
	CaseComplaint: {StepAnswer, StepClose},
}

// Case is one bad rating's or complaint's work.
type Case struct {
	Kind     string     `json:"kind"`
	Key      string     `json:"key"`
	Terminal string     `json:"terminal"`
	Service  string     `json:"service,omitempty"`
	Record   string     `json:"record"` // TERMINAL/ID of the record behind it
	Opened   time.Time  `json:"opened"` // when the district received it
	Deadline time.Time  `json:"deadline"`
	Assignee string     `json:"assignee,omitempty"`
	Steps    []CaseStep `json:"steps,omitempty"`
	Closed   time.Time  `json:"closed,omitzero"`
	// A rating's level and reason category; a complaint's type and topic.
	Level  int    `json:"level,omitempty"`
	Reason string `json:"reason,omitempty"`
	Type   string `json:"type,omitempty"`
	Topic  string `json:"topic,omitempty"`
}

// CaseStep is one step done.
type CaseStep struct {
	Step string    `json:"step"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
	Note string    `json:"note"`
}

// ID names the case: KIND:KEY.
func (c Case) ID() string { return c.Kind + ":" + c.Key }

// Next is the step the case waits for; "" once closed.
func (c Case) Next() string {
	steps := caseSteps[c.Kind]
	if len(c.Steps) >= len(steps) {
		return ""
	}
	return steps[len(c.Steps)]
}

// Overdue says the case is open past its deadline at now.
func (c Case) Overdue(now time.Time) bool { return c.Closed.IsZero() && now.After(c.Deadline) }

// OnTime says the case was closed by its deadline.
func (c Case) OnTime() bool { return !c.Closed.IsZero() && !c.Closed.After(c.Deadline) }

func caseKey(kind, key string) []byte { return []byte(kind + ":" + key) }

func timedKey(t time.Time, id string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())), id...)
}

func openCase(tx Tx, c Case) error {
	if err := putJSON(tx.Bucket(bucketCases), caseKey(c.Kind, c.Key), c); err != nil {
		return err
	}
	if err := appendFeed(tx, FeedEvent{At: c.Opened, Type: FeedCase, Record: c.Record, Terminal: c.Terminal, Service: c.Service,
		Case: c.ID(), Step: "opened", Deadline: c.Deadline}); err != nil {
		return err
	}
	return tx.Bucket(bucketOpenCases).Put(timedKey(c.Deadline, c.ID()), nil)
}

// askRecord is the part of a complaint record's sealed part the district
// keeps in the clear: its type and topic, not the resident's words.
type askRecord struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
}

// fileComplaint opens the case of a complaint or consultation.
func fileComplaint(tx Tx, s Stored, a askRecord, rules Rules) error {
	return openCase(tx, Case{Kind: CaseComplaint, Key: s.Ref().String(), Terminal: s.Terminal, Service: s.Record.Public.Service,
		Record: s.Ref().String(), Opened: s.Received, Deadline: rules.Deadline(s.Received, rules.ComplaintDays), Type: a.Type, Topic: a.Topic})
}

// ErrNoCase is a case the district does not have.
var ErrNoCase = errors.New("district: no such case")

// ErrNotAllowed is work the staff member's role does not allow.
var ErrNotAllowed = errors.New("district: the staff member's role does not allow it")

// ErrCaseStep is a step the case is not waiting for, or a step without
// its note: staff can correct it.
var ErrCaseStep = errors.New("district: not a step the case can take")

// Case returns one case by its ID (KIND:KEY).
func (d *District) Case(id string) (Case, error) {
	var c Case
	err := d.db.View(func(tx Tx) error {
		found, err := getJSON(tx.Bucket(bucketCases), []byte(id), &c)
		if err == nil && !found {
			err = ErrNoCase
		}
		return err
	})
	return c, err
}

// CaseStep records that by did step on the case, with a note of what was
// done (required: the record is what the rules ask for). Steps go in
// order; 办结 needs a supervisor. A complaint's answer becomes its
// record's status, which the terminal shows the resident.
func (d *District) CaseStep(by Staff, from, id, step, note string) (Case, error) {
	note = strings.TrimSpace(note)
	switch {
	case note == "":
		return Case{}, fmt.Errorf("%w: say what was done", ErrCaseStep)
	case len(note) > 2000 || !utf8.ValidString(note):
		return Case{}, fmt.Errorf("%w: a note is at most 2000 bytes of text", ErrCaseStep)
	case step == StepClose && by.Role == RoleStaff:
		return Case{}, fmt.Errorf("%w: a case is closed by a supervisor", ErrNotAllowed)
	}
	now := d.opt.Now().UTC()
	var c Case
	err := d.db.Update(func(tx Tx) error {
		found, err := getJSON(tx.Bucket(bucketCases), []byte(id), &c)
		if err != nil {
			return err
		}
		if !found {
			return ErrNoCase
		}
		if next := c.Next(); step != next {
			if next == "" {
				return fmt.Errorf("%w: case %s is closed", ErrCaseStep, id)
			}
			return fmt.Errorf("%w: case %s waits for %s, not %s", ErrCaseStep, id, next, step)
		}
		c.Steps = append(c.Steps, CaseStep{Step: step, By: by.Name, At: now, Note: note})
		if c.Assignee == "" && step != StepClose {
			c.Assignee = by.Name // who takes it up has it, until a supervisor says otherwise
		}
		if step == StepAnswer {
			ref, err := ParseRecordRef(c.Record)
			if err != nil {
				return err
			}
			if err := setStatus(tx, ref, "done", note, now); err != nil {
				return err
			}
		}
		if step == StepClose {
			c.Closed = now
			if err := tx.Bucket(bucketOpenCases).Delete(timedKey(c.Deadline, c.ID())); err != nil {
				return err
			}
			if err := tx.Bucket(bucketClosedCases).Put(timedKey(now, c.ID()), nil); err != nil {
				return err
			}
		}
		if err := putJSON(tx.Bucket(bucketCases), []byte(id), c); err != nil {
			return err
		}
		if err := appendFeed(tx, FeedEvent{At: now, Type: FeedCase, Record: c.Record, Terminal: c.Terminal, Service: c.Service,
			Case: c.ID(), Step: step, Deadline: c.Deadline}); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by.Name, Action: AuditCaseStep, Object: id, Detail: step, From: from}, now)
	})
	return c, err
}

// AssignCase gives the case to a staff member; a supervisor's work.
func (d *District) AssignCase(by Staff, from, id, assignee string) error {
	if by.Role == RoleStaff {
		return fmt.Errorf("%w: work is assigned by a supervisor", ErrNotAllowed)
	}
	now := d.opt.Now().UTC()
	return d.db.Update(func(tx Tx) error {
		var to staffRecord
		found, err := getJSON(tx.Bucket(bucketStaff), []byte(assignee), &to)
		if err != nil {
			return err
		}
		if !found || to.Disabled {
			return fmt.Errorf("%w: %q", ErrNoStaff, assignee)
		}
		var c Case
		if found, err := getJSON(tx.Bucket(bucketCases), []byte(id), &c); err != nil {
			return err
		} else if !found {
			return ErrNoCase
		}
		c.Assignee = assignee
		if err := putJSON(tx.Bucket(bucketCases), []byte(id), c); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by.Name, Action: AuditCaseAssigned, Object: id, Detail: assignee, From: from}, now)
	})
}

// CaseList chooses cases for a queue page.
type CaseList struct {
	Kind     string // CaseRating or CaseComplaint
	Closed   bool   // the latest closed, not the open ones
	Assignee string // "" for anyone's
	Next     string // only the open cases waiting for this step (StepClose: a supervisor's queue)
	Limit    int    // 100 unless set; at most 1000
}

// Cases lists cases: open ones by deadline, most urgent first; closed ones
// latest first.
func (d *District) Cases(l CaseList) ([]Case, error) {
	if l.Limit <= 0 {
		l.Limit = 100
	}
	l.Limit = min(l.Limit, 1000)
	var out []Case
	err := d.db.View(func(tx Tx) error {
		index := tx.Bucket(bucketOpenCases)
		if l.Closed {
			index = tx.Bucket(bucketClosedCases)
		}
		c := index.Cursor()
		first, next := c.First, c.Next
		if l.Closed {
			first, next = c.Last, c.Prev
		}
		prefix := []byte(l.Kind + ":")
		for k, _ := first(); k != nil && len(out) < l.Limit; k, _ = next() {
			if len(k) < 8 || !bytes.HasPrefix(k[8:], prefix) {
				continue
			}
			var one Case
			found, err := getJSON(tx.Bucket(bucketCases), k[8:], &one)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("case %s indexed but missing", k[8:])
			}
			if (l.Assignee == "" || one.Assignee == l.Assignee) && (l.Next == "" || one.Next() == l.Next) {
				out = append(out, one)
			}
		}
		return nil
	})
	return out, err
}

// CaseFigures are how a kind of case is being worked.
type CaseFigures struct {
	Total   int // cases opened
	Closed  int
	OnTime  int // closed by the deadline
	Overdue int // open past the deadline
}

// Rectification is the share of cases closed: the 整改率 the district
// plan asks to be 100%.
func (f CaseFigures) Rectification() float64 {
	if f.Total == 0 {
		return 1
	}
	return float64(f.Closed) / float64(f.Total)
}

// Timeliness is the share of cases that fell due — closed, or open past
// the deadline — that were closed on time: 按期办结率.
func (f CaseFigures) Timeliness() float64 {
	due := f.Closed + f.Overdue
	if due == 0 {
		return 1
	}
	return float64(f.OnTime) / float64(due)
}

// CaseFigures counts the cases of a kind the query chooses, by when they
// were opened.
func (d *District) CaseFigures(kind string, q RatingQuery) (CaseFigures, error) {
	var f CaseFigures
	err := d.db.View(func(tx Tx) error {
		sites, err := terminalSites(tx)
		if err != nil {
			return err
		}
		f, err = caseFigures(tx, kind, q, sites, d.opt.Now())
		return err
	})
	return f, err
}

func caseFigures(tx Tx, kind string, q RatingQuery, sites map[string]string, now time.Time) (CaseFigures, error) {
	var f CaseFigures
	prefix := []byte(kind + ":")
	c := tx.Bucket(bucketCases).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var one Case
		if err := json.Unmarshal(v, &one); err != nil {
			return f, fmt.Errorf("case %s: %w", k, err)
		}
		if !q.From.IsZero() && one.Opened.Before(q.From) || !q.To.IsZero() && !one.Opened.Before(q.To) ||
			q.Service != "" && one.Service != q.Service || q.Terminal != "" && one.Terminal != q.Terminal ||
			q.Site != "" && sites[one.Terminal] != q.Site {
			continue
		}
		f.Total++
		switch {
		case one.OnTime():
			f.Closed++
			f.OnTime++
		case !one.Closed.IsZero():
			f.Closed++
		case one.Overdue(now):
			f.Overdue++
		}
	}
	return f, nil
}

// StepsOf is the steps of a kind of case, in order.
func StepsOf(kind string) []string { return slices.Clone(caseSteps[kind]) }
