package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/release"
)

// The terminals' releases: the district's signed repository of terminal
// versions and the rings a version goes through (canary, early, all).
// Everyone who sees the fleet sees where each ring stands; admins promote
// a version to a ring and move a terminal to another ring. The district
// writes both to the audit trail. Adding a version to the repository stays
// on the server (districtd release add): it runs GnuPG and aptly as the
// service's user, not in a page's request.

// ringNames are the rings as staff read them.
var ringNames = map[string]string{
	"canary": "试点 · canary",
	"early":  "先行 · early",
	"all":    "全部 · all",
}

// updateResults are an update's outcomes as staff read them.
var updateResults = map[string]string{
	protocol.UpdateInstalled:  "已安装 · installed",
	protocol.UpdateRolledBack: "已回退 · rolled back",
	protocol.UpdateFailed:     "更新失败 · failed",
}

// releasesView is the releases page.
type releasesView struct {
	frame
	fleetTabs
	// Repository is false while the district has no release repository.
	Repository bool
	Versions   []versionRow // newest first
	Rings      []ringRow
	// The promote form's choices: RingChoices in order, the version and
	// ring it starts on.
	RingChoices      []ringChoice
	Version, Ring    string
	Force            bool
	Problem, Promote string // what went wrong; what a promotion did
}

type versionRow struct {
	Version string
	Rings   []string // the rings naming it
}

type ringRow struct {
	Name, Title, Version string
	Terminals, Running   int
	RolledBack           []rolledBack
}

// rolledBack is a terminal whose update to its ring's version was
// rolled back, and why.
type rolledBack struct {
	ID, Reason, At string
}

type ringChoice struct {
	Name, Title string
}

func ringChoices() []ringChoice {
	out := make([]ringChoice, len(district.Rings))
	for i, name := range district.Rings {
		out[i] = ringChoice{Name: name, Title: nameOr(ringNames, name)}
	}
	return out
}

func (c *Console) releases(w http.ResponseWriter, r *http.Request, s *session) {
	v := releasesView{frame: c.savedFrame(r, s, "fleet", "终端版本 · Releases")}
	if err := c.fillReleases(&v); err != nil {
		c.failErr(w, s, err, "/fleet")
		return
	}
	if ring := r.URL.Query().Get("promoted"); v.Saved && slices.Contains(district.Rings, ring) {
		v.Promote = promotedNote(v.Rings, ring)
	}
	c.render(w, http.StatusOK, "releases.html", v)
}

// fillReleases reads the repository and the rings into v, and sets the
// promote form to the newest version and the first ring not naming it.
func (c *Console) fillReleases(v *releasesView) error {
	d := c.opt.District
	v.RingChoices = ringChoices()
	rings, err := d.RingStates()
	if err != nil {
		return err
	}
	terms, err := d.Terminals()
	if err != nil {
		return err
	}
	v.Tab, v.Count = "releases", len(terms)
	now := c.opt.Now()
	byID := map[string]district.Terminal{}
	for _, t := range terms {
		byID[t.ID] = t
		if fleetTerminal(t, now).Needs {
			v.Needing++
		}
	}
	for _, ring := range rings {
		row := ringRow{Name: ring.Name, Title: nameOr(ringNames, ring.Name), Version: ring.Version, Terminals: ring.Terminals, Running: ring.Running}
		for _, id := range ring.RolledBack {
			rb := rolledBack{ID: id}
			if hb := byID[id].LastHeartbeat; hb != nil && hb.Update != nil {
				rb.Reason = hb.Update.Reason
				if !hb.Update.At.IsZero() {
					rb.At = hb.Update.At.In(district.Local).Format("01-02 15:04")
				}
			}
			row.RolledBack = append(row.RolledBack, rb)
		}
		v.Rings = append(v.Rings, row)
	}
	repo, err := d.Releases()
	if errors.Is(err, release.ErrNoRepository) {
		return nil
	} else if err != nil {
		return err
	}
	v.Repository = true
	versions, err := repo.Versions()
	if err != nil {
		return err
	}
	slices.SortFunc(versions, func(a, b string) int { return release.CompareVersions(b, a) })
	for _, version := range versions {
		row := versionRow{Version: version}
		for _, ring := range v.Rings {
			if ring.Version == version {
				row.Rings = append(row.Rings, ring.Title)
			}
		}
		v.Versions = append(v.Versions, row)
	}
	if len(versions) > 0 {
		v.Version, v.Ring = versions[0], district.Rings[0]
		for _, ring := range v.Rings {
			if ring.Version != versions[0] {
				v.Ring = ring.Name
				break
			}
		}
	}
	return nil
}

// promotedNote says what a promotion to ring did, and what comes next.
func promotedNote(rings []ringRow, ring string) string {
	i := slices.IndexFunc(rings, func(r ringRow) bool { return r.Name == ring })
	if i < 0 || rings[i].Version == "" {
		return ""
	}
	r := rings[i]
	var note string
	if r.Terminals == 0 {
		note = fmt.Sprintf("「%s」批次现为版本 %s；该批次尚无终端 · Ring %s now names version %s; it holds no terminal yet.", r.Title, r.Version, r.Name, r.Version)
	} else {
		note = fmt.Sprintf("「%s」批次现为版本 %s：其 %d 台终端将在下一个维护时段安装 · Ring %s now names version %s: its %d terminal(s) install it in their next maintenance window.",
			r.Title, r.Version, r.Terminals, r.Name, r.Version, r.Terminals)
	}
	if i+1 < len(rings) {
		next := rings[i+1]
		note += fmt.Sprintf(" 待这些终端运行正常后，再推送到「%s」· Once they run it, promote it to %s.", next.Title, next.Name)
	}
	return note
}

// promote makes a version the one a ring's terminals install; an admin's
// work. A ring before it that does not name the version yet is said, by
// name, on the page the admin came from.
func (c *Console) promote(w http.ResponseWriter, r *http.Request, s *session) {
	if s.staff.Role != district.RoleAdmin {
		c.fail(w, s, http.StatusForbidden, "推送版本须由管理员操作 · Only admins promote releases", "/fleet/releases")
		return
	}
	version, ring, force := strings.TrimSpace(r.PostForm.Get("version")), r.PostForm.Get("ring"), r.PostForm.Get("force") != ""
	again := func(status int, problem string) {
		v := releasesView{frame: c.frame(s, "fleet", "终端版本 · Releases")}
		if err := c.fillReleases(&v); err != nil {
			c.failErr(w, s, err, "/fleet")
			return
		}
		v.Problem, v.Force = problem, force
		if slices.Contains(district.Rings, ring) {
			v.Ring = ring
		}
		if slices.ContainsFunc(v.Versions, func(row versionRow) bool { return row.Version == version }) {
			v.Version = version
		}
		c.render(w, status, "releases.html", v)
	}
	if !slices.Contains(district.Rings, ring) {
		again(http.StatusBadRequest, fmt.Sprintf("没有这个批次 · There is no ring %q (the rings: %s)", ring, strings.Join(district.Rings, ", ")))
		return
	}
	if version == "" {
		again(http.StatusBadRequest, "请选择版本 · Choose a version")
		return
	}
	if repo, err := c.opt.District.Releases(); err == nil {
		if ok, err := repo.Has(version); err != nil {
			c.failErr(w, s, err, "/fleet/releases")
			return
		} else if !ok {
			again(http.StatusBadRequest, fmt.Sprintf("发布仓库中没有版本 %q · Version %q is not in the release repository (districtd release add FILE.deb)", version, version))
			return
		}
	}
	err := c.opt.District.Promote(s.staff.Name, clientIP(r), ring, version, force)
	switch {
	case err == nil:
		c.opt.Log.Info("release promoted from the console", "version", version, "ring", ring, "force", force, "staff", s.staff.Name)
		http.Redirect(w, r, "/fleet/releases?saved=1&promoted="+ring, http.StatusSeeOther)
	case errors.Is(err, district.ErrRingOrder):
		again(http.StatusConflict, c.ringOrderProblem(ring, version, err))
	case errors.Is(err, release.ErrNoRepository):
		again(http.StatusConflict, "尚无发布仓库，请先在区服务器上运行 districtd release init · No release repository yet: districtd release init makes one")
	default:
		c.failErr(w, s, err, "/fleet/releases")
	}
}

// ringOrderProblem names the first ring before ring that does not name
// version: it must get the version first.
func (c *Console) ringOrderProblem(ring, version string, err error) string {
	rings, rerr := c.opt.District.RingStates()
	if rerr == nil {
		for _, before := range rings {
			if before.Name == ring {
				break
			}
			if before.Version == version {
				continue
			}
			zh, en := "尚未指定版本", "names no version yet"
			if before.Version != "" {
				zh, en = "现为 "+before.Version, "names "+before.Version+" now"
			}
			return fmt.Sprintf("版本 %s 须先推送到「%s」批次（该批次%s），再推送到「%s」。新版本依次经过 试点 → 先行 → 全部；确需跳过，请勾选“强制”。"+
				" · Version %s must go to ring %s first (it %s), then to %s. To skip the order, tick “force”.",
				version, nameOr(ringNames, before.Name), zh, nameOr(ringNames, ring), version, before.Name, en, ring)
		}
	}
	// The rings moved meanwhile: the district's own words.
	return "版本须依次推送到各批次 · " + err.Error()
}

// assignRing moves a terminal to another ring; an admin's work.
func (c *Console) assignRing(w http.ResponseWriter, r *http.Request, s *session) {
	id, ring := r.PathValue("terminal"), r.PostForm.Get("ring")
	if s.staff.Role != district.RoleAdmin {
		c.fail(w, s, http.StatusForbidden, "调整更新批次须由管理员操作 · Only admins move terminals between rings", "/fleet")
		return
	}
	if !slices.Contains(district.Rings, ring) {
		c.failErr(w, s, badInput{fmt.Errorf("没有这个批次 · There is no ring %q (the rings: %s)", ring, strings.Join(district.Rings, ", "))}, "/fleet")
		return
	}
	if !protocol.ValidTerminalID(id) {
		c.failErr(w, s, district.ErrNoTerminal, "/fleet")
		return
	}
	if err := c.opt.District.AssignRing(s.staff.Name, clientIP(r), id, ring); err != nil {
		c.failErr(w, s, err, "/fleet")
		return
	}
	http.Redirect(w, r, "/fleet?saved=1", http.StatusSeeOther)
}

// updateLine is a terminal's last update in a few words: "1.3.2 → 1.4.0
// 已回退 · rolled back · 12-07 02:14".
func updateLine(u *protocol.UpdateReport) string {
	s := u.Version
	if u.From != "" && u.From != u.Version {
		s = u.From + " → " + u.Version
	}
	s += " " + nameOr(updateResults, u.Result)
	if !u.At.IsZero() {
		s += " · " + u.At.In(district.Local).Format("01-02 15:04")
	}
	return s
}
