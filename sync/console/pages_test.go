package console

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/yizhan-kiosk/yizhan/assets"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func photo(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		img.Set(x, x%24, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sampleApplication is an application's personal part as the kiosk seals it.
func sampleApplication(receipt string) map[string]any {
	return map[string]any{
		"service": "SB-001", "receipt": receipt,
		"card":        map[string]string{"name": "张三丰", "id_number": "110101195001011234", "address": "江北区建设路 1 号"},
		"form":        map[string]string{"phone": "13800138000", "bank_account": ""},
		"staff_fills": []string{"bank_account"},
		"identity":    map[string]any{"verdict": "matched", "score": 0.91, "photo": true},
		"materials":   []map[string]string{{"name": "户口簿", "attachment": "material-1.jpg"}, {"name": "退休证"}},
		"submitted":   time.Now().UTC(),
	}
}

// TestApplicationPagesShowAndRecord: the inbox lists what a terminal sent;
// the application shows what the resident left for staff first, the card,
// the form and the photos; every view is in the audit trail; a state
// change with its message reaches the terminal.
func TestApplicationPagesShowAndRecord(t *testing.T) {
	r := newRig(t)
	pic := photo(t)
	rec := r.term.submit(t, outbox.Application, "SB-001", "HALL-0001-261207-090000", sampleApplication("HALL-0001-261207-090000"),
		map[string][]byte{"face.jpg": pic, "material-1.jpg": pic})
	b := r.browser("li")
	if resp := b.do("GET", "/applications?state=received", nil); resp.StatusCode != 200 || !strings.Contains(b.body, "SB-001") || !strings.Contains(b.body, "江北大厅") {
		t.Fatalf("inbox: %d\n%s", resp.StatusCode, b.body)
	}
	page := "/applications/HALL-0001/" + rec.ID
	if !strings.Contains(b.body, page) {
		t.Fatalf("the inbox does not link %s", page)
	}
	if resp := b.do("GET", page, nil); resp.StatusCode != 200 {
		t.Fatalf("application: %d\n%s", resp.StatusCode, b.body)
	}
	left, card := strings.Index(b.body, "需工作人员协助填写"), strings.Index(b.body, "张三丰")
	if left < 0 || card < 0 || left > card || !strings.Contains(b.body, "bank_account") || !strings.Contains(b.body, "110101195001011234") {
		t.Fatalf("the application page (staff fills first, then the card):\n%s", b.body)
	}
	imgs := []string{page + "/attachments/face.jpg", page + "/attachments/material-1.jpg"}
	for _, img := range imgs {
		if !strings.Contains(b.body, `src="`+img+`"`) {
			t.Fatalf("no <img> of %s", img)
		}
	}
	if !strings.Contains(b.body, "退休证") || !strings.Contains(b.body, "未拍照") {
		t.Fatal("a material without a photo is not shown as such")
	}
	for _, img := range imgs {
		resp := b.do("GET", img, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" || b.body != string(pic) {
			t.Fatalf("%s: %d %s, %d bytes", img, resp.StatusCode, resp.Header.Get("Content-Type"), len(b.body))
		}
	}
	if resp := b.do("GET", "/applications/find?receipt=HALL-0001-261207-090000", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
		t.Fatalf("finding by receipt: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := b.do("GET", "/applications/find?receipt=HALL-0001-000000-000000", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown receipt: %d", resp.StatusCode)
	}
	if resp := b.do("GET", page+"/attachments/other.jpg", nil); resp.StatusCode != 404 {
		t.Fatalf("an attachment the record does not name: %d", resp.StatusCode)
	}
	b.do("GET", page, nil)
	if resp := b.do("POST", page+"/status", url.Values{"csrf": {b.csrf()}, "state": {"rejected"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(b.body, "说明理由") {
		t.Fatalf("rejected without a reason: %d\n%s", resp.StatusCode, b.body)
	}
	b.do("GET", page, nil)
	if resp := b.do("POST", page+"/status", url.Values{"csrf": {b.csrf()}, "state": {"accepted"}, "message": {"已受理，请补充银行账号"}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page+"?saved=1" {
		t.Fatalf("accepting: %d\n%s", resp.StatusCode, b.body)
	}
	r.term.sync(t)
	if st := r.term.status(t, rec.ID); st.State != "accepted" || st.Message != "已受理，请补充银行账号" {
		t.Fatalf("the terminal has %+v", st)
	}
	trail, _ := r.d.AuditTrail(0, 100)
	seen := map[string]int{}
	for _, ev := range trail {
		if ev.Staff == "li" && ev.Object == "HALL-0001/"+rec.ID {
			seen[ev.Action]++
		}
	}
	if seen["view_application"] != 3 || seen["view_attachment"] != 2 || seen[district.AuditSetStatus] != 1 {
		t.Fatalf("the audit trail has %v", seen)
	}
	for _, ev := range trail {
		if strings.Contains(ev.Detail+ev.Object, "张三丰") || strings.Contains(ev.Detail+ev.Object, "110101195001011234") {
			t.Fatalf("personal data in the audit trail: %+v", ev)
		}
	}
}

// TestBadRatingWorkedThroughAndCounted: a bad rating a terminal sent is a
// case in the queue; staff verify, rectify and call back; staff cannot
// close it, a supervisor does; the dashboard's rectification rate moves.
func TestBadRatingWorkedThroughAndCounted(t *testing.T) {
	r := newRig(t)
	r.term.submit(t, outbox.Rating, "SB-001", "HALL-0001-261207-090000", map[string]any{"level": 1, "reason": "等候太久", "phone": "13900139000", "channel": "terminal"}, nil)
	r.term.submit(t, outbox.Rating, "SB-002", "HALL-0001-261207-091000", map[string]any{"level": 5, "channel": "terminal"}, nil)
	b := r.browser("li")
	b.do("GET", "/ratings", nil)
	if !strings.Contains(b.body, "50.0%") || !strings.Contains(b.body, "已整改办结 0 件 / 差评 1 件") {
		t.Fatalf("dashboard before (satisfied 50%%, rectified 0 / 1):\n%s", b.body)
	}
	b.do("GET", "/cases/rating", nil)
	casePage := "/cases/rating/HALL-0001-261207-090000"
	if !strings.Contains(b.body, casePage) || !strings.Contains(b.body, "等候太久") {
		t.Fatalf("queue:\n%s", b.body)
	}
	for _, step := range []string{district.StepVerify, district.StepRectify, district.StepCallBack} {
		b.do("GET", casePage, nil)
		if !strings.Contains(b.body, "13900139000") {
			t.Fatalf("the case page lacks the call-back number:\n%s", b.body)
		}
		if resp := b.do("POST", "/cases/rating/step/HALL-0001-261207-090000", url.Values{"csrf": {b.csrf()}, "step": {step}, "note": {"做了 " + step}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step, resp.StatusCode, b.body)
		}
	}
	b.do("GET", "/", nil)
	if !strings.Contains(b.body, `href="`+casePage+`"`) || !strings.Contains(b.body, "差评整改") {
		t.Fatalf("li took the case up but her home page does not list it:\n%s", b.body)
	}
	b.do("GET", casePage, nil)
	if !strings.Contains(b.body, "待科室负责人审核办结") {
		t.Fatalf("staff is offered the close:\n%s", b.body)
	}
	if resp := b.do("POST", "/cases/rating/step/HALL-0001-261207-090000", url.Values{"csrf": {b.csrf()}, "step": {"close"}, "note": {"办结"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff closing: %d\n%s", resp.StatusCode, b.body)
	}
	boss := r.browser("zhao")
	boss.do("GET", "/cases/rating?close=1", nil)
	if !strings.Contains(boss.body, casePage) {
		t.Fatalf("the supervisor's queue to close lacks the case:\n%s", boss.body)
	}
	boss.do("GET", casePage, nil)
	if resp := boss.do("POST", "/cases/rating/step/HALL-0001-261207-090000", url.Values{"csrf": {boss.csrf()}, "step": {"close"}, "note": {"已整改，居民满意"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("supervisor closing: %d\n%s", resp.StatusCode, boss.body)
	}
	boss.do("GET", "/ratings", nil)
	if !strings.Contains(boss.body, "已整改办结 1 件 / 差评 1 件") || !strings.Contains(boss.body, "100.0%") {
		t.Fatalf("dashboard after:\n%s", boss.body)
	}
}

// TestComplaintAnswerReachesTheResident: an answer given in the console
// is what the terminal shows at the resident's next visit.
func TestComplaintAnswerReachesTheResident(t *testing.T) {
	r := newRig(t)
	rec := r.term.submit(t, outbox.Complaint, "", "HALL-0001-261207-093000", map[string]any{"type": "consult", "topic": "社保", "text": "养老金认证怎么办", "phone": "13700137000"}, nil)
	b := r.browser("li")
	key := "HALL-0001/" + rec.ID
	b.do("GET", "/cases/complaint/"+key, nil)
	if !strings.Contains(b.body, "养老金认证怎么办") || !strings.Contains(b.body, "咨询") {
		t.Fatalf("complaint page:\n%s", b.body)
	}
	if resp := b.do("POST", "/cases/complaint/step/"+key, url.Values{"csrf": {b.csrf()}, "step": {"answer"}, "note": {"请携带身份证到 3 号窗口"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answering: %d\n%s", resp.StatusCode, b.body)
	}
	r.term.sync(t)
	if st := r.term.status(t, rec.ID); st.State != "done" || st.Message != "请携带身份证到 3 号窗口" {
		t.Fatalf("the terminal has %+v", st)
	}
}

// TestRolesAreEnforced: staff cannot read the audit trail or assign work;
// an admin can; a step out of order is refused with why.
func TestRolesAreEnforced(t *testing.T) {
	r := newRig(t)
	r.term.submit(t, outbox.Rating, "SB-001", "R-1", map[string]any{"level": 2, "reason": "态度差"}, nil)
	b := r.browser("li")
	if resp := b.do("GET", "/audit", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff reading the audit trail: %d", resp.StatusCode)
	}
	b.do("GET", "/cases/rating/R-1", nil)
	if strings.Contains(b.body, "/cases/rating/assign/") {
		t.Fatal("staff is offered the assign form")
	}
	if resp := b.do("POST", "/cases/rating/assign/R-1", url.Values{"csrf": {b.csrf()}, "assignee": {"li"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff assigning: %d", resp.StatusCode)
	}
	b.do("GET", "/cases/rating/R-1", nil)
	if resp := b.do("POST", "/cases/rating/step/R-1", url.Values{"csrf": {b.csrf()}, "step": {"callback"}, "note": {"x"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(b.body, "waits for verify") {
		t.Fatalf("a step out of order: %d\n%s", resp.StatusCode, b.body)
	}
	a := r.browser("admin")
	if resp := a.do("GET", "/audit?verify=1", nil); resp.StatusCode != 200 || !strings.Contains(a.body, "审计链校验通过") || !strings.Contains(a.body, "view_case") {
		t.Fatalf("admin's audit page: %d\n%s", resp.StatusCode, a.body)
	}
	a.do("GET", "/cases/rating/R-1", nil)
	if resp := a.do("POST", "/cases/rating/assign/R-1", url.Values{"csrf": {a.csrf()}, "assignee": {"li"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin assigning: %d\n%s", resp.StatusCode, a.body)
	}
	b.do("GET", "/", nil)
	if !strings.Contains(b.body, "/cases/rating/R-1") {
		t.Fatalf("li's home page lacks the case assigned:\n%s", b.body)
	}
}

// TestFleetSaysWhoMustAct: a terminal out of paper is on the "needs
// someone" list with hall staff to act; one gone quiet with a technician;
// an admin issues a token shown once and revokes a terminal; staff can
// do neither.
func TestFleetSaysWhoMustAct(t *testing.T) {
	r := newRig(t)
	r.term.hb.Store(&protocol.Heartbeat{Software: "1.2.0", Devices: map[string]string{"idcard": "online", "printer": "userError"},
		Attention: map[string]protocol.DeviceAttention{"printer": {Actor: "staff", Reason: "paper out"}},
		Queue:     protocol.QueueReport{Depth: 3, OldestSeconds: 600, DiskUsed: 10, DiskBudget: 100}})
	r.term.sync(t)
	quiet := r.enroll("HALL-0002", r.districtURL)
	quiet.sync(t)
	r.clk.now = r.clk.now.Add(10 * time.Minute) // HALL-0002 says nothing more
	r.term.sync(t)

	b := r.browser("li")
	b.do("GET", "/fleet?attention=1", nil)
	for _, want := range []string{"HALL-0001", "paper out", "大厅工作人员", "1.2.0", "HALL-0002", "终端失联"} {
		if !strings.Contains(b.body, want) {
			t.Fatalf("the fleet's needs-someone list lacks %q:\n%s", want, b.body)
		}
	}
	if strings.Contains(b.body, "/fleet/tokens") {
		t.Fatal("staff is offered the token form")
	}
	if resp := b.do("POST", "/fleet/tokens", url.Values{"csrf": {b.csrf()}, "site": {"新网点"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff making a token: %d", resp.StatusCode)
	}

	a := r.browser("admin")
	a.do("GET", "/fleet", nil)
	if resp := a.do("POST", "/fleet/tokens", url.Values{"csrf": {a.csrf()}, "site": {"新网点"}, "hours": {"24"}}); resp.StatusCode != 200 || !strings.Contains(a.body, "只显示这一次") {
		t.Fatalf("admin making a token: %d\n%s", resp.StatusCode, a.body)
	}
	token := regexp.MustCompile(`<code class="token">([^<]+)</code>`).FindStringSubmatch(a.body)
	if token == nil {
		t.Fatalf("no token on the page:\n%s", a.body)
	}
	newOne := r.enrollWith("HALL-0003", r.districtURL, token[1])
	newOne.sync(t)
	a.do("GET", "/fleet", nil)
	if resp := a.do("POST", "/fleet/HALL-0003/revoke", url.Values{"csrf": {a.csrf()}, "confirm": {"HALL-0002"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("revoking with the wrong id typed: %d", resp.StatusCode)
	}
	a.do("GET", "/fleet", nil)
	if resp := a.do("POST", "/fleet/HALL-0003/revoke", url.Values{"csrf": {a.csrf()}, "confirm": {"HALL-0003"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoking: %d\n%s", resp.StatusCode, a.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := newOne.client.Once(ctx); err == nil || !newOne.client.Status().Revoked {
		t.Fatalf("a revoked terminal syncing: %v %+v", err, newOne.client.Status())
	}
}

// upload posts a file in a multipart form, as a browser's file input does.
func (b *browser) upload(path, field, name string, data []byte, values url.Values) *http.Response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range values {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req)
}

var hiddenField = func(name string) *regexp.Regexp {
	return regexp.MustCompile(`name="` + name + `" value="([^"]*)"`)
}

// TestCatalogUploadedComparedPublished: an admin's upload is read as
// terminals read it (a broken one refused with why), shown as a
// difference, and published over the version compared — refused if
// another was published meanwhile. Staff cannot reach any of it.
func TestCatalogUploadedComparedPublished(t *testing.T) {
	r := newRig(t)
	a := r.browser("admin")
	a.do("GET", "/settings", nil)
	if resp := a.upload("/settings/catalog", "catalog", "catalog.json", []byte(`{"schema":1,`), url.Values{"csrf": {a.csrf()}, "base": {"0"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "终端不会接受") {
		t.Fatalf("a broken catalog: %d\n%s", resp.StatusCode, a.body)
	}
	a.do("GET", "/settings", nil)
	if resp := a.upload("/settings/catalog", "catalog", "catalog.json", assets.Catalog, url.Values{"csrf": {a.csrf()}, "base": {"0"}}); resp.StatusCode != 200 || !strings.Contains(a.body, "新增事项") {
		t.Fatalf("the first catalog: %d\n%s", resp.StatusCode, a.body)
	}
	publish := url.Values{"csrf": {a.csrf()}, "base": {hiddenField("base").FindStringSubmatch(a.body)[1]}, "sum": {hiddenField("sum").FindStringSubmatch(a.body)[1]}}
	if resp := a.do("POST", "/settings/catalog/publish", publish); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publishing: %d\n%s", resp.StatusCode, a.body)
	}
	if pub, ok, _ := r.d.Catalog(); !ok || pub.Version != 1 {
		t.Fatalf("published: %+v", pub)
	}
	r.term.sync(t)
	if got, ok, _ := r.term.state.Catalog(); !ok || got.Version != 1 {
		t.Fatal("the terminal did not take the catalog")
	}

	// The next: one service renamed, one removed.
	cat, _ := catalog.Default()
	renamed, removed := cat.Services[0].Code, cat.Services[1].Code
	cat.Services[0].Description.ZH += "（新版说明）"
	cat.Services = append(cat.Services[:1], cat.Services[2:]...)
	next, _ := json.Marshal(cat)
	a.do("GET", "/settings", nil)
	a.upload("/settings/catalog", "catalog", "catalog.json", next, url.Values{"csrf": {a.csrf()}, "base": {"1"}})
	if !strings.Contains(a.body, renamed) || !strings.Contains(a.body, "description") || !strings.Contains(a.body, "删除事项") || !strings.Contains(a.body, removed) {
		t.Fatalf("the difference:\n%s", a.body)
	}
	publish = url.Values{"csrf": {a.csrf()}, "base": {"1"}, "sum": {hiddenField("sum").FindStringSubmatch(a.body)[1]}}
	r.d.PublishCatalog(assets.Catalog) // someone else, meanwhile
	if resp := a.do("POST", "/settings/catalog/publish", publish); resp.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "其间已有人发布") {
		t.Fatalf("publishing over a version gone: %d\n%s", resp.StatusCode, a.body)
	}

	b := r.browser("li")
	if resp := b.do("GET", "/settings", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff on the settings page: %d", resp.StatusCode)
	}
	if resp := b.upload("/settings/catalog", "catalog", "catalog.json", assets.Catalog, url.Values{"csrf": {b.csrf()}, "base": {"2"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("staff uploading: %d", resp.StatusCode)
	}
	if resp := a.upload("/settings/catalog", "catalog", "catalog.json", assets.Catalog, url.Values{"base": {"2"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an upload without its token: %d", resp.StatusCode)
	}
	a.do("GET", "/settings", nil)
	huge := bytes.Repeat([]byte(" "), maxCatalog+100<<10)
	if resp := a.upload("/settings/catalog", "catalog", "catalog.json", huge, url.Values{"csrf": {a.csrf()}, "base": {"2"}}); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("an upload over the bound: %d\n%s", resp.StatusCode, a.body)
	}
	// A plain form is bounded at 16 KiB, whatever the page.
	a.do("GET", "/settings", nil)
	if resp := a.do("POST", "/settings/rules", url.Values{"csrf": {a.csrf()}, "holidays": {strings.Repeat("2026-10-01\n", 2000)}}); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a form over 16 KiB: %d", resp.StatusCode)
	}
	trail, _ := r.d.AuditTrail(0, 200)
	if !slices.ContainsFunc(trail, func(ev district.AuditEvent) bool {
		return ev.Action == district.AuditCatalogPublished && ev.Staff == "admin"
	}) {
		t.Fatal("the publication is not in the audit trail")
	}
}

// TestRulesSetFromThePage: deadlines and holidays saved by an admin are
// what the next case is counted with; a date that is not one is refused.
func TestRulesSetFromThePage(t *testing.T) {
	r := newRig(t)
	a := r.browser("admin")
	a.do("GET", "/settings", nil)
	if resp := a.do("POST", "/settings/rules", url.Values{"csrf": {a.csrf()}, "bad_rating_days": {"15"}, "complaint_days": {"15"}, "auto_rating_days": {"7"}, "holidays": {"2026-10-01\r\n10/02"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(a.body, "10/02") {
		t.Fatalf("a holiday that is no date: %d\n%s", resp.StatusCode, a.body)
	}
	a.do("GET", "/settings", nil)
	if resp := a.do("POST", "/settings/rules", url.Values{"csrf": {a.csrf()}, "bad_rating_days": {"15"}, "complaint_days": {"10"}, "auto_rating_days": {"7"}, "holidays": {"2026-10-02\r\n2026-10-01"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving: %d\n%s", resp.StatusCode, a.body)
	}
	rules, _ := r.d.Rules()
	if rules.BadRatingDays != 15 || rules.ComplaintDays != 10 || !slices.Equal(rules.Holidays, []string{"2026-10-01", "2026-10-02"}) {
		t.Fatalf("rules: %+v", rules)
	}
}

// TestTwoStepFromTheAccountPage: a staff member scans the key's QR code,
// turns two-step on with the app's code, and from then on logs in with
// password and code — the password alone is refused.
func TestTwoStepFromTheAccountPage(t *testing.T) {
	r := newRig(t)
	b := r.browser("li")
	b.do("GET", "/account?setup=1", nil)
	m := regexp.MustCompile(`<code class="token">([A-Z2-7 ]+)</code>`).FindStringSubmatch(b.body)
	if m == nil {
		t.Fatalf("no key on the page:\n%s", b.body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	csrf := b.csrf()
	if resp := b.do("GET", "/account/two-step.png", nil); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("the QR code: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if img, err := png.Decode(strings.NewReader(b.body)); err != nil || img.Bounds().Dx() < 200 {
		t.Fatalf("the QR code is no image: %v", err)
	}
	if resp := b.do("POST", "/account/two-step", url.Values{"csrf": {csrf}, "code": {"12345"}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a wrong code: %d", resp.StatusCode)
	}
	code, _ := totp.GenerateCode(secret, r.clk.now)
	if resp := b.do("POST", "/account/two-step", url.Values{"csrf": {csrf}, "code": {code}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("turning it on: %d\n%s", resp.StatusCode, b.body)
	}
	other := &browser{t: t, srv: r.srv, cookies: map[string]*http.Cookie{}}
	if resp := other.logIn("li", rigPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the password alone: %d", resp.StatusCode)
	}
	r.clk.now = r.clk.now.Add(30 * time.Second)
	code, _ = totp.GenerateCode(secret, r.clk.now)
	other.do("GET", "/login", nil)
	if resp := other.do("POST", "/login", url.Values{"csrf": {other.csrf()}, "name": {"li"}, "password": {rigPassword}, "code": {code}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("password and code: %d\n%s", resp.StatusCode, other.body)
	}
	other.do("GET", "/account", nil)
	if !strings.Contains(other.body, "已启用") {
		t.Fatalf("the account page:\n%s", other.body)
	}
}
