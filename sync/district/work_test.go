package district

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// A Friday afternoon, Beijing time.
var friday = time.Date(2026, 9, 25, 15, 0, 0, 0, Local)

// seqID makes the n-th record id of a test.
func seqID(n int) string { return fmt.Sprintf("019ac3f2-0000-7000-8000-%012x", n) }

// kioskRecord is a record as a terminal makes it, its personal part
// sealed to d.
func kioskRecord(t testing.TB, d *District, n int, kind, service, receipt, personal string, created time.Time) protocol.Record {
	return protocol.Record{ID: seqID(n), Seq: uint64(n), Kind: kind, Created: created,
		Public: protocol.Public{Service: service, Receipt: receipt}, Sealed: sealed(t, d, personal)}
}

func ingestOne(t testing.TB, d *District, terminal string, r protocol.Record) protocol.Result {
	t.Helper()
	res, err := d.Ingest(terminal, "sync", []protocol.Record{r})
	if err != nil {
		t.Fatal(err)
	}
	return res[0]
}

func TestDeadlinesCountWorkingDays(t *testing.T) {
	r := DefaultRules
	r.Holidays = []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"}
	for _, c := range []struct {
		start time.Time
		days  int
		want  string
	}{
		// Friday + 5 working days: Mon 28, Tue 29, Wed 30, then 1–7
		// October are holidays and a weekend, Thu 8, Fri 9.
		{friday, 5, "2026-10-09"},
		{friday, 1, "2026-09-28"},
		// A Saturday counts from the Monday after.
		{time.Date(2026, 9, 26, 10, 0, 0, 0, Local), 1, "2026-09-28"},
		// 23:30 UTC on the Friday is Saturday in Beijing.
		{time.Date(2026, 9, 25, 23, 30, 0, 0, time.UTC), 1, "2026-09-28"},
	} {
		got := r.Deadline(c.start, c.days)
		if got.In(Local).Format(time.DateOnly) != c.want || got.In(Local).Format("15:04:05") != "23:59:59" {
			t.Errorf("%s + %d working days: %s, want the end of %s", c.start, c.days, got.In(Local), c.want)
		}
	}
	// Working days left, counting the deadline's day and not today's.
	due := r.Deadline(friday, 5)
	for _, c := range []struct {
		now  time.Time
		left int
	}{{friday, 5}, {time.Date(2026, 10, 3, 12, 0, 0, 0, Local), 2}, {time.Date(2026, 10, 9, 18, 0, 0, 0, Local), 0},
		{time.Date(2026, 10, 12, 9, 0, 0, 0, Local), -1}, {time.Date(2026, 10, 14, 9, 0, 0, 0, Local), -3}} {
		if got := r.WorkingDaysLeft(c.now, due); got != c.left {
			t.Errorf("at %s: %d working days left, want %d", c.now, got, c.left)
		}
	}
	// A Sunday worked in lieu of a holiday counts.
	r.Workdays = []string{"2026-09-27"}
	if got := r.Deadline(friday, 1).Format(time.DateOnly); got != "2026-09-27" {
		t.Errorf("Friday + 1 working day with Sunday worked: %s", got)
	}
	bad := []Rules{{BadRatingDays: 0, ComplaintDays: 15, AutoRatingDays: 7}, {BadRatingDays: 5, ComplaintDays: 15, AutoRatingDays: 7, Holidays: []string{"10/01"}},
		{BadRatingDays: 5, ComplaintDays: 15, AutoRatingDays: 7, Workdays: []string{"2026-09-28"}}}
	for _, b := range bad {
		if b.Validate() == nil {
			t.Errorf("%+v passed", b)
		}
	}
}

// TestOneRatingPerApplication: the first rating of a receipt counts; a
// second, from the same terminal or another, is answered duplicate with
// why, and the dashboard counts one.
func TestOneRatingPerApplication(t *testing.T) {
	clk := &clock{now: friday}
	d := open(t, t.TempDir(), clk)
	first := kioskRecord(t, d, 1, "rating", "SB-001", "HALL-1-260925-150000", `{"level":5,"channel":"terminal"}`, friday)
	second := kioskRecord(t, d, 2, "rating", "SB-001", "HALL-1-260925-150000", `{"level":1,"reason":"态度差"}`, friday.Add(time.Minute))
	if r := ingestOne(t, d, "HALL-1", first); r.Status != protocol.Accepted {
		t.Fatalf("first: %+v", r)
	}
	if r := ingestOne(t, d, "HALL-1", second); r.Status != protocol.Duplicate || !strings.Contains(r.Reason, "first rating counts") {
		t.Fatalf("second: %+v", r)
	}
	// In one batch too.
	a := kioskRecord(t, d, 3, "rating", "SB-001", "HALL-1-260925-151000", `{"level":4}`, friday)
	b := kioskRecord(t, d, 4, "rating", "SB-001", "HALL-1-260925-151000", `{"level":2,"reason":"x"}`, friday)
	res, err := d.Ingest("HALL-1", "sync", []protocol.Record{a, b})
	if err != nil || res[0].Status != protocol.Accepted || res[1].Status != protocol.Duplicate {
		t.Fatalf("one batch: %+v %v", res, err)
	}
	r, found, err := d.RatingOf("HALL-1-260925-150000")
	if err != nil || !found || r.Level != 5 || r.Record != "HALL-1/"+seqID(1) {
		t.Fatalf("kept: %+v %v %v", r, found, err)
	}
	dash, err := d.RatingDashboard(RatingQuery{})
	if err != nil || dash.All.Total() != 2 || dash.All.Bad() != 0 || dash.Cases.Total != 0 {
		t.Fatalf("dashboard: %+v %v", dash, err)
	}
	// A level outside 1–5 is refused with why.
	if r := ingestOne(t, d, "HALL-1", kioskRecord(t, d, 5, "rating", "SB-001", "R-9", `{"level":9}`, friday)); r.Status != protocol.Rejected || !strings.Contains(r.Reason, "outside 1–5") {
		t.Fatalf("level 9: %+v", r)
	}
}

// TestUnratedFinishedApplicationsCountAsBasic: an application finished and
// not rated counts as 基本满意 once AutoRatingDays have passed, not before;
// a rating that comes later is the resident's too late.
func TestUnratedFinishedApplicationsCountAsBasic(t *testing.T) {
	clk := &clock{now: friday}
	d := open(t, t.TempDir(), clk)
	const receipt = "HALL-1-260925-150000"
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 1, "application", "SB-001", receipt, `{}`, friday))
	rated := kioskRecord(t, d, 2, "application", "SB-002", "HALL-1-260925-160000", `{}`, friday)
	ingestOne(t, d, "HALL-1", rated)
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 3, "rating", "SB-002", "HALL-1-260925-160000", `{"level":5}`, friday))
	for _, id := range []int{1, 2} {
		if err := d.SetStatus("wang", "", RecordRef{Terminal: "HALL-1", ID: seqID(id)}, "done", "已办结"); err != nil {
			t.Fatal(err)
		}
	}
	clk.now = friday.AddDate(0, 0, 7).Add(-time.Second)
	if n, err := d.RateUnrated(); n != 0 || err != nil {
		t.Fatalf("a second before 7 days: %d %v", n, err)
	}
	clk.now = friday.AddDate(0, 0, 7)
	if n, err := d.RateUnrated(); n != 1 || err != nil {
		t.Fatalf("at 7 days: %d %v", n, err)
	}
	if n, err := d.RateUnrated(); n != 0 || err != nil {
		t.Fatalf("again: %d %v", n, err)
	}
	r, found, _ := d.RatingOf(receipt)
	if !found || !r.Auto || r.Level != LevelBasic || r.Service != "SB-001" {
		t.Fatalf("automatic rating: %+v", r)
	}
	if res := ingestOne(t, d, "HALL-1", kioskRecord(t, d, 4, "rating", "SB-001", receipt, `{"level":1,"reason":"慢"}`, clk.now)); res.Status != protocol.Duplicate {
		t.Fatalf("a rating after the automatic one: %+v", res)
	}
	dash, _ := d.RatingDashboard(RatingQuery{})
	if dash.All.Levels[LevelBasic] != 1 || dash.All.Auto != 1 || dash.All.Levels[5] != 1 {
		t.Fatalf("dashboard: %+v", dash.All)
	}
	// Reopened and finished again, an application keeps its rating.
	d.SetStatus("wang", "", RecordRef{Terminal: "HALL-1", ID: seqID(1)}, "processing", "")
	d.SetStatus("wang", "", RecordRef{Terminal: "HALL-1", ID: seqID(1)}, "done", "")
	clk.now = clk.now.AddDate(0, 1, 0)
	if n, _ := d.RateUnrated(); n != 0 {
		t.Fatalf("rated twice: %d", n)
	}
}

// TestBadRatingCaseWorkflow: a bad rating opens a case due in working
// days; its steps go in order, each recorded; only a supervisor closes it;
// overdue and on-time are counted as the clock moves.
func TestBadRatingCaseWorkflow(t *testing.T) {
	clk := &clock{now: friday}
	d := open(t, t.TempDir(), clk)
	staff := Staff{Name: "li", Role: RoleStaff}
	boss := Staff{Name: "zhao", Role: RoleSupervisor}
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 1, "rating", "SB-001", "R-1", `{"level":1,"reason":"等候太久","phone":"13800138000"}`, friday))
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 2, "rating", "SB-001", "R-2", `{"level":2,"reason":"态度差"}`, friday))
	open, err := d.Cases(CaseList{Kind: CaseRating})
	if err != nil || len(open) != 2 {
		t.Fatalf("open cases: %+v %v", open, err)
	}
	c := open[0]
	if c.Next() != StepVerify || c.Deadline.In(Local).Format(time.DateOnly) != "2026-10-02" || c.Level != 1 || c.Reason != "等候太久" {
		t.Fatalf("case: %+v", c)
	}
	if strings.Contains(fmt.Sprintf("%+v", c), "13800138000") {
		t.Fatal("the call-back number is kept in the clear")
	}
	if _, err := d.CaseStep(staff, "", c.ID(), StepRectify, "改了"); err == nil || !strings.Contains(err.Error(), "waits for verify") {
		t.Fatalf("out of order: %v", err)
	}
	if _, err := d.CaseStep(staff, "", c.ID(), StepVerify, "  "); err == nil {
		t.Fatal("a step without a note")
	}
	for _, s := range []string{StepVerify, StepRectify, StepCallBack} {
		clk.now = clk.now.Add(time.Hour)
		if _, err := d.CaseStep(staff, "10.0.0.9", c.ID(), s, "做了 "+s); err != nil {
			t.Fatal(s, err)
		}
	}
	if _, err := d.CaseStep(staff, "", c.ID(), StepClose, "办结"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("staff closing: %v", err)
	}
	if _, err := d.CaseStep(boss, "", c.ID(), StepClose, "办结"); err != nil {
		t.Fatal(err)
	}
	got, _ := d.Case(c.ID())
	if got.Next() != "" || len(got.Steps) != 4 || got.Steps[1].By != "li" || got.Steps[3].By != "zhao" || !got.OnTime() {
		t.Fatalf("closed case: %+v", got)
	}
	if _, err := d.CaseStep(boss, "", c.ID(), StepClose, "again"); err == nil {
		t.Fatal("closed twice")
	}
	f, _ := d.CaseFigures(CaseRating, RatingQuery{})
	if f.Total != 2 || f.Closed != 1 || f.OnTime != 1 || f.Overdue != 0 || f.Rectification() != 0.5 || f.Timeliness() != 1 {
		t.Fatalf("figures on time: %+v", f)
	}
	// The other passes its deadline: the end of Friday 2 October.
	clk.now = time.Date(2026, 10, 3, 0, 0, 1, 0, Local)
	f, _ = d.CaseFigures(CaseRating, RatingQuery{})
	if f.Overdue != 1 || f.Timeliness() != 0.5 {
		t.Fatalf("figures overdue: %+v", f)
	}
	if closed, _ := d.Cases(CaseList{Kind: CaseRating, Closed: true}); len(closed) != 1 || closed[0].Key != "R-1" {
		t.Fatalf("closed list: %+v", closed)
	}
	if err := d.AssignCase(staff, "", "rating:R-2", "li"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("staff assigning: %v", err)
	}
	d.AddStaff(CommandLine, "li", RoleStaff, "correct horse 42")
	if err := d.AssignCase(boss, "", "rating:R-2", "li"); err != nil {
		t.Fatal(err)
	}
	if mine, _ := d.Cases(CaseList{Kind: CaseRating, Assignee: "li"}); len(mine) != 1 {
		t.Fatalf("li's cases: %+v", mine)
	}
	trail, _ := d.AuditTrail(0, 100)
	steps := 0
	for _, ev := range trail {
		if ev.Action == AuditCaseStep && ev.Object == c.ID() {
			steps++
		}
	}
	if steps != 4 {
		t.Fatalf("%d steps in the audit trail", steps)
	}
}

// TestComplaintAnswerReachesTheTerminal: the answer to a complaint is its
// record's status, which the terminal fetches.
func TestComplaintAnswerReachesTheTerminal(t *testing.T) {
	clk := &clock{now: friday}
	d := open(t, t.TempDir(), clk)
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 1, "complaint", "", "Q-1", `{"type":"consult","topic":"社保","text":"怎么办","phone":"13800138000"}`, friday))
	cases, _ := d.Cases(CaseList{Kind: CaseComplaint})
	if len(cases) != 1 || cases[0].Type != "consult" || cases[0].Topic != "社保" || cases[0].Next() != StepAnswer ||
		cases[0].Deadline.In(Local).Format(time.DateOnly) != "2026-10-16" {
		t.Fatalf("complaint case: %+v", cases)
	}
	if _, err := d.CaseStep(Staff{Name: "li", Role: RoleStaff}, "", cases[0].ID(), StepAnswer, "请带身份证到3号窗口"); err != nil {
		t.Fatal(err)
	}
	page, _ := d.Statuses("HALL-1", 0, 10)
	last := page.Statuses[len(page.Statuses)-1]
	if last.ID != seqID(1) || last.State != "done" || last.Message != "请带身份证到3号窗口" {
		t.Fatalf("the terminal gets %+v", last)
	}
}

// TestInboxPagesAndFilters: applications by state, newest first, a page
// at a time, filtered; a state change moves one between states.
func TestInboxPagesAndFilters(t *testing.T) {
	clk := &clock{now: friday}
	d := open(t, t.TempDir(), clk)
	for i := 1; i <= 30; i++ {
		clk.now = friday.Add(time.Duration(i) * time.Minute)
		terminal, service := "HALL-1", "SB-001"
		if i%3 == 0 {
			terminal, service = "HALL-2", "HJ-002"
		}
		ingestOne(t, d, terminal, kioskRecord(t, d, i, "application", service, fmt.Sprintf("R-%d", i), `{}`, clk.now))
	}
	page, err := d.Inbox(InboxQuery{Limit: 12})
	if err != nil || len(page.Items) != 12 || page.Items[0].Ref.ID != seqID(30) || page.Next == "" || page.Counts["received"] != 30 {
		t.Fatalf("first page: %+v %v", page, err)
	}
	seen := len(page.Items)
	for page.Next != "" {
		if page, err = d.Inbox(InboxQuery{Limit: 12, After: page.Next}); err != nil {
			t.Fatal(err)
		}
		seen += len(page.Items)
	}
	if seen != 30 {
		t.Fatalf("paged through %d", seen)
	}
	d.SetStatus("wang", "", RecordRef{Terminal: "HALL-2", ID: seqID(3)}, "accepted", "")
	page, _ = d.Inbox(InboxQuery{State: "accepted"})
	if len(page.Items) != 1 || page.Items[0].Ref.ID != seqID(3) || page.Counts["received"] != 29 || page.Counts["accepted"] != 1 {
		t.Fatalf("accepted: %+v", page)
	}
	page, _ = d.Inbox(InboxQuery{Service: "HJ-002"})
	if len(page.Items) != 10 || page.Items[len(page.Items)-1].Ref.ID != seqID(3) || page.Items[len(page.Items)-1].State != "accepted" {
		t.Fatalf("by service: %+v", page)
	}
	page, _ = d.Inbox(InboxQuery{Terminal: "HALL-1", From: friday.Add(10 * time.Minute), To: friday.Add(20 * time.Minute)})
	if len(page.Items) != 7 { // 10, 11, 13, 14, 16, 17, 19
		t.Fatalf("by terminal and date: %d %+v", len(page.Items), page.Items)
	}
	if _, err := d.Inbox(InboxQuery{After: "zz"}); err == nil {
		t.Fatal("a malformed page token")
	}
	if _, err := d.Inbox(InboxQuery{State: "lost"}); err == nil {
		t.Fatal("an unknown state")
	}
}

// TestMigrateVersion2MakesTheIndexes: a version 2 store — records only —
// opens as version 3 with its inbox, ratings and cases made from the
// records, and work done on the command line before kept: an answered
// complaint is closed.
func TestMigrateVersion2MakesTheIndexes(t *testing.T) {
	clk := &clock{now: friday}
	opt := onStore(t, Options{Dir: t.TempDir(), Now: clk.Now})
	d, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 1, "application", "SB-001", "R-1", `{}`, friday))
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 2, "rating", "SB-001", "R-1", `{"level":1,"reason":"慢"}`, friday))
	ingestOne(t, d, "HALL-1", kioskRecord(t, d, 3, "complaint", "", "Q-1", `{"type":"complaint"}`, friday))
	d.SetStatus(CommandLine, "", RecordRef{ID: seqID(3)}, "done", "已答复")
	d.SetStatus(CommandLine, "", RecordRef{ID: seqID(1)}, "processing", "")
	before, _ := d.Inbox(InboxQuery{})

	// What a version 2 districtd left.
	d.db.Update(func(tx Tx) error {
		for _, b := range newInV3 {
			tx.DeleteBucket(b)
		}
		return tx.Bucket(bucketMeta).Put(keyVersion, []byte("2"))
	})
	d.Close()

	if d, err = Open(opt); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	after, err := d.Inbox(InboxQuery{})
	if err != nil || len(after.Items) != 1 || after.Items[0] != before.Items[0] || after.Counts["processing"] != 1 {
		t.Fatalf("inbox: %+v, was %+v (%v)", after, before, err)
	}
	if r, found, _ := d.RatingOf("R-1"); !found || r.Level != 1 {
		t.Fatalf("rating: %+v", r)
	}
	if open, _ := d.Cases(CaseList{Kind: CaseRating}); len(open) != 1 || open[0].Reason != "慢" {
		t.Fatalf("bad rating's case: %+v", open)
	}
	closed, _ := d.Cases(CaseList{Kind: CaseComplaint, Closed: true})
	if len(closed) != 1 || len(closed[0].Steps) != 2 || closed[0].Steps[0].Note != "已答复" {
		t.Fatalf("answered complaint: %+v", closed)
	}
	d.db.View(func(tx Tx) error {
		if v := string(tx.Bucket(bucketMeta).Get(keyVersion)); v != storeVersion {
			t.Errorf("version %s", v)
		}
		return nil
	})
}

// FuzzInboxKeys: whatever a page token decodes to, the inbox reads it
// without failing strangely, and keys it made itself read back.
func FuzzInboxKeys(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x01HALL-1/019ac3f2-0000-7000-8000-000000000001"))
	f.Add([]byte("short"))
	f.Fuzz(func(t *testing.T, k []byte) {
		at, ref, ok := parseInboxKey(k)
		if ok && !bytes.Equal(inboxKey(at, ref), k) {
			t.Fatalf("%x read as %v %v, written back as %x", k, at, ref, inboxKey(at, ref))
		}
	})
}

// FuzzRatingFacts: a fact value of any bytes is read or refused, never
// read past its end; facts written read back the same.
func FuzzRatingFacts(f *testing.F) {
	f.Add(factValue(Rating{Level: 4, Auto: true, Service: "SB-001", Terminal: "HALL-1"}))
	f.Add([]byte{1, 0, 200})
	f.Fuzz(func(t *testing.T, v []byte) {
		got, ok := parseFact(v)
		if !ok {
			return
		}
		back := factValue(Rating{Level: got.level, Auto: got.auto, Service: string(got.service), Terminal: string(got.terminal)})
		if !bytes.Equal(back, v[:len(back)]) {
			t.Fatalf("%x read as %+v, written back as %x", v, got, back)
		}
	})
}
