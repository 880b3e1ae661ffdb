package console

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// The 好差评 dashboard. Its charts are SVG drawn here on the server: a
// page with no script keeps the console's CSP at 'self' with nothing
// inline to allow, works in any office browser the district has, needs no
// library to pin, audit and update, and its numbers are in the HTML a
// test reads. A chart library (ECharts and the like) would bring
// interactivity the figures here do not need.

// levelNames are the five levels as residents chose them.
var levelNames = [6]string{"", "非常不满意", "不满意", "基本满意", "满意", "非常满意"}

// ratingsView is the dashboard page.
type ratingsView struct {
	frame
	Query     ratingsForm
	Services  []serviceName
	Sites     []string
	Total     int
	Period    string
	Figures   []figure
	Levels    barChart
	Months    barChart
	ByService []tallyRow
	BySite    []tallyRow
	ByTerm    []tallyRow
}

type ratingsForm struct{ From, To, Service, Site, Terminal string }

// figure is one headline number.
type figure struct {
	Name, Value, Note string
	Warn              bool
}

type tallyRow struct {
	Name   string
	Total  int
	Levels [5]int // 非常满意 first
	Bad    int
	Rate   string
}

// barChart is an SVG bar chart, laid out here: the template only draws.
type barChart struct {
	Title         string
	Width, Height int
	Bars          []bar
	Empty         bool
}

type bar struct {
	X, Y, W, H     int
	Class          string // bar-good, bar-basic, bar-bad
	Label, Value   string
	LabelX, LabelY int
	ValueY         int
	Stack          []bar // parts drawn over it (a month's bad ratings)
}

func pct(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

func (c *Console) ratings(w http.ResponseWriter, r *http.Request, s *session) {
	q := r.URL.Query()
	form := ratingsForm{From: q.Get("from"), To: q.Get("to"), Service: q.Get("service"), Site: q.Get("site"), Terminal: q.Get("terminal")}
	from, err := dateInput(form.From, false)
	if err != nil {
		c.failErr(w, s, err, "/ratings")
		return
	}
	to, err := dateInput(form.To, true)
	if err != nil {
		c.failErr(w, s, err, "/ratings")
		return
	}
	d := c.opt.District
	dash, err := d.RatingDashboard(district.RatingQuery{From: from, To: to, Service: form.Service, Site: form.Site, Terminal: form.Terminal})
	if err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	names := c.serviceNames()
	v := ratingsView{frame: c.frame(s, "ratings", "好差评 · Ratings"), Query: form, Services: sortedServices(names), Total: dash.All.Total()}
	f := dash.Cases
	open := f.Total - f.Closed - f.Overdue
	onTime := figure{Name: "按期办结率 · on time", Value: pct(f.Timeliness()), Note: fmt.Sprintf("按期办结 %d 件 / 到期 %d 件 · on time / due", f.OnTime, f.Closed+f.Overdue), Warn: f.OnTime < f.Closed+f.Overdue}
	if f.Closed+f.Overdue == 0 {
		onTime.Value, onTime.Note = "—", "暂无到期差评 · none due yet"
	}
	v.Figures = []figure{
		{Name: "评价 · ratings", Value: fmt.Sprint(dash.All.Total()), Note: fmt.Sprintf("其中逾期未评价、默认计为基本满意 %d 件 · %d counted 基本满意 by default", dash.All.Auto, dash.All.Auto)},
		{Name: "满意率 · satisfied", Value: pct(dash.All.Satisfaction()), Note: "非差评所占比例 · share not rated bad"},
		{Name: "差评 · bad ratings", Value: fmt.Sprint(dash.All.Bad()), Warn: dash.All.Bad() > 0},
		{Name: "差评整改率（目标 100%）· rectified (target 100%)", Value: pct(f.Rectification()), Note: fmt.Sprintf("已整改办结 %d 件 / 差评 %d 件，其中 %d 件在期限内办理中 · closed / all, %d within their deadline", f.Closed, f.Total, open, open), Warn: f.Closed < f.Total},
		onTime,
		{Name: "超期未办结 · overdue", Value: fmt.Sprint(f.Overdue), Warn: f.Overdue > 0},
	}
	v.Period = "统计期间：全部 · all time"
	if form.From != "" || form.To != "" {
		v.Period = "统计期间：" + orDash(form.From, "最早") + " 至 " + orDash(form.To, "今天") + " · period"
	}
	v.Levels = levelChart(dash.All)
	v.Months = monthChart(dash.ByMonth)
	v.ByService = tallyRows(dash.ByService, func(code string) string { return serviceLabel(names, code) })
	v.BySite = tallyRows(dash.BySite, func(site string) string { return site })
	v.ByTerm = tallyRows(dash.ByTerminal, func(t string) string { return t })
	for site := range dash.BySite {
		v.Sites = append(v.Sites, site)
	}
	if form.Site != "" && !slices.Contains(v.Sites, form.Site) {
		v.Sites = append(v.Sites, form.Site)
	}
	slices.Sort(v.Sites)
	c.render(w, http.StatusOK, "ratings.html", v)
}

func levelClass(level int) string {
	switch {
	case level <= district.LevelDissatisfied:
		return "bar-bad"
	case level == district.LevelBasic:
		return "bar-basic"
	}
	return "bar-good"
}

// levelChart is a bar per level, 非常满意 first.
func levelChart(t district.Tally) barChart {
	const width, height, top, bottom, left = 520, 240, 24, 40, 16
	ch := barChart{Title: "各等级评价数 · ratings by level", Width: width, Height: height, Empty: t.Total() == 0}
	most := slices.Max(t.Levels[1:])
	slot := (width - 2*left) / 5
	for i, level := range []int{5, 4, 3, 2, 1} {
		n := t.Levels[level]
		h := 0
		if most > 0 {
			h = n * (height - top - bottom) / most
		}
		x := left + i*slot
		ch.Bars = append(ch.Bars, bar{X: x + slot/6, Y: height - bottom - h, W: slot * 2 / 3, H: h, Class: levelClass(level),
			Label: levelNames[level], Value: fmt.Sprint(n), LabelX: x + slot/2, LabelY: height - bottom + 18, ValueY: height - bottom - h - 6})
	}
	return ch
}

// monthChart is a bar per month with its bad ratings drawn over it, the
// last 12 months the query holds.
func monthChart(months map[string]*district.Tally) barChart {
	const width, height, top, bottom, left = 600, 240, 24, 40, 16
	keys := make([]string, 0, len(months))
	for k := range months {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) > 12 {
		keys = keys[len(keys)-12:]
	}
	ch := barChart{Title: "每月评价数（红色为差评）· ratings a month, bad in red", Width: width, Height: height, Empty: len(keys) == 0}
	most := 0
	for _, k := range keys {
		most = max(most, months[k].Total())
	}
	if len(keys) == 0 {
		return ch
	}
	slot := (width - 2*left) / max(len(keys), 6)
	for i, k := range keys {
		t := months[k]
		h, hb := 0, 0
		if most > 0 {
			h = t.Total() * (height - top - bottom) / most
			hb = t.Bad() * (height - top - bottom) / most
		}
		x := left + i*slot
		b := bar{X: x + slot/6, Y: height - bottom - h, W: slot * 2 / 3, H: h, Class: "bar-good", Label: monthLabel(k),
			Value: fmt.Sprintf("%d（差评%d）", t.Total(), t.Bad()), LabelX: x + slot/2, LabelY: height - bottom + 18, ValueY: height - bottom - h - 6}
		if hb > 0 || t.Bad() > 0 {
			b.Stack = []bar{{X: b.X, Y: height - bottom - max(hb, 1), W: b.W, H: max(hb, 1), Class: "bar-bad"}}
		}
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}

// monthLabel writes "2026-12" as 26年12月.
func monthLabel(k string) string {
	if len(k) != 7 {
		return k
	}
	return k[2:4] + "年" + strings.TrimPrefix(k[5:], "0") + "月"
}

// tallyRows is a table of tallies, the most rated first.
func tallyRows(m map[string]*district.Tally, name func(string) string) []tallyRow {
	rows := make([]tallyRow, 0, len(m))
	for k, t := range m {
		row := tallyRow{Name: name(k), Total: t.Total(), Bad: t.Bad(), Rate: pct(t.Satisfaction())}
		if k == "" {
			row.Name = "—"
		}
		for i, level := range []int{5, 4, 3, 2, 1} {
			row.Levels[i] = t.Levels[level]
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b tallyRow) int {
		if a.Total != b.Total {
			return b.Total - a.Total
		}
		return strings.Compare(a.Name, b.Name)
	})
	return rows[:min(len(rows), 50)]
}

// dueSoon is how many working days left make a case urgent.
const dueSoon = 2

// deadlineText says when a case is due, in working days left, and how
// late it is; soon says it is due within dueSoon working days.
func deadlineText(c district.Case, rules district.Rules, now time.Time) (text string, soon bool) {
	due := c.Deadline.In(district.Local).Format("2006-01-02")
	left := rules.WorkingDaysLeft(now, c.Deadline)
	switch {
	case !c.Closed.IsZero() && c.OnTime():
		return due + "（按期办结 · on time）", false
	case !c.Closed.IsZero():
		return due + "（超期办结 · closed late）", false
	case c.Overdue(now):
		return fmt.Sprintf("%s（已超期 %d 个工作日 · %d working days late）", due, max(-left, 1), max(-left, 1)), false
	case left == 0:
		return due + "（今天到期 · due today）", true
	}
	return fmt.Sprintf("%s（剩 %d 个工作日 · %d working days left）", due, left, left), left <= dueSoon
}
