package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// stateNames are the application states as staff read them.
var stateNames = map[string]string{
	"received":   "已接收 · received",
	"accepted":   "已受理 · accepted",
	"processing": "办理中 · processing",
	"done":       "已办结 · done",
	"rejected":   "不予受理 · rejected",
}

type stateTab struct {
	State, Name string
	Count       uint64
	Current     bool
	Link        string
}

func stateTabs(current string, counts map[string]uint64) []stateTab {
	var all uint64
	for _, n := range counts {
		all += n
	}
	tabs := []stateTab{{State: "", Name: "全部 · all", Count: all, Current: current == "", Link: "/applications"}}
	for _, st := range district.States {
		tabs = append(tabs, stateTab{State: st, Name: stateNames[st], Count: counts[st], Current: current == st, Link: "/applications?state=" + st})
	}
	return tabs
}

// inboxView is the inbox page.
type inboxView struct {
	frame
	Tabs     []stateTab
	Query    inboxForm
	Services []serviceName
	Items    []inboxRow
	Next     string // the next page's address, "" on the last
	Partial  bool   // the page ended where the search stopped looking, not where matches ran out
}

type inboxForm struct {
	State, Service, Terminal, Site, From, To string
}

type inboxRow struct {
	Link, Receipt, Service, Terminal, Site, State, Received string
}

type serviceName struct{ Code, Name string }

// dateInput reads a yyyy-mm-dd date from a form, in the district's time.
func dateInput(s string, endOfDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, district.Local)
	if err != nil {
		return time.Time{}, badInput{fmt.Errorf("日期格式应为 2026-12-06 · a date is written 2026-12-06: %q", s)}
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func (c *Console) applications(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	form := inboxForm{State: q.Get("state"), Service: q.Get("service"), Terminal: q.Get("terminal"), Site: q.Get("site"), From: q.Get("from"), To: q.Get("to")}
	from, err := dateInput(form.From, false)
	if err == nil {
		var to time.Time
		to, err = dateInput(form.To, true)
		if err == nil {
			var page district.InboxPage
			query := district.InboxQuery{State: form.State, Service: form.Service, Terminal: form.Terminal, Site: form.Site, From: from, To: to, After: q.Get("after")}
			if page, err = c.opt.District.Inbox(query); err == nil {
				c.showInbox(w, s, form, page)
				return
			}
		}
	}
	if _, ok := err.(badInput); !ok {
		err = badInput{fmt.Errorf("筛选条件有误 · the filter is not right: %w", err)}
	}
	c.failErr(w, s, err, "/applications")
}

func (c *Console) showInbox(w http.ResponseWriter, s *session, form inboxForm, page district.InboxPage) {
	names := c.serviceNames()
	v := inboxView{frame: c.frame(s, "applications", "申请 · Applications"), Tabs: stateTabs(form.State, page.Counts), Query: form, Services: sortedServices(names)}
	for _, it := range page.Items {
		v.Items = append(v.Items, inboxRow{Link: applicationPath(it.Ref), Receipt: it.Receipt, Service: serviceLabel(names, it.Service),
			Terminal: it.Ref.Terminal, Site: it.Site, State: stateNames[it.State], Received: it.Received.In(district.Local).Format("2006-01-02 15:04")})
	}
	if page.Next != "" {
		q := url.Values{}
		for k, val := range map[string]string{"state": form.State, "service": form.Service, "terminal": form.Terminal, "site": form.Site, "from": form.From, "to": form.To} {
			if val != "" {
				q.Set(k, val)
			}
		}
		q.Set("after", page.Next)
		v.Next = "/applications?" + q.Encode()
		v.Partial = len(page.Items) < 50
	}
	c.render(w, http.StatusOK, "applications.html", v)
}

// findApplication opens the application a receipt number names: what a
// resident reads out on the phone, or shows at the counter.
func (c *Console) findApplication(w http.ResponseWriter, r *http.Request, s *session) {
	receipt := strings.TrimSpace(r.URL.Query().Get("receipt"))
	ref, err := c.opt.District.ApplicationOf(receipt)
	if errors.Is(err, district.ErrNoRecord) || receipt == "" {
		c.fail(w, s, http.StatusNotFound, fmt.Sprintf("没有回执号为 %q 的申请 · No application has the receipt number %q", receipt, receipt), "/applications")
		return
	}
	if err != nil {
		c.failErr(w, s, err, "/applications")
		return
	}
	http.Redirect(w, r, applicationPath(ref), http.StatusSeeOther)
}

func applicationPath(ref district.RecordRef) string {
	return "/applications/" + url.PathEscape(ref.Terminal) + "/" + url.PathEscape(ref.ID)
}

// applicationRecord is the personal part of an application record as
// terminals seal it (docs/journeys.md).
type applicationRecord struct {
	Service    string            `json:"service"`
	Receipt    string            `json:"receipt"`
	Card       map[string]string `json:"card"`
	Form       map[string]string `json:"form"`
	StaffFills []string          `json:"staff_fills"`
	Identity   struct {
		Verdict string  `json:"verdict"`
		Score   float64 `json:"score"`
		Photo   bool    `json:"photo"`
	} `json:"identity"`
	Materials []struct {
		Name       string `json:"name"`
		Attachment string `json:"attachment"`
	} `json:"materials"`
	Submitted time.Time `json:"submitted"`
}

// applicationView is one application.
type applicationView struct {
	frame
	Ref          string
	Terminal     string
	Receipt      string
	Service      string
	State        string
	StateCode    string
	Message      string
	Received     string
	Submitted    string
	StaffFills   []field // what the resident left for staff to fill in with them: first
	Card         []field
	Form         []field
	Identity     string
	FacePhoto    string // the photo's address, "" when none
	Materials    []material
	States       []stateOption
	StatusAction string
	Unreadable   string // why the personal part could not be shown
}

type field struct{ Label, Value string }

type formField struct{ ID, Label string }

type material struct{ Name, Photo string }

type stateOption struct {
	Code, Name string
	Current    bool
}

// cardLabels name the ID card's fields as the card prints them.
var cardLabels = []formField{
	{catalog.CardName, "姓名 · name"}, {catalog.CardGender, "性别 · sex"}, {catalog.CardNation, "民族 · ethnicity"},
	{catalog.CardBirth, "出生 · born"}, {catalog.CardAddress, "住址 · address"}, {catalog.CardIDNumber, "公民身份号码 · ID number"},
}

var verdictNames = map[string]string{
	"matched":      "人脸比对通过 · the face matches the card",
	"not_matched":  "人脸比对不通过，须当面核验 · the face does not match: check in person",
	"not_compared": "未比对人脸，须当面核验 · the face was not compared: check in person",
	"by_staff":     "居民未拍照，由工作人员核验身份 · no face photo: staff check the identity",
}

func (c *Console) application(w http.ResponseWriter, r *http.Request, s *session) {
	ref, ok := pathRef(r)
	if !ok {
		c.fail(w, s, http.StatusNotFound, "没有找到 · Not found", "/applications")
		return
	}
	d := c.opt.District
	rec, err := d.Record(ref)
	if err == nil && rec.Record.Kind != "application" {
		err = district.ErrNoRecord
	}
	if err != nil {
		c.failErr(w, s, err, "/applications")
		return
	}
	// The view is recorded before anything personal is read.
	if err := c.audit(r, s, "view_application", ref.String(), ""); err != nil {
		c.failErr(w, s, err, "/applications")
		return
	}
	names := c.serviceNames()
	v := applicationView{frame: c.savedFrame(r, s, "applications", "申请 · Application "+rec.Record.Public.Receipt), Ref: ref.String(),
		Terminal: rec.Terminal, Receipt: rec.Record.Public.Receipt, Service: serviceLabel(names, rec.Record.Public.Service),
		State: stateNames[rec.State], StateCode: rec.State, Message: rec.Message,
		Received: rec.Received.In(district.Local).Format("2006-01-02 15:04"), StatusAction: applicationPath(ref) + "/status"}
	for _, st := range district.States {
		v.States = append(v.States, stateOption{Code: st, Name: stateNames[st], Current: st == rec.State})
	}
	plain, err := d.Open(rec)
	var app applicationRecord
	if err == nil {
		err = json.Unmarshal(plain, &app)
	}
	clear(plain)
	if err != nil {
		v.Unreadable = err.Error()
		c.render(w, http.StatusOK, "application.html", v)
		return
	}
	v.Submitted = app.Submitted.In(district.Local).Format("2006-01-02 15:04")
	byStaff := map[string]bool{}
	for _, id := range app.StaffFills {
		byStaff[id] = true
	}
	for _, f := range c.formFields(rec.Record.Public.Service, app.Form, app.StaffFills) {
		if byStaff[f.ID] {
			v.StaffFills = append(v.StaffFills, field{Label: f.Label, Value: app.Form[f.ID]})
		} else {
			v.Form = append(v.Form, field{Label: f.Label, Value: app.Form[f.ID]})
		}
	}
	for _, cf := range cardLabels {
		if val, ok := app.Card[cf.ID]; ok {
			v.Card = append(v.Card, field{Label: cf.Label, Value: val})
		}
	}
	v.Identity = verdictNames[app.Identity.Verdict]
	if v.Identity == "" {
		v.Identity = app.Identity.Verdict
	}
	if app.Identity.Score > 0 {
		v.Identity += fmt.Sprintf(" (%.2f)", app.Identity.Score)
	}
	has := map[string]bool{}
	for _, a := range rec.Record.Attachments {
		has[a.Name] = true
	}
	if app.Identity.Photo && has["face.jpg"] {
		v.FacePhoto = applicationPath(ref) + "/attachments/face.jpg"
	}
	for _, m := range app.Materials {
		one := material{Name: m.Name}
		if m.Attachment != "" && has[m.Attachment] {
			one.Photo = applicationPath(ref) + "/attachments/" + url.PathEscape(m.Attachment)
		}
		v.Materials = append(v.Materials, one)
	}
	c.render(w, http.StatusOK, "application.html", v)
}

// attachment sends one photo of an application, decrypted, recorded as
// viewed. Only images are shown in the page; anything else is a download.
func (c *Console) attachment(w http.ResponseWriter, r *http.Request, s *session) {
	ref, ok := pathRef(r)
	if !ok {
		http.NotFound(w, r)
		return
	}
	d := c.opt.District
	rec, err := d.Record(ref)
	if err != nil || rec.Record.Kind != "application" {
		http.NotFound(w, r)
		return
	}
	name := r.PathValue("name")
	i := slices.IndexFunc(rec.Record.Attachments, func(a protocol.Attachment) bool { return a.Name == name })
	if i < 0 {
		http.NotFound(w, r)
		return
	}
	if err := c.audit(r, s, "view_attachment", ref.String(), name); err != nil {
		http.Error(w, "the view could not be recorded", http.StatusInternalServerError)
		return
	}
	var buf strings.Builder
	if err := d.OpenAttachment(rec, rec.Record.Attachments[i], &buf); err != nil {
		c.opt.Log.Error("console: attachment", "record", ref.String(), "err", err)
		http.Error(w, "the attachment could not be opened", http.StatusInternalServerError)
		return
	}
	data := buf.String()
	kind := http.DetectContentType([]byte(data[:min(len(data), 512)]))
	if kind != "image/jpeg" && kind != "image/png" {
		kind = "application/octet-stream"
		w.Header().Set("Content-Disposition", "attachment")
	}
	w.Header().Set("Content-Type", kind)
	w.Write([]byte(data))
}

func (c *Console) setStatus(w http.ResponseWriter, r *http.Request, s *session) {
	ref, ok := pathRef(r)
	if !ok {
		c.fail(w, s, http.StatusNotFound, "没有找到 · Not found", "/applications")
		return
	}
	state, message := r.PostForm.Get("state"), strings.TrimSpace(r.PostForm.Get("message"))
	back := applicationPath(ref)
	rec, err := c.opt.District.Record(ref)
	if err == nil && rec.Record.Kind != "application" {
		err = district.ErrNoRecord
	}
	if err == nil && !protocol.ValidState(state) {
		err = badInput{fmt.Errorf("请选择状态 · choose a state")}
	}
	if err == nil && state == "rejected" && message == "" {
		err = badInput{fmt.Errorf("不予受理须说明理由，居民会看到 · say why it is rejected: the resident reads it")}
	}
	if err == nil {
		err = c.opt.District.SetStatus(s.staff.Name, clientIP(r), ref, state, message)
	}
	if err != nil {
		c.failErr(w, s, err, back)
		return
	}
	http.Redirect(w, r, back+"?saved=1", http.StatusSeeOther)
}

// pathRef reads TERMINAL and ID from the request's path.
func pathRef(r *http.Request) (district.RecordRef, bool) {
	terminal, id := r.PathValue("terminal"), r.PathValue("id")
	if !protocol.ValidTerminalID(terminal) || !protocol.ValidRecordID(id) {
		return district.RecordRef{}, false
	}
	return district.RecordRef{Terminal: terminal, ID: id}, true
}

// serviceNames maps the published catalog's service codes to their
// Chinese names, read once per catalog version.
func (c *Console) serviceNames() map[string]*catalog.Service {
	cat := c.catalog()
	if cat == nil {
		return nil
	}
	out := map[string]*catalog.Service{}
	for i := range cat.Services {
		out[cat.Services[i].Code] = &cat.Services[i]
	}
	return out
}

// catalog is the published catalog, parsed; nil before one is published
// or when it cannot be read.
func (c *Console) catalog() *catalog.Catalog {
	pub, ok, err := c.opt.District.Catalog()
	if err != nil || !ok {
		return nil
	}
	c.catMu.Lock()
	defer c.catMu.Unlock()
	if c.cat != nil && c.catVersion == pub.Version {
		return c.cat
	}
	cat, err := catalog.Parse(pub.Body)
	if err != nil {
		c.opt.Log.Warn("console: the published catalog", "version", pub.Version, "err", err)
		return nil
	}
	c.cat, c.catVersion = cat, pub.Version
	return cat
}

func serviceLabel(names map[string]*catalog.Service, code string) string {
	if code == "" {
		return "—"
	}
	if s := names[code]; s != nil {
		return s.Name.In("zh") + " (" + code + ")"
	}
	return code
}

func sortedServices(names map[string]*catalog.Service) []serviceName {
	var out []serviceName
	for code, s := range names {
		out = append(out, serviceName{Code: code, Name: s.Name.In("zh")})
	}
	slices.SortFunc(out, func(a, b serviceName) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// formFields lists an application's fields in the order of its service's
// form, as {id, label} (fields the catalog no longer has follow, by id),
// with the fields left for staff among them.
func (c *Console) formFields(code string, values map[string]string, staffFills []string) []formField {
	var out []formField
	seen := map[string]bool{}
	if cat := c.catalog(); cat != nil {
		if svc, ok := cat.Service(code); ok {
			for _, f := range svc.Form.Fields {
				if _, filled := values[f.ID]; !filled && !slices.Contains(staffFills, f.ID) {
					continue
				}
				label := f.Label.In("zh")
				if en := f.Label.In("en"); en != "" && en != label {
					label += " · " + en
				}
				out = append(out, formField{ID: f.ID, Label: label})
				seen[f.ID] = true
			}
		}
	}
	rest := slices.Concat(sortedKeys(values), staffFills)
	slices.Sort(rest)
	for _, id := range slices.Compact(rest) {
		if !seen[id] {
			out = append(out, formField{ID: id, Label: id + "（目录中无此项 · not in the catalog）"})
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
