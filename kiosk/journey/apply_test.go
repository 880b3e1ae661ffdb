package journey

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/capture"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

var friday = time.Date(2026, 11, 27, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

type fakeCamera struct{ shots int }

func (c *fakeCamera) Capture(ctx context.Context, want camera.Want, quality int) ([]byte, error) {
	c.shots++
	return []byte{0xFF, 0xD8, 0xFF, byte(c.shots)}, nil
}

type matcher struct{ verdict facematch.Verdict }

func (m matcher) Compare(ctx context.Context, face []byte, card image.Image) facematch.Result {
	return facematch.Result{Verdict: m.verdict, Score: 0.9}
}

// rig is a journey against a real outbox sealed to a test district key.
type rig struct {
	key   *age.X25519Identity
	store *outbox.Store
	deps  Deps
	kicks int
}

func newRig(t *testing.T) *rig {
	dir := t.TempDir()
	key, _ := age.GenerateX25519Identity()
	secret, _ := outbox.LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	s, err := outbox.Open(outbox.Options{Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	r := &rig{key: key, store: s}
	r.deps = Deps{Outbox: s, FaceCamera: &fakeCamera{}, DocCamera: &fakeCamera{}, Matcher: matcher{facematch.Matched},
		Quality: 90, TerminalID: "HALL-0007", ReceiptURL: "https://zwfw.example.gov.cn/r/{receipt}",
		Now: func() time.Time { return friday }, Kick: func() { r.kicks++ }}
	return r
}

func service(t *testing.T, code string) *catalog.Service {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.Service(code)
	if !ok {
		t.Fatalf("no service %s", code)
	}
	return s
}

func sampleCard() idcard.Card { return idcard.SampleCards()[0] }

func (r *rig) open(t *testing.T, rec outbox.Record) []byte {
	t.Helper()
	rd, err := age.Decrypt(bytes.NewReader(rec.Sealed), r.key)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rd)
	return data
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestApplyFromGuideToRating(t *testing.T) {
	r := newRig(t)
	svc := service(t, "MZ-001") // 老年人优待证: a material photo, 2 working days
	a := NewApply(r.deps, svc, false)
	must(t, a.Start())
	// A damaged read asks again; the good read fills the form.
	must(t, a.CardRead(idcard.Event{Err: idcard.ErrDamaged}, nil))
	if a.Step() != Card || a.Why() != WhyCardDamaged {
		t.Fatalf("damaged card: %s %s", a.Step(), a.Why())
	}
	card := sampleCard()
	must(t, a.CardRead(idcard.Event{Card: card}, image.NewGray(image.Rect(0, 0, 102, 126))))
	if a.Step() != Face || a.FaceFlow().Step() != capture.Consent {
		t.Fatalf("after the card: %s", a.Step())
	}
	f := a.FaceFlow()
	must(t, f.Agree())
	must(t, f.Take(context.Background()))
	must(t, f.Use(context.Background()))
	must(t, a.FaceDone())
	if a.Step() != Form || a.Values()["name"] != card.Name {
		t.Fatalf("form not filled from the card: %v", a.Values())
	}
	if err := a.Set("name", "someone else"); err == nil {
		t.Fatal("a value from the card was changed")
	}
	must(t, a.FormDone())
	if a.Step() != Form || len(a.FieldErrors()) == 0 {
		t.Fatal("an incomplete form went on")
	}
	must(t, a.Set("delivery", "community"))
	must(t, a.Set("phone", "13800138000"))
	must(t, a.FormDone())
	if a.Step() != Materials {
		t.Fatalf("after the form: %s %v", a.Step(), a.FieldErrors())
	}
	m, i, n := a.Material()
	if m.Name.In("zh") != "本人近期免冠照片" || i != 0 || n != 1 {
		t.Fatalf("material %v %d/%d", m.Name, i, n)
	}
	d := a.DocumentFlow()
	must(t, d.Take(context.Background()))
	must(t, d.Use())
	must(t, a.DocumentDone())
	if a.Step() != Review {
		t.Fatalf("after the materials: %s", a.Step())
	}
	must(t, a.Submit(context.Background()))
	if a.Step() != Receipt {
		t.Fatalf("after submitting: %s", a.Step())
	}
	rc := a.Receipt()
	if rc.Number != "HALL-0007-261127-093000" || rc.MaskedName != MaskName(card.Name) || !strings.HasSuffix(rc.URL, "/r/HALL-0007-261127-093000") {
		t.Fatalf("receipt %+v", rc)
	}
	if want := time.Date(2026, 12, 1, 0, 0, 0, 0, friday.Location()); rc.Committed.Format("2006-01-02") != want.Format("2006-01-02") {
		t.Fatalf("committed %v, want 2 working days after Friday: %v", rc.Committed, want)
	}
	// The record: public part plain, the rest sealed and whole.
	rec, err := r.store.Get(rc.RecordID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Public.Service != "MZ-001" || rec.Public.Receipt != rc.Number || len(rec.Attachments) != 2 {
		t.Fatalf("record %+v", rec)
	}
	var app Application
	if err := json.Unmarshal(r.open(t, rec), &app); err != nil {
		t.Fatal(err)
	}
	if app.Card["id_number"] != card.IDNumber || app.Form["phone"] != "13800138000" || app.Identity.Verdict != facematch.Matched ||
		!app.Identity.Photo || app.Materials[0].Attachment != "material-1.jpg" {
		t.Fatalf("sealed application %+v", app)
	}
	if found, _ := r.store.ForResident(card.IDNumber); len(found) != 1 {
		t.Fatal("the card does not find its application")
	}
	// Nothing personal stays in the flow after the submission.
	if a.Values()["name"] != "" || a.FaceFlow().Photo() != nil {
		t.Fatal("personal data outlived the submission")
	}
	must(t, a.ReceiptDone())
	if err := a.Rate(context.Background(), 2, "", ""); err == nil {
		t.Fatal("a bad rating without a reason")
	}
	must(t, a.Rate(context.Background(), 2, "waiting", "13900139000"))
	if a.Step() != Done || r.kicks != 2 {
		t.Fatalf("after rating: %s, %d kicks", a.Step(), r.kicks)
	}
	var ratings []outbox.Record
	r.store.All(func(rec outbox.Record) bool {
		if rec.Kind == outbox.Rating {
			ratings = append(ratings, rec)
		}
		return true
	})
	var rr RatingRecord
	json.Unmarshal(r.open(t, ratings[0]), &rr)
	if len(ratings) != 1 || rr.Level != 2 || rr.Receipt != rc.Number || rr.Reason != "waiting" {
		t.Fatalf("rating %+v", rr)
	}
}

func TestDeclineAndNoCameras(t *testing.T) {
	r := newRig(t)
	r.deps.DocCamera = nil
	a := NewApply(r.deps, service(t, "MZ-001"), false)
	a.Start()
	a.CardRead(idcard.Event{Card: sampleCard()}, nil)
	must(t, a.FaceFlow().Decline())
	must(t, a.FaceDone())
	a.Set("delivery", "mail")
	a.Set("phone", "13800138000")
	must(t, a.FormDone())
	if a.DocumentFlow().Step() != capture.Unavailable {
		t.Fatal("no document camera, yet a document flow")
	}
	must(t, a.DocumentDone()) // left for the counter
	must(t, a.Submit(context.Background()))
	rec, _ := r.store.Get(a.Receipt().RecordID)
	var app Application
	json.Unmarshal(r.open(t, rec), &app)
	if app.Identity.Verdict != facematch.ByStaff || app.Identity.Photo || app.Materials[0].Attachment != "" || len(rec.Attachments) != 0 {
		t.Fatalf("declined, no camera: %+v, %d attachments", app, len(rec.Attachments))
	}
	if a.Consented() {
		t.Fatal("a declined face photo counts as consent")
	}
}

// TestLeaveAMaterial: a resident without the material goes on without
// photographing it, even with the camera working; the application says it
// is for the counter and carries no photo of it.
func TestLeaveAMaterial(t *testing.T) {
	r := newRig(t)
	a := NewApply(r.deps, service(t, "MZ-001"), false)
	a.Start()
	a.CardRead(idcard.Event{Card: sampleCard()}, nil)
	must(t, a.FaceFlow().Decline())
	must(t, a.FaceDone())
	if err := a.LeaveMaterial(); err != ErrWrongStep {
		t.Fatalf("left a material from the form: %v", err)
	}
	a.Set("delivery", "mail")
	a.Set("phone", "13800138000")
	must(t, a.FormDone())
	if a.Step() != Materials || a.DocumentFlow().Step() != capture.Framing {
		t.Fatalf("not framing the material: %s", a.Step())
	}
	must(t, a.LeaveMaterial())
	if a.Step() != Review {
		t.Fatalf("after leaving the material: %s", a.Step())
	}
	must(t, a.Submit(context.Background()))
	rec, _ := r.store.Get(a.Receipt().RecordID)
	var app Application
	json.Unmarshal(r.open(t, rec), &app)
	if len(app.Materials) != 1 || app.Materials[0].Attachment != "" || len(rec.Attachments) != 0 {
		t.Fatalf("a material left for the counter: %+v, %d attachments", app.Materials, len(rec.Attachments))
	}
}

// TestOnlyTheMaterialsTheAnswersNeed: 异地就医备案 asks for the referral
// letter only of a referral; a resident who goes back and changes the
// answer is asked again, and a photo taken for the old answer goes.
func TestOnlyTheMaterialsTheAnswersNeed(t *testing.T) {
	r := newRig(t)
	a := NewApply(r.deps, service(t, "YB-002"), false)
	a.Start()
	a.CardRead(idcard.Event{Card: sampleCard()}, nil)
	must(t, a.FaceFlow().Decline())
	must(t, a.FaceDone())
	a.Set("filing_type", "residence")
	a.Set("place", "北京市")
	a.Set("start_date", "2027-01-15")
	a.Set("phone", "13800138000")
	must(t, a.FormDone())
	if a.Step() != Review {
		m, _, n := a.Material()
		t.Fatalf("living elsewhere asked for %d materials (%s): %s", n, m.Name.ZH, a.Step())
	}
	must(t, a.Back()) // to the form: no materials to go back through
	if a.Step() != Form {
		t.Fatalf("back from review: %s", a.Step())
	}
	a.Set("filing_type", "referral")
	must(t, a.FormDone())
	if m, _, n := a.Material(); a.Step() != Materials || n != 1 || m.Name.ZH != "转诊证明" {
		t.Fatalf("a referral: %s, %d materials (%s)", a.Step(), n, m.Name.ZH)
	}
	must(t, a.LeaveMaterial())
	must(t, a.Submit(context.Background()))
	rec, _ := r.store.Get(a.Receipt().RecordID)
	var app Application
	json.Unmarshal(r.open(t, rec), &app)
	if len(app.Materials) != 1 || app.Materials[0].Name != "转诊证明" {
		t.Fatalf("materials in the record: %+v", app.Materials)
	}
}

func TestStaffHelpWays(t *testing.T) {
	r := newRig(t)
	svc := service(t, "HJ-001")
	a := NewApply(r.deps, svc, false)
	a.Start()
	must(t, a.NoCard())
	if a.Step() != StaffHelp || a.Why() != WhyNoCard {
		t.Fatalf("no card: %s %s", a.Step(), a.Why())
	}
	a = NewApply(r.deps, svc, false)
	a.Start()
	expired := sampleCard()
	expired.LongTerm = false
	expired.ValidTo = idcard.Date{Year: 2020, Month: 1, Day: 1}
	a.CardRead(idcard.Event{Card: expired}, nil)
	if a.Step() != StaffHelp || a.Why() != WhyCardExpired {
		t.Fatalf("expired card: %s %s", a.Step(), a.Why())
	}
	a = NewApply(r.deps, svc, false)
	must(t, a.Back())
	if a.Step() != Exit {
		t.Fatalf("back from the guide: %s", a.Step())
	}
}

func TestConsentOnceASession(t *testing.T) {
	r := newRig(t)
	a := NewApply(r.deps, service(t, "HJ-001"), true)
	a.Start()
	a.CardRead(idcard.Event{Card: sampleCard()}, nil)
	if a.FaceFlow().Step() != capture.Framing {
		t.Fatalf("consent asked twice in a session: %s", a.FaceFlow().Step())
	}
}

type fullOutbox struct{}

func (fullOutbox) Submit(context.Context, outbox.Submission) (outbox.Record, error) {
	return outbox.Record{}, outbox.ErrFull
}

func TestFullDiskKeepsTheApplication(t *testing.T) {
	r := newRig(t)
	r.deps.Outbox = fullOutbox{}
	a := NewApply(r.deps, service(t, "GJ-001"), true)
	a.Start()
	a.CardRead(idcard.Event{Card: sampleCard()}, nil)
	f := a.FaceFlow()
	f.Take(context.Background())
	f.Use(context.Background())
	a.FaceDone()
	a.Set("query", "balance")
	must(t, a.FormDone())
	if err := a.Submit(context.Background()); !errors.Is(err, outbox.ErrFull) {
		t.Fatalf("submit on a full disk: %v", err)
	}
	if a.Step() != Review || a.Why() != WhyFull || a.Values()["name"] == "" {
		t.Fatalf("after a full disk: %s %s, values kept %v", a.Step(), a.Why(), a.Values()["name"] != "")
	}
	a.Wipe()
	if a.Values()["name"] != "" || f.Photo() != nil {
		t.Fatal("Wipe kept personal data")
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"张三": "张*", "欧阳娜娜": "欧***", "李": "李", "": ""} {
		if got := MaskName(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"13800138000": "138****8000", "12345": "*****", "": ""} {
		if got := MaskPhone(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestPrintedReceiptShowsNoMoreThanTheMaskedName(t *testing.T) {
	r := newRig(t)
	a := NewApply(r.deps, service(t, "GJ-001"), true)
	a.Start()
	card := sampleCard()
	a.CardRead(idcard.Event{Card: card}, nil)
	f := a.FaceFlow()
	f.Take(context.Background())
	f.Use(context.Background())
	a.FaceDone()
	a.Set("query", "balance")
	a.FormDone()
	must(t, a.Submit(context.Background()))
	w := ReceiptText{Title: "办事回执", Number: "回执号", Service: "事项", Name: "申请人", Date: "日期",
		Committed: "承诺办结", Immediate: "当场办结", Next: "后续：", Phone: "咨询电话", Follow: "扫码查询办理进度",
		AfterCheck: "核验身份后办理", AfterSending: "送达后办理"}
	rc := PrintedReceipt(a.Receipt(), true, "示范区政务服务中心", "zh", w)
	data, err := printer.Render(rc, printer.Profile80)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, b := range rc.Blocks {
		all.WriteString(b.Text + b.Value + b.Data)
	}
	text := all.String()
	for _, want := range []string{a.Receipt().Number, "住房公积金", MaskName(card.Name), "当场办结", "扫码查询办理进度"} {
		if !strings.Contains(text, want) {
			t.Errorf("the receipt lacks %q", want)
		}
	}
	if strings.Contains(text, card.Name) || strings.Contains(text, card.IDNumber) || len(data) == 0 {
		t.Fatal("the receipt shows the full name or the ID number")
	}
}

// TestOnTheSpotOnlyWhenItIs: 当场办结 is said only for an immediate service
// whose resident's face matched the card and which the district has.
func TestOnTheSpotOnlyWhenItIs(t *testing.T) {
	w := ReceiptText{Immediate: "当场办结", AfterCheck: "核验身份后办理", AfterSending: "送达后办理"}
	immediate := &catalog.Service{Immediate: true}
	later := &catalog.Service{CommittedDays: 5}
	day := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name      string
		r         ReceiptInfo
		delivered bool
		want      string
	}{
		{"matched and delivered", ReceiptInfo{Service: immediate, Verdict: facematch.Matched}, true, "当场办结"},
		{"matched, still queued", ReceiptInfo{Service: immediate, Verdict: facematch.Matched}, false, "送达后办理"},
		{"face not compared", ReceiptInfo{Service: immediate, Verdict: facematch.NotCompared}, true, "核验身份后办理"},
		{"staff check the identity", ReceiptInfo{Service: immediate, Verdict: facematch.ByStaff}, true, "核验身份后办理"},
		{"not an immediate service", ReceiptInfo{Service: later, Verdict: facematch.Matched, Committed: day}, true, "2026-12-08"},
	} {
		if got := c.r.CommittedText(c.delivered, w); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

type statuses map[string]protocol.Status

func (s statuses) RecordStatus(id string) (protocol.Status, bool, error) {
	st, ok := s[id]
	return st, ok, nil
}

func TestMyApplications(t *testing.T) {
	r := newRig(t)
	card := sampleCard()
	submit := func(code string) outbox.Record {
		a := NewApply(r.deps, service(t, code), true)
		a.Start()
		a.CardRead(idcard.Event{Card: card}, nil)
		f := a.FaceFlow()
		f.Take(context.Background())
		f.Use(context.Background())
		a.FaceDone()
		for _, fl := range service(t, code).Form.Fields {
			if fl.Required && fl.FromCard == "" && len(fl.Options) > 0 {
				a.Set(fl.ID, fl.Options[0].Value)
			}
		}
		must(t, a.FormDone())
		must(t, a.Submit(context.Background()))
		rec, _ := r.store.Get(a.Receipt().RecordID)
		return rec
	}
	first := submit("GJ-001")
	// The next resident comes a minute later: another receipt number.
	r.deps.Now = func() time.Time { return friday.Add(time.Minute) }
	second := submit("SB-001")
	st := statuses{first.ID: {ID: first.ID, State: "done", Message: "已办结", At: friday}}
	list, err := MyApplications(r.store, st, card.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Service != second.Public.Service || list[0].State != "queued" ||
		list[1].State != "done" || list[1].Message != "已办结" {
		t.Fatalf("my applications: %+v", list)
	}
	if other, _ := MyApplications(r.store, st, "11010519491231002X"); len(other) != 0 {
		t.Fatal("another card sees these applications")
	}

	// One rating a receipt: the second is refused, and the list says
	// which were rated.
	if list[1].Rated {
		t.Fatal("an application shows as rated before any rating")
	}
	must(t, RateService(context.Background(), r.deps, first.Public.Service, first.Public.Receipt, 2, "waiting", ""))
	if err := RateService(context.Background(), r.deps, first.Public.Service, first.Public.Receipt, 5, "", ""); !errors.Is(err, ErrAlreadyRated) {
		t.Fatalf("a second rating of one receipt: %v, want ErrAlreadyRated", err)
	}
	list, err = MyApplications(r.store, st, card.IDNumber)
	if err != nil {
		t.Fatal(err)
	}
	if !list[1].Rated || list[0].Rated {
		t.Fatalf("rated marks: %+v", list)
	}
}

func TestAskAndStaffCall(t *testing.T) {
	r := newRig(t)
	a := NewAsk(r.deps)
	if a.Check() != "ask.choose_type" {
		t.Fatal(a.Check())
	}
	a.Type, a.Topic = Complaint, "窗口服务"
	if a.Check() != "ask.say_something" {
		t.Fatal(a.Check())
	}
	a.Text, a.Phone = "等候时间太长", "12345"
	if a.Check() != "form.phone" {
		t.Fatal(a.Check())
	}
	a.Phone = "13800138000"
	number, err := a.Submit(context.Background())
	if err != nil || !strings.HasPrefix(number, "HALL-0007-") || a.Text != "" {
		t.Fatalf("submit: %q %v", number, err)
	}
	if _, err := CallStaff(context.Background(), r.deps, "apply.form"); err != nil {
		t.Fatal(err)
	}
	var kinds []outbox.Kind
	var complaint AskRecord
	r.store.All(func(rec outbox.Record) bool {
		kinds = append(kinds, rec.Kind)
		if rec.Kind == outbox.Complaint {
			json.Unmarshal(r.open(t, rec), &complaint)
		}
		return true
	})
	if len(kinds) != 2 || kinds[0] != outbox.Complaint || kinds[1] != outbox.StaffCall {
		t.Fatalf("records %v", kinds)
	}
	if complaint.Type != Complaint || complaint.Text != "等候时间太长" || complaint.Receipt != number {
		t.Fatalf("complaint %+v", complaint)
	}
	if r.kicks != 2 {
		t.Fatalf("%d kicks", r.kicks)
	}
}

// A field the resident cannot type is left to the staff: the form stops
// insisting on it, and the application names it for the district.
func TestLeaveAFieldToStaff(t *testing.T) {
	r := newRig(t)
	a := NewApply(r.deps, service(t, "HJ-002"), true)
	a.Start()
	card := sampleCard()
	a.CardRead(idcard.Event{Card: card}, nil)
	must(t, a.FaceFlow().Decline())
	must(t, a.FaceDone())
	if got := a.Suggestion("current_address"); got != card.Address {
		t.Fatalf("suggestion %q, want the card's address", got)
	}
	if a.Suggestion("phone") != "" || a.Suggestion("nope") != "" {
		t.Fatal("a field without suggest_from_card suggests")
	}
	a.Set("address_changed", "yes") // so the proof of address is photographed
	a.Set("basis", "work")
	a.Set("phone", "13800138000")
	must(t, a.FormDone())
	if a.Step() != Form || len(a.FieldErrors()) != 1 || a.FieldErrors()[0].Field != "current_address" {
		t.Fatalf("an empty required address went on: %s %+v", a.Step(), a.FieldErrors())
	}
	must(t, a.LeaveToStaff("current_address"))
	if len(a.FieldErrors()) != 0 || !a.LeftToStaff("current_address") {
		t.Fatalf("left to staff, still complained about: %+v", a.FieldErrors())
	}
	if err := a.LeaveToStaff("name"); err == nil {
		t.Fatal("a card field was left to staff")
	}
	// Typing it after all takes it back from the staff.
	must(t, a.Set("current_address", card.Address))
	if a.LeftToStaff("current_address") {
		t.Fatal("a typed field is still left to staff")
	}
	must(t, a.LeaveToStaff("current_address"))
	must(t, a.FormDone())
	if a.Step() != Materials {
		t.Fatalf("after the form: %s %+v", a.Step(), a.FieldErrors())
	}
	must(t, a.DocumentFlow().Take(context.Background()))
	must(t, a.DocumentFlow().Use())
	must(t, a.DocumentDone())
	must(t, a.Submit(context.Background()))
	rec, _ := r.store.Get(a.Receipt().RecordID)
	var app Application
	json.Unmarshal(r.open(t, rec), &app)
	if len(app.StaffFills) != 1 || app.StaffFills[0] != "current_address" || app.Form["current_address"] != "" {
		t.Fatalf("staff fills %v, form %v", app.StaffFills, app.Form)
	}
	if a.LeftToStaff("current_address") {
		t.Fatal("the submitted journey still remembers its form")
	}
}

func TestStepPatience(t *testing.T) {
	for step, want := range map[Step]int{Guide: 2, Card: 1, Face: 1, Form: 3, Materials: 2, Review: 2, Receipt: 2, Rating: 1, StaffHelp: 1} {
		if got := step.Patience(); got != want {
			t.Errorf("%s: patience %d, want %d", step, got, want)
		}
	}
}

// TestCardValuesNeverTrap: every card type's number passes the form, and
// a card value the form still refuses can be left to the staff rather
// than stop the application.
func TestCardValuesNeverTrap(t *testing.T) {
	for _, card := range idcard.SampleCards() {
		if card.Expired(idcard.DateOf(friday)) {
			continue // the expired sample goes to staff, as it should
		}
		r := newRig(t)
		a := NewApply(r.deps, service(t, "SB-001"), true)
		a.Start()
		a.CardRead(idcard.Event{Card: card}, nil)
		if a.Step() != Face {
			t.Errorf("%s card %s: after the card, %s (%s)", card.Type, card.IDNumber, a.Step(), a.Why())
			continue
		}
		must(t, a.FaceFlow().Decline())
		must(t, a.FaceDone())
		a.Set("pension_type", service(t, "SB-001").Form.Field("pension_type").Options[0].Value)
		must(t, a.FormDone())
		if a.Step() == Form {
			t.Errorf("%s card %s: the form refused %+v", card.Type, card.IDNumber, a.FieldErrors())
		}
	}

	r := newRig(t)
	a := NewApply(r.deps, service(t, "SB-001"), true)
	a.Start()
	card := sampleCard()
	card.IDNumber = "P1234567(8)" // a number of a kind the form does not know
	a.CardRead(idcard.Event{Card: card}, nil)
	must(t, a.FaceFlow().Decline())
	must(t, a.FaceDone())
	a.Set("pension_type", service(t, "SB-001").Form.Field("pension_type").Options[0].Value)
	must(t, a.FormDone())
	if a.Step() != Form || len(a.FieldErrors()) != 1 || a.FieldErrors()[0].Field != "id_number" {
		t.Fatalf("a refused card number: %s %+v", a.Step(), a.FieldErrors())
	}
	must(t, a.LeaveToStaff("id_number"))
	must(t, a.FormDone())
	if a.Step() == Form {
		t.Fatalf("left to staff, the form still stops: %+v", a.FieldErrors())
	}
}
