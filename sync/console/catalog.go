package console

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// The catalog and the district's rules, for admins. A new catalog is
// uploaded, read by the same parser the terminals use (what they would
// refuse is refused here, with why), shown as a difference from the one
// published, and only then signed and published — over the version it was
// compared with, never over one published meanwhile.

// maxCatalog bounds an uploaded catalog: the sample is ~100 KiB.
const maxCatalog = 4 << 20

// settingsView is the catalog and rules page.
type settingsView struct {
	frame
	Version  uint64
	Services []serviceRow
	Config   []field
	Rules    district.Rules
	Holidays string
	Workdays string
}

type serviceRow struct {
	Code, Name, Category, Committed string
	Fields, Materials               int
}

func (c *Console) adminOnly(w http.ResponseWriter, s *session) bool {
	if s.staff.Role == district.RoleAdmin {
		return true
	}
	c.fail(w, s, http.StatusForbidden, "目录和规则由管理员维护 · Only admins keep the catalog and the rules", "/")
	return false
}

func (c *Console) settings(w http.ResponseWriter, r *http.Request, s *session) {
	if !c.adminOnly(w, s) {
		return
	}
	d := c.opt.District
	v := settingsView{frame: c.savedFrame(r, s, "settings", "目录与规则 · Catalog and rules")}
	if pub, ok, err := d.Catalog(); err != nil {
		c.failErr(w, s, err, "/")
		return
	} else if ok {
		v.Version = pub.Version
	}
	if cat := c.catalog(); cat != nil {
		for _, svc := range cat.Services {
			committed := "即办 · at once"
			if !svc.Immediate {
				committed = fmt.Sprintf("%d 个工作日 · working days", svc.CommittedDays)
			}
			v.Services = append(v.Services, serviceRow{Code: svc.Code, Name: svc.Name.In("zh"), Category: svc.Category, Committed: committed,
				Fields: len(svc.Form.Fields), Materials: len(svc.Materials)})
		}
	}
	cfg, ok, err := d.Config()
	if err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	if ok {
		v.Config = []field{
			{"版本 · version", strconv.FormatUint(cfg.Version, 10)},
			{"服务时间 · service hours", orDash(cfg.ServiceHours, "全天 · all day")},
			{"空闲返回（秒）· idle seconds", orDash(itoa(cfg.IdleSeconds), "终端默认 · the terminal's own")},
			{"长者模式空闲（秒）· elderly idle seconds", orDash(itoa(cfg.ElderlyIdleSeconds), "终端默认 · the terminal's own")},
			{"服务热线 · hotline", orDash(cfg.Hotline, "12345")},
			{"公告 · announcements", strconv.Itoa(len(cfg.Announcements))},
		}
	}
	if v.Rules, err = d.Rules(); err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	v.Holidays = strings.Join(v.Rules.Holidays, "\n")
	v.Workdays = strings.Join(v.Rules.Workdays, "\n")
	c.render(w, http.StatusOK, "settings.html", v)
}

func orDash(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// diffView is an uploaded catalog compared with the published one.
type diffView struct {
	frame
	Base, Sum  string
	Added      []serviceRow
	Removed    []serviceRow
	Changed    []changedService
	Unchanged  int
	NoChange   bool
	Categories string
}

type changedService struct {
	Code, Name string
	Fields     []string // which of the service's fields differ
}

// uploadCatalog reads an uploaded catalog, checks it and shows what it
// changes; the upload waits in the session for the admin to publish it.
func (c *Console) uploadCatalog(w http.ResponseWriter, r *http.Request, s *session) {
	if !c.adminOnly(w, s) {
		return
	}
	base := r.PostForm.Get("base")
	f, _, err := r.FormFile("catalog")
	if err != nil {
		c.failErr(w, s, badInput{errors.New("请选择目录文件 · choose the catalog file")}, "/settings")
		return
	}
	body, err := io.ReadAll(io.LimitReader(f, maxCatalog+1))
	f.Close()
	if err == nil && len(body) > maxCatalog {
		err = fmt.Errorf("目录文件超过 %d MiB · the file is over %d MiB", maxCatalog>>20, maxCatalog>>20)
	}
	var next *catalog.Catalog
	if err == nil {
		if next, err = catalog.Parse(body); err != nil {
			err = fmt.Errorf("目录有误，终端不会接受 · terminals would refuse it: %w", err)
		}
	}
	if err != nil {
		c.failErr(w, s, badInput{err}, "/settings")
		return
	}
	sum := sha256.Sum256(body)
	v := diffView{frame: c.frame(s, "settings", "目录变更 · Catalog changes"), Base: base, Sum: hex.EncodeToString(sum[:])}
	var old []catalog.Service
	if cur := c.catalog(); cur != nil {
		old = cur.Services
	}
	v.Added, v.Removed, v.Changed, v.Unchanged = diffServices(old, next.Services)
	v.NoChange = len(v.Added)+len(v.Removed)+len(v.Changed) == 0
	if err := c.keep(r, func(s *district.ConsoleSession) { s.Upload = body }); err != nil {
		c.failErr(w, s, err, "/settings")
		return
	}
	c.render(w, http.StatusOK, "catalog_diff.html", v)
}

// publishCatalog signs and publishes the catalog the session uploaded, if
// it is the one the admin saw (its hash) over the version they saw.
func (c *Console) publishCatalog(w http.ResponseWriter, r *http.Request, s *session) {
	if !c.adminOnly(w, s) {
		return
	}
	base, err := strconv.ParseUint(r.PostForm.Get("base"), 10, 64)
	body := s.Upload
	sum := sha256.Sum256(body)
	if err != nil || body == nil || hex.EncodeToString(sum[:]) != r.PostForm.Get("sum") {
		c.failErr(w, s, badInput{errors.New("没有待发布的目录，请重新上传 · no uploaded catalog waits: upload it again")}, "/settings")
		return
	}
	version, err := c.opt.District.PublishCatalogOver(s.staff.Name, clientIP(r), base, body)
	if errors.Is(err, district.ErrCatalogMoved) {
		err = badInput{fmt.Errorf("其间已有人发布了新目录，请重新上传比对 · someone published another catalog meanwhile: upload again to compare: %w", err)}
	}
	if err != nil {
		c.failErr(w, s, err, "/settings")
		return
	}
	// Published; the upload is only forgotten.
	if err := c.keep(r, func(s *district.ConsoleSession) { s.Upload = nil }); err != nil {
		c.opt.Log.Warn("console: forgetting a published catalog's upload", "staff", s.staff.Name, "err", err)
	}
	c.opt.Log.Info("catalog published from the console", "version", version, "staff", s.staff.Name)
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}

// diffServices compares two catalogs' services by code.
func diffServices(old, next []catalog.Service) (added, removed []serviceRow, changed []changedService, unchanged int) {
	row := func(svc catalog.Service) serviceRow {
		return serviceRow{Code: svc.Code, Name: svc.Name.In("zh"), Category: svc.Category}
	}
	before := map[string]catalog.Service{}
	for _, svc := range old {
		before[svc.Code] = svc
	}
	seen := map[string]bool{}
	for _, svc := range next {
		seen[svc.Code] = true
		was, ok := before[svc.Code]
		if !ok {
			added = append(added, row(svc))
			continue
		}
		if fields := changedFields(was, svc); len(fields) > 0 {
			changed = append(changed, changedService{Code: svc.Code, Name: svc.Name.In("zh"), Fields: fields})
		} else {
			unchanged++
		}
	}
	for _, svc := range old {
		if !seen[svc.Code] {
			removed = append(removed, row(svc))
		}
	}
	return added, removed, changed, unchanged
}

// changedFields names the catalog fields ("name", "materials", …) whose
// value differs between two versions of a service.
func changedFields(a, b catalog.Service) []string {
	am, bm := asMap(a), asMap(b)
	var out []string
	for k, av := range am {
		if !bytes.Equal(av, bm[k]) {
			out = append(out, k)
		}
	}
	for k := range bm {
		if _, ok := am[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func asMap(svc catalog.Service) map[string]json.RawMessage {
	data, _ := json.Marshal(svc)
	var m map[string]json.RawMessage
	json.Unmarshal(data, &m)
	return m
}

// setRules saves the district's deadlines and holidays.
func (c *Console) setRules(w http.ResponseWriter, r *http.Request, s *session) {
	if !c.adminOnly(w, s) {
		return
	}
	var rules district.Rules
	var bad []string
	for name, dst := range map[string]*int{"bad_rating_days": &rules.BadRatingDays, "complaint_days": &rules.ComplaintDays, "auto_rating_days": &rules.AutoRatingDays} {
		n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get(name)))
		if err != nil {
			bad = append(bad, name)
		}
		*dst = n
	}
	dates := func(field string) []string {
		return strings.FieldsFunc(r.PostForm.Get(field), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' })
	}
	rules.Holidays, rules.Workdays = dates("holidays"), dates("workdays")
	err := error(nil)
	if len(bad) > 0 {
		err = badInput{fmt.Errorf("请填写天数 · write a number of days: %s", strings.Join(bad, ", "))}
	} else if err = c.opt.District.SetRules(s.staff.Name, rules); err != nil {
		err = badInput{err}
	}
	if err != nil {
		c.failErr(w, s, err, "/settings")
		return
	}
	http.Redirect(w, r, "/settings?saved=1", http.StatusSeeOther)
}
