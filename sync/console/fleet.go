package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// The fleet: every terminal as its heartbeats describe it, and who must
// act where something is wrong — before residents find out.

// What counts as needing someone.
const (
	certWarnAhead = 60 * 24 * time.Hour // a certificate this close to its end
	queueTooOld   = 24 * time.Hour      // a record waiting this long to reach the district
)

var actorNames = map[string]string{
	"device":     "设备自行恢复 · recovers by itself",
	"resident":   "居民 · the resident",
	"staff":      "大厅工作人员 · hall staff",
	"technician": "技术人员 · a technician",
}

// deviceStates are the device layer's states (devices.State) as staff read them.
var deviceStates = map[string]string{
	"online": "正常 · online", "busy": "使用中 · busy", "offline": "离线 · offline", "noDevice": "未连接 · not connected",
	"hardwareError": "故障 · hardware error", "userError": "需处理 · needs someone",
}

var deviceNames = map[string]string{
	"idcard": "身份证阅读器 · card reader", "printer": "凭条打印机 · receipt printer",
	"facecam": "人脸摄像头 · face camera", "doccam": "高拍仪 · document camera",
}

// fleetView is the fleet page.
type fleetView struct {
	frame
	fleetTabs
	Attention   bool // only the terminals that need someone
	Rows        []fleetRow
	Sites       []string
	RingChoices []ringChoice // an admin's ring form's
}

// fleetTabs are the fleet's tabs: all terminals, those needing someone,
// the releases. Tab is the one shown.
type fleetTabs struct {
	Tab            string // "all", "attention", "releases"
	Count, Needing int
}

type fleetRow struct {
	ID, Site, LastSeen, Link, Queue, Disk, Certificate string
	// Software is the version the terminal runs: its updater's word when
	// it has reported, else the kiosk's.
	Software string
	// RingName is the terminal's ring, Ring as staff read it.
	RingName, Ring string
	// Update is the last update's outcome in a few words, UpdateReason
	// why (in full, and Short clipped for its line); UpdateBad is set
	// when it did not install.
	Update, UpdateReason, UpdateReasonShort string
	UpdateBad                               bool
	Devices                                 []deviceCell
	Problems                                []string // who must act and why
	Quiet, Revoked, Needs                   bool
}

type deviceCell struct {
	Name, State, Who, Reason string
	OK                       bool
}

func (c *Console) fleet(w http.ResponseWriter, r *http.Request, s *session) {
	terms, err := c.opt.District.Terminals()
	if err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	now := c.opt.Now()
	v := fleetView{frame: c.savedFrame(r, s, "fleet", "终端 · Fleet"), Attention: r.URL.Query().Get("attention") != "", RingChoices: ringChoices()}
	v.Tab, v.Count = "all", len(terms)
	if v.Attention {
		v.Tab = "attention"
	}
	sites := map[string]bool{}
	for _, t := range terms {
		row := fleetTerminal(t, now)
		sites[t.Site] = true
		if row.Needs {
			v.Needing++
		}
		if v.Attention && !row.Needs {
			continue
		}
		v.Rows = append(v.Rows, row)
	}
	for site := range sites {
		v.Sites = append(v.Sites, site)
	}
	slices.Sort(v.Sites)
	// Those that need someone first.
	slices.SortStableFunc(v.Rows, func(a, b fleetRow) int {
		switch {
		case a.Needs == b.Needs:
			return 0
		case a.Needs:
			return -1
		}
		return 1
	})
	c.render(w, http.StatusOK, "fleet.html", v)
}

// fleetTerminal is one terminal's row, with what needs someone.
func fleetTerminal(t district.Terminal, now time.Time) fleetRow {
	row := fleetRow{ID: t.ID, Site: t.Site, Quiet: t.Quiet, Revoked: t.Revoked, Software: "—", LastSeen: "从未 · never", Queue: "—", Disk: "—",
		RingName: t.Ring}
	if row.RingName == "" {
		row.RingName = district.DefaultRing
	}
	row.Ring = nameOr(ringNames, row.RingName)
	if !t.LastSeen.IsZero() {
		row.LastSeen = t.LastSeen.In(district.Local).Format("01-02 15:04") + " · " + ago(now.Sub(t.LastSeen))
	}
	switch {
	case t.Revoked:
		row.Link = "已吊销 · revoked"
	case t.Quiet:
		row.Link = "失联 · not heard from"
		row.Problems = append(row.Problems, "终端失联：检查电源和网络 · not heard from: check power and network (技术人员 · a technician)")
	default:
		row.Link = "在线 · online"
	}
	expires := t.CertificateExpires()
	row.Certificate = expires.In(district.Local).Format("2006-01-02")
	if !t.Revoked && expires.Sub(now) < certWarnAhead {
		row.Problems = append(row.Problems, "证书即将到期，须重新注册 · the certificate ends soon: enroll it again (技术人员 · a technician)")
	}
	if hb := t.LastHeartbeat; hb != nil && !t.Revoked {
		row.Software = hb.Software
		if u := hb.Update; u != nil {
			if u.Running != "" {
				row.Software = u.Running
			}
			row.Update, row.UpdateReason, row.UpdateBad = updateLine(u), u.Reason, u.Result != protocol.UpdateInstalled
			row.UpdateReasonShort = clip(u.Reason, 100)
			if u.Result == protocol.UpdateFailed {
				row.Problems = append(row.Problems, "更新到 "+u.Version+" 失败 · the update to "+u.Version+" failed: "+orDash(u.Reason, "—")+" (技术人员 · a technician)")
			}
		}
		if row.Software == "" {
			row.Software = "—"
		}
		row.Queue = fmt.Sprintf("%d", hb.Queue.Depth)
		if hb.Queue.Depth > 0 {
			row.Queue += " · 最早 " + ago(time.Duration(hb.Queue.OldestSeconds)*time.Second) + " · oldest"
		}
		if time.Duration(hb.Queue.OldestSeconds)*time.Second > queueTooOld {
			row.Problems = append(row.Problems, "记录滞留超过一天未送达 · records have waited over a day to reach the district (技术人员 · a technician)")
		}
		if hb.Queue.DiskBudget > 0 {
			row.Disk = fmt.Sprintf("%d%%", 100*hb.Queue.DiskUsed/hb.Queue.DiskBudget)
		}
		if hb.Queue.DiskNear {
			row.Problems = append(row.Problems, "本地存储将满 · the terminal's store is nearly full (技术人员 · a technician)")
		}
		if hb.StoreRecovered != "" {
			row.Problems = append(row.Problems, "终端曾重建损坏的存储 · the terminal rebuilt a damaged store: "+hb.StoreRecovered+" (技术人员 · a technician)")
		}
		if hb.StaffCalls > 0 {
			row.Problems = append(row.Problems, fmt.Sprintf("%d 位居民呼叫帮办 · residents called for help (大厅工作人员 · hall staff)", hb.StaffCalls))
		}
		kinds := make([]string, 0, len(hb.Devices))
		for k := range hb.Devices {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		for _, k := range kinds {
			cell := deviceCell{Name: nameOr(deviceNames, k), State: nameOr(deviceStates, hb.Devices[k]), OK: hb.Devices[k] == "online" || hb.Devices[k] == "busy"}
			if a, ok := hb.Attention[k]; ok {
				cell.Who, cell.Reason = nameOr(actorNames, a.Actor), a.Reason
				if a.Actor == "staff" || a.Actor == "technician" {
					row.Problems = append(row.Problems, fmt.Sprintf("%s：%s · %s (%s)", cell.Name, cell.State, a.Reason, cell.Who))
				}
			} else if !cell.OK {
				row.Problems = append(row.Problems, fmt.Sprintf("%s：%s", cell.Name, cell.State))
			}
			row.Devices = append(row.Devices, cell)
		}
	}
	row.Needs = len(row.Problems) > 0
	return row
}

// clip keeps the first n characters of s, marking what it left off.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func nameOr(names map[string]string, k string) string {
	if n := names[k]; n != "" {
		return n
	}
	return k
}

// ago says how long ago, roughly, in Chinese and English.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "刚刚 · just now"
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟前 · %d min ago", int(d.Minutes()), int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d 小时前 · %d h ago", int(d.Hours()), int(d.Hours()))
	}
	return fmt.Sprintf("%d 天前 · %d days ago", int(d.Hours()/24), int(d.Hours()/24))
}

// tokenView shows a new enrollment token, once.
type tokenView struct {
	frame
	Token, Site, Terminal, Expires string
}

// newToken issues an enrollment token for a site (and, for a terminal
// being replaced, its id); an admin's work. The token is shown on this
// page only: the district keeps its hash.
func (c *Console) newToken(w http.ResponseWriter, r *http.Request, s *session) {
	if s.staff.Role != district.RoleAdmin {
		c.fail(w, s, http.StatusForbidden, "注册终端须由管理员操作 · Only admins enroll terminals", "/fleet")
		return
	}
	site, terminal := strings.TrimSpace(r.PostForm.Get("site")), strings.TrimSpace(r.PostForm.Get("terminal"))
	hours := 24
	fmt.Sscan(r.PostForm.Get("hours"), &hours)
	switch {
	case site == "" || len(site) > 64:
		c.failErr(w, s, badInput{errors.New("请填写网点名称 · name the site (up to 64 bytes)")}, "/fleet")
		return
	case terminal != "" && !protocol.ValidTerminalID(terminal):
		c.failErr(w, s, badInput{fmt.Errorf("终端编号格式不对 · %q is not a terminal id", terminal)}, "/fleet")
		return
	case hours < 1 || hours > 24*14:
		c.failErr(w, s, badInput{errors.New("有效期为 1 小时到 14 天 · a token lasts 1 hour to 14 days")}, "/fleet")
		return
	}
	ttl := time.Duration(hours) * time.Hour
	var token string
	var err error
	if terminal == "" {
		token, err = c.opt.District.NewToken(site, ttl)
	} else {
		token, err = c.opt.District.NewTokenFor(site, terminal, ttl)
	}
	if err == nil {
		err = c.audit(r, s, "token_issued", terminal, site)
	}
	if err != nil {
		c.failErr(w, s, err, "/fleet")
		return
	}
	c.render(w, http.StatusOK, "token.html", tokenView{frame: c.frame(s, "fleet", "注册令牌 · Enrollment token"), Token: token, Site: site, Terminal: terminal,
		Expires: c.opt.Now().Add(ttl).In(district.Local).Format("2006-01-02 15:04")})
}

// revoke refuses a terminal from now on; an admin's work.
func (c *Console) revoke(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("terminal")
	if s.staff.Role != district.RoleAdmin {
		c.fail(w, s, http.StatusForbidden, "吊销终端须由管理员操作 · Only admins revoke terminals", "/fleet")
		return
	}
	if !protocol.ValidTerminalID(id) || r.PostForm.Get("confirm") != id {
		c.failErr(w, s, badInput{errors.New("请输入终端编号以确认吊销 · type the terminal's id to confirm")}, "/fleet")
		return
	}
	err := c.opt.District.Revoke(id)
	if err == nil {
		err = c.audit(r, s, "terminal_revoked", id, "")
	}
	if err != nil {
		c.failErr(w, s, err, "/fleet")
		return
	}
	http.Redirect(w, r, "/fleet?saved=1", http.StatusSeeOther)
}
