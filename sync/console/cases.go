package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// stepNames are the steps of a case as staff read them.
var stepNames = map[string]string{
	district.StepVerify:   "核实 · verify",
	district.StepRectify:  "整改 · rectify",
	district.StepCallBack: "回访 · call back",
	district.StepAnswer:   "答复 · answer",
	district.StepClose:    "办结 · close",
}

// stepHints say what a step's note should hold.
var stepHints = map[string]string{
	district.StepVerify:   "核实情况：发生了什么，涉及哪个窗口或环节 · what happened, at which window or step",
	district.StepRectify:  "整改措施：改了什么 · what was changed",
	district.StepCallBack: "回访结果：何时联系居民，居民的意见 · when the resident was called and what they said",
	district.StepAnswer:   "答复内容：居民下次在终端上会看到这段话 · the answer: the resident reads it at the terminal",
	district.StepClose:    "办结说明 · closing note",
}

var kindNames = map[string]string{
	district.CaseRating:    "差评整改 · bad ratings",
	district.CaseComplaint: "投诉咨询 · complaints",
}

var complaintTypes = map[string]string{
	"complaint":  "投诉 · complaint",
	"consult":    "咨询 · consultation",
	"suggestion": "建议 · suggestion",
}

// casesView is a queue of cases.
type casesView struct {
	frame
	Kind, KindName       string
	Closed, Mine, ToShut bool
	Rows                 []caseRow
	Overdue, Soon        int
}

type caseRow struct {
	Link, Kind, Key, What, Service, Terminal, Opened, Deadline, Next, Assignee string
	Overdue, Soon                                                              bool
}

// newCaseRow is a case as a queue or the home page lists it.
func newCaseRow(one district.Case, rules district.Rules, names map[string]*catalog.Service, now time.Time) caseRow {
	row := caseRow{Link: casePath(one), Kind: kindNames[one.Kind], Key: one.Key, What: caseWhat(one), Service: serviceLabel(names, one.Service),
		Terminal: one.Terminal, Opened: one.Opened.In(district.Local).Format("2006-01-02 15:04"),
		Next: stepNames[one.Next()], Assignee: orDash(one.Assignee, "未分配 · nobody"), Overdue: one.Overdue(now)}
	row.Deadline, row.Soon = deadlineText(one, rules, now)
	return row
}

func validKind(kind string) bool {
	return kind == district.CaseRating || kind == district.CaseComplaint
}

func casePath(c district.Case) string { return "/cases/" + c.Kind + "/" + c.Key }

// caseWhat is a case's one line: a rating's level and reason, a
// complaint's type and topic.
func caseWhat(c district.Case) string {
	if c.Kind == district.CaseRating {
		return fmt.Sprintf("%s · %s", levelNames[min(max(c.Level, 1), 5)], c.Reason)
	}
	what := complaintTypes[c.Type]
	if what == "" {
		what = c.Type
	}
	if c.Topic != "" {
		what += " · " + c.Topic
	}
	return what
}

func (c *Console) cases(w http.ResponseWriter, r *http.Request, s *session) {
	kind := r.PathValue("kind")
	if !validKind(kind) {
		c.fail(w, s, http.StatusNotFound, "没有找到 · Not found", "/")
		return
	}
	q := r.URL.Query()
	list := district.CaseList{Kind: kind, Closed: q.Get("closed") != "", Limit: 500}
	if q.Get("mine") != "" {
		list.Assignee = s.staff.Name
	}
	if q.Get("close") != "" && !list.Closed {
		list.Next = district.StepClose
	}
	rules, err := c.opt.District.Rules()
	if err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	found, err := c.opt.District.Cases(list)
	if err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	names := c.serviceNames()
	now := c.opt.Now()
	v := casesView{frame: c.frame(s, kind, kindNames[kind]), Kind: kind, KindName: kindNames[kind], Closed: list.Closed, Mine: list.Assignee != "", ToShut: list.Next != ""}
	for _, one := range found {
		row := newCaseRow(one, rules, names, now)
		if row.Overdue {
			v.Overdue++
		}
		if row.Soon {
			v.Soon++
		}
		v.Rows = append(v.Rows, row)
	}
	c.render(w, http.StatusOK, "cases.html", v)
}

// caseView is one case.
type caseView struct {
	frame
	Kind, KindName, Key, What, Service, Terminal, Opened, Deadline string
	Overdue, Closed                                                bool
	Steps                                                          []stepRow
	Next, NextName, NextHint, StepAction                           string
	CanDoNext                                                      bool
	Assignee, AssignAction                                         string
	StaffNames                                                     []string
	Resident                                                       []field // what the resident said, opened from the record
	Application                                                    string  // the rated application's page, if the district has it
}

type stepRow struct{ Name, By, At, Note string }

func (c *Console) caseFromPath(w http.ResponseWriter, r *http.Request, s *session) (district.Case, bool) {
	kind, key := r.PathValue("kind"), r.PathValue("key")
	if !validKind(kind) || key == "" {
		c.fail(w, s, http.StatusNotFound, "没有找到 · Not found", "/")
		return district.Case{}, false
	}
	one, err := c.opt.District.Case(kind + ":" + key)
	if err != nil {
		c.failErr(w, s, err, "/cases/"+kind)
		return district.Case{}, false
	}
	return one, true
}

func (c *Console) oneCase(w http.ResponseWriter, r *http.Request, s *session) {
	one, ok := c.caseFromPath(w, r, s)
	if !ok {
		return
	}
	d := c.opt.District
	// The case page shows what the resident wrote and their number.
	if err := c.audit(r, s, "view_case", one.ID(), ""); err != nil {
		c.failErr(w, s, err, "/cases/"+one.Kind)
		return
	}
	now := c.opt.Now()
	rules, err := d.Rules()
	if err != nil {
		c.failErr(w, s, err, "/cases/"+one.Kind)
		return
	}
	deadline, _ := deadlineText(one, rules, now)
	v := caseView{frame: c.savedFrame(r, s, one.Kind, kindNames[one.Kind]+" · "+one.Key), Kind: one.Kind, KindName: kindNames[one.Kind], Key: one.Key,
		What: caseWhat(one), Service: serviceLabel(c.serviceNames(), one.Service), Terminal: one.Terminal,
		Opened: one.Opened.In(district.Local).Format("2006-01-02 15:04"), Deadline: deadline,
		Overdue: one.Overdue(now), Closed: !one.Closed.IsZero(), Assignee: one.Assignee,
		Next: one.Next(), NextName: stepNames[one.Next()], NextHint: stepHints[one.Next()],
		StepAction: "/cases/" + one.Kind + "/step/" + one.Key, AssignAction: "/cases/" + one.Kind + "/assign/" + one.Key}
	v.CanDoNext = v.Next != "" && (v.Next != district.StepClose || v.Supervisor)
	for _, st := range one.Steps {
		v.Steps = append(v.Steps, stepRow{Name: stepNames[st.Step], By: st.By, At: st.At.In(district.Local).Format("2006-01-02 15:04"), Note: st.Note})
	}
	if v.Supervisor {
		staff, err := d.StaffList()
		if err != nil {
			c.failErr(w, s, err, "/cases/"+one.Kind)
			return
		}
		for _, st := range staff {
			if !st.Disabled {
				v.StaffNames = append(v.StaffNames, st.Name)
			}
		}
	}
	if ref, err := district.ParseRecordRef(one.Record); err == nil {
		if rec, err := d.Record(ref); err == nil {
			v.Resident = residentSaid(d, rec)
		}
	}
	if one.Kind == district.CaseRating {
		if app, err := d.ApplicationOf(one.Key); err == nil {
			v.Application = applicationPath(app)
		}
	}
	c.render(w, http.StatusOK, "case.html", v)
}

// residentSaid opens a rating's or complaint's record for what the
// resident wrote and the number they left for a call back.
func residentSaid(d *district.District, rec district.Stored) []field {
	plain, err := d.Open(rec)
	if err != nil {
		return []field{{Label: "记录 · record", Value: "无法打开 · cannot be opened: " + err.Error()}}
	}
	defer clear(plain)
	var said struct {
		Text    string `json:"text"`
		Phone   string `json:"phone"`
		Receipt string `json:"receipt"`
	}
	json.Unmarshal(plain, &said)
	var out []field
	if said.Text != "" {
		out = append(out, field{Label: "居民的话 · the resident wrote", Value: said.Text})
	}
	if said.Phone != "" {
		out = append(out, field{Label: "回访电话 · call-back number", Value: said.Phone})
	} else {
		out = append(out, field{Label: "回访电话 · call-back number", Value: "居民未留电话 · none left"})
	}
	return out
}

func (c *Console) caseStep(w http.ResponseWriter, r *http.Request, s *session) {
	one, ok := c.caseFromPath(w, r, s)
	if !ok {
		return
	}
	back := casePath(one)
	step, note := r.PostForm.Get("step"), r.PostForm.Get("note")
	if strings.TrimSpace(note) == "" {
		c.failErr(w, s, badInput{fmt.Errorf("请填写办理情况 · say what was done")}, back)
		return
	}
	if _, err := c.opt.District.CaseStep(s.staff, clientIP(r), one.ID(), step, note); err != nil {
		if errors.Is(err, district.ErrCaseStep) {
			err = badInput{err}
		}
		c.failErr(w, s, err, back)
		return
	}
	http.Redirect(w, r, back+"?saved="+url.QueryEscape(step), http.StatusSeeOther)
}

func (c *Console) assignCase(w http.ResponseWriter, r *http.Request, s *session) {
	one, ok := c.caseFromPath(w, r, s)
	if !ok {
		return
	}
	if err := c.opt.District.AssignCase(s.staff, clientIP(r), one.ID(), r.PostForm.Get("assignee")); err != nil {
		c.failErr(w, s, err, casePath(one))
		return
	}
	http.Redirect(w, r, casePath(one)+"?saved=assigned", http.StatusSeeOther)
}

// actionNames are the audit trail's actions as admins read them.
var actionNames = map[string]string{
	district.AuditLogin: "登录", district.AuditLoginFailed: "登录失败", district.AuditLoginLocked: "账户锁定",
	district.AuditStaffAdded: "新增人员", district.AuditPasswordSet: "设置密码", district.AuditStaffDisable: "停用人员",
	district.AuditSetStatus: "变更申请状态", district.AuditCaseStep: "办理步骤", district.AuditCaseAssigned: "分配经办人",
	district.AuditAutoRated: "默认好评", district.AuditRulesSet: "设置办理时限", district.AuditCatalogPublished: "发布目录",
	district.AuditAPITokenIssued: "发放接口令牌", district.AuditAPITokenRevoked: "吊销接口令牌",
	district.AuditTOTPEnabled: "启用两步验证", district.AuditTOTPDisabled: "关闭两步验证",
	"view_application": "查看申请", "view_attachment": "查看材料照片", "view_case": "查看差评或投诉",
	district.AuditReleasePromoted: "推送终端版本", district.AuditRingAssigned: "调整更新批次",
	"token_issued": "发放注册令牌", "terminal_revoked": "吊销终端", "api_view_record": "接口读取记录", "api_view_attachment": "接口读取附件",
}

type auditRow struct {
	district.AuditEvent
	What string
}

// auditView is a page of the audit trail.
type auditView struct {
	frame
	Events   []auditRow
	Next     string
	Verified string
	Broken   bool
}

func (c *Console) auditTrail(w http.ResponseWriter, r *http.Request, s *session) {
	if s.staff.Role != district.RoleAdmin {
		c.fail(w, s, http.StatusForbidden, "审计记录仅管理员可查看 · Only admins read the audit trail", "/")
		return
	}
	after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
	d := c.opt.District
	events, err := d.AuditTrail(after, 100)
	if err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	v := auditView{frame: c.frame(s, "audit", "审计记录 · Audit trail")}
	for _, ev := range events {
		what := actionNames[ev.Action]
		if what == "" {
			what = ev.Action
		} else {
			what += " · " + ev.Action
		}
		if ev.Action == district.AuditCaseStep {
			what += "（" + stepNames[ev.Detail] + "）"
		}
		v.Events = append(v.Events, auditRow{AuditEvent: ev, What: what})
	}
	// Checking the chain reads the whole trail: on request, not on every page.
	if r.URL.Query().Get("verify") != "" {
		v.Verified = "审计链校验通过 · the chain holds"
		if err := d.VerifyAuditTrail(); err != nil {
			v.Verified, v.Broken = "审计链被改动 · the trail was changed: "+err.Error(), true
		}
	}
	if len(events) == 100 {
		v.Next = fmt.Sprintf("/audit?after=%d", events[len(events)-1].Seq)
	}
	c.render(w, http.StatusOK, "audit.html", v)
}
