// Package console is the district's staff console: server-rendered pages,
// in Chinese with English, that staff work what the terminals send in,
// served by districtd on a listener of its own. This part is its door:
// login with a staff account (district.StaffLogin, which locks an account
// after repeated failures and records every attempt), a session in a
// cookie, a CSRF token on every form, logout.
//
// Sessions live in this process: a restart logs everyone out. Cookies are
// HttpOnly, SameSite=Strict and Secure — browsers send a Secure cookie over
// HTTPS, and over plain HTTP to localhost only, so the console is reached
// through a TLS proxy or on the district's own machine.
package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// Options configure a Console. District is required.
type Options struct {
	District *district.District
	Log      *slog.Logger
	Now      func() time.Time
	// IdleTimeout ends a session nobody used for it (30 min); MaxAge ends
	// any session that old (8 h, a working day).
	IdleTimeout, MaxAge time.Duration
	// HeaderTimeout is how long a connection may take to send a request's
	// headers (10 s), BodyTimeout the whole request (30 s): a client that
	// trickles is cut then.
	HeaderTimeout, BodyTimeout time.Duration
}

// Console serves the staff console. It is safe for concurrent use.
type Console struct {
	opt Options
	mux *http.ServeMux

	catMu      sync.Mutex
	cat        *catalog.Catalog // the published catalog, parsed
	catVersion uint64
}

// session is a request's session: as the district keeps it
// (district.ConsoleSession — any replica serves it), and the staff
// member's account as it stands now.
type session struct {
	district.ConsoleSession
	staff district.Staff
}

const (
	sessionCookie = "yz_session"
	loginCookie   = "yz_login" // the login form's CSRF token, before any session
	maxForm       = 16 << 10   // a login or a state change is a few hundred bytes
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

var pages = template.Must(template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html"))

// New returns the console.
func New(opt Options) *Console {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 30 * time.Minute
	}
	if opt.MaxAge <= 0 {
		opt.MaxAge = 8 * time.Hour
	}
	if opt.HeaderTimeout <= 0 {
		opt.HeaderTimeout = 10 * time.Second
	}
	if opt.BodyTimeout <= 0 {
		opt.BodyTimeout = 30 * time.Second
	}
	c := &Console{opt: opt, mux: http.NewServeMux()}
	c.mux.HandleFunc("GET /login", c.loginPage)
	c.mux.HandleFunc("POST /login", c.login)
	c.mux.HandleFunc("POST /logout", c.signedIn(c.logout))
	c.mux.HandleFunc("GET /{$}", c.signedIn(c.home))
	c.mux.Handle("GET /static/", http.FileServerFS(staticFiles))
	c.mux.HandleFunc("GET /applications", c.signedIn(c.applications))
	c.mux.HandleFunc("GET /applications/find", c.signedIn(c.findApplication))
	c.mux.HandleFunc("GET /applications/{terminal}/{id}", c.signedIn(c.application))
	c.mux.HandleFunc("GET /applications/{terminal}/{id}/attachments/{name}", c.signedIn(c.attachment))
	c.mux.HandleFunc("POST /applications/{terminal}/{id}/status", c.signedIn(c.setStatus))
	c.mux.HandleFunc("GET /ratings", c.signedIn(c.ratings))
	c.mux.HandleFunc("GET /cases/{kind}", c.signedIn(c.cases))
	c.mux.HandleFunc("GET /cases/{kind}/{key...}", c.signedIn(c.oneCase))
	c.mux.HandleFunc("POST /cases/{kind}/step/{key...}", c.signedIn(c.caseStep))
	c.mux.HandleFunc("POST /cases/{kind}/assign/{key...}", c.signedIn(c.assignCase))
	c.mux.HandleFunc("GET /audit", c.signedIn(c.auditTrail))
	c.mux.HandleFunc("GET /fleet", c.signedIn(c.fleet))
	c.mux.HandleFunc("POST /fleet/tokens", c.signedIn(c.newToken))
	c.mux.HandleFunc("POST /fleet/{terminal}/revoke", c.signedIn(c.revoke))
	c.mux.HandleFunc("POST /fleet/{terminal}/ring", c.signedIn(c.assignRing))
	c.mux.HandleFunc("GET /fleet/releases", c.signedIn(c.releases))
	c.mux.HandleFunc("POST /fleet/releases/promote", c.signedIn(c.promote))
	c.mux.HandleFunc("GET /settings", c.signedIn(c.settings))
	c.mux.HandleFunc("POST /settings/catalog", c.signedInUpload(c.uploadCatalog, maxCatalog+64<<10))
	c.mux.HandleFunc("POST /settings/catalog/publish", c.signedIn(c.publishCatalog))
	c.mux.HandleFunc("POST /settings/rules", c.signedIn(c.setRules))
	c.mux.HandleFunc("GET /account", c.signedIn(c.account))
	c.mux.HandleFunc("GET /account/two-step.png", c.signedIn(c.twoStepQR))
	c.mux.HandleFunc("POST /account/two-step", c.signedIn(c.enableTwoStep))
	c.mux.HandleFunc("GET /api/v1/events", c.apiEvents)
	c.mux.HandleFunc("GET /api/v1/records/{terminal}/{id}", c.apiRecordGet)
	c.mux.HandleFunc("GET /api/v1/records/{terminal}/{id}/attachments/{name}", c.apiAttachmentGet)
	return c
}

// Serve serves the console on ln until ctx ends, bounding what each
// connection may take: its headers (HeaderTimeout, 32 KiB), its request
// (BodyTimeout; forms are 16 KiB at most), a minute to write a page, two
// minutes idle between requests.
func (c *Console) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           c,
		ReadHeaderTimeout: c.opt.HeaderTimeout,
		ReadTimeout:       c.opt.BodyTimeout,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(c.opt.Log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if srv.Shutdown(shut) != nil {
			srv.Close() // a request still running after 5 s is cut
		}
	}()
	err := srv.Serve(ln)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("console: %w", err)
}

// ServeHTTP sets what every page needs said and routes the request.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store") // pages hold residents' data
	c.mux.ServeHTTP(w, r)
}

// loginView is what the login page shows.
type loginView struct {
	CSRF    string
	Name    string
	Problem string // zh / en, "" when none
	Note    string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	note := ""
	if r.URL.Query().Get("expired") != "" {
		note = "会话已过期，请重新登录 · The session ended: log in again"
	}
	c.renderLogin(w, r, http.StatusOK, loginView{Note: note})
}

// renderLogin shows the login form with a fresh CSRF token in its cookie.
func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, v loginView) {
	v.CSRF = randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v.CSRF, Path: "/login", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, "login.html", v); err != nil {
		c.opt.Log.Warn("console: login page", "err", err)
	}
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	cookie, err := r.Cookie(loginCookie)
	if err != nil || !sameToken(cookie.Value, r.PostForm.Get("csrf")) {
		c.renderLogin(w, r, http.StatusForbidden, loginView{Problem: "页面已失效，请重试 · The form expired: try again"})
		return
	}
	name := r.PostForm.Get("name")
	staff, err := c.opt.District.StaffLogin(name, r.PostForm.Get("password"), strings.TrimSpace(r.PostForm.Get("code")), clientIP(r))
	var locked *district.LockedError
	switch {
	case errors.As(err, &locked):
		c.renderLogin(w, r, http.StatusTooManyRequests, loginView{Name: name, Problem: "密码错误次数过多，账户已锁定至 " + locked.Until.Local().Format("15:04") + " · Too many wrong passwords: locked until " + locked.Until.Local().Format("15:04")})
		return
	case errors.Is(err, district.ErrLoginFailed):
		c.renderLogin(w, r, http.StatusUnauthorized, loginView{Name: name, Problem: "用户名、密码或验证码错误 · Wrong name, password or one-time code"})
		return
	case err != nil:
		c.opt.Log.Error("console: login", "err", err)
		http.Error(w, "the district could not check the login", http.StatusInternalServerError)
		return
	}
	now := c.opt.Now()
	token := randomToken()
	c.sweep(now)
	if err := c.opt.District.PutConsoleSession(token, district.ConsoleSession{Staff: staff.Name, CSRF: randomToken(), Created: now, LastActive: now}); err != nil {
		c.opt.Log.Error("console: keeping a session", "err", err)
		http.Error(w, "the district could not keep the session", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/login", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signedIn lets a request through with a copy of its session (other
// requests of the same session change nothing under it), or sends it to
// the login page; a form sent must carry the session's CSRF token.
func (c *Console) signedIn(next func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return c.signedInUpload(next, 0)
}

// signedInUpload is signedIn for a form that uploads a file of up to
// limit bytes (multipart/form-data); 0 takes plain forms only.
func (c *Console) signedInUpload(next func(http.ResponseWriter, *http.Request, *session), limit int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, s, expired, err := c.session(r)
		if err != nil {
			c.opt.Log.Error("console: reading a session", "err", err)
			http.Error(w, "the district could not read the session", http.StatusInternalServerError)
			return
		}
		if s != nil {
			if s = c.stillAllowed(s); s == nil {
				c.end(token)
				expired = true
			}
		}
		if s == nil {
			target := "/login"
			if expired {
				target += "?expired=1"
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			var err error
			if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" && limit > 0 {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
				err = r.ParseMultipartForm(limit)
			} else {
				r.Body = http.MaxBytesReader(w, r.Body, maxForm)
				err = r.ParseForm()
			}
			if tooBig := new(http.MaxBytesError); errors.As(err, &tooBig) {
				c.fail(w, s, http.StatusRequestEntityTooLarge, fmt.Sprintf("提交的内容过大（上限 %d KiB），未做任何改动 · What was sent is over %d KiB: nothing was changed", tooBig.Limit>>10, tooBig.Limit>>10), "/")
				return
			}
			if err != nil || !sameToken(s.CSRF, r.PostForm.Get("csrf")) {
				c.fail(w, s, http.StatusForbidden, "这份表单不是本系统给您的，未做任何改动；请返回页面重试 · This form is not one the console gave you (CSRF token missing or wrong): nothing was changed; go back and try again", "/")
				return
			}
		}
		next(w, r, s)
	}
}

// session finds the request's session, marks it used and returns its
// token and the session; expired says one was there but ran out.
func (c *Console) session(r *http.Request) (token string, s *session, expired bool, err error) {
	cookie, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", nil, false, nil
	}
	token = cookie.Value
	kept, found, err := c.opt.District.ConsoleSession(token)
	if err != nil {
		return "", nil, false, err
	}
	if !found {
		return "", nil, true, nil // ended by logout or the sweep
	}
	now := c.opt.Now()
	if c.ended(kept, now) {
		c.end(token)
		return "", nil, true, nil
	}
	// Use is noted to the minute: a page view is not a write to the
	// store, and a session ends at most a minute before its idle time.
	if now.Sub(kept.LastActive) >= time.Minute {
		if _, err := c.opt.District.UpdateConsoleSession(token, func(s *district.ConsoleSession) { s.LastActive = now }); err != nil {
			return "", nil, false, err
		}
	}
	return token, &session{ConsoleSession: kept}, false, nil
}

func (c *Console) ended(s district.ConsoleSession, now time.Time) bool {
	return now.Sub(s.LastActive) >= c.opt.IdleTimeout || now.Sub(s.Created) >= c.opt.MaxAge
}

// sweep forgets ended sessions, which no one will present again.
func (c *Console) sweep(now time.Time) {
	if err := c.opt.District.EndConsoleSessions(func(s district.ConsoleSession) bool { return c.ended(s, now) }); err != nil {
		c.opt.Log.Warn("console: sweeping sessions", "err", err)
	}
}

// stillAllowed reads the session's account again and returns the session
// with it, or nil: an account disabled since the login ends the session,
// and a new role applies at once.
func (c *Console) stillAllowed(s *session) *session {
	now, found, err := c.opt.District.StaffAccount(s.Staff)
	if err != nil {
		c.opt.Log.Error("console: staff account", "staff", s.Staff, "err", err)
		return nil
	}
	if !found || now.Disabled {
		return nil
	}
	s.staff = now
	return s
}

// tokenOf is the request's session token, "" when it has none.
func (c *Console) tokenOf(r *http.Request) string {
	if cookie, err := r.Cookie(sessionCookie); err == nil {
		return cookie.Value
	}
	return ""
}

// keep changes the request's session as the district keeps it.
func (c *Console) keep(r *http.Request, f func(*district.ConsoleSession)) error {
	_, err := c.opt.District.UpdateConsoleSession(c.tokenOf(r), f)
	return err
}

// end forgets the session of token.
func (c *Console) end(token string) {
	if err := c.opt.District.EndConsoleSession(token); err != nil {
		c.opt.Log.Warn("console: ending a session", "err", err)
	}
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, s *session) {
	if cookie, err := r.Cookie(sessionCookie); err == nil {
		c.end(cookie.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// frame is what every signed-in page shows around its content: who is
// signed in, the sections, the logout form.
type frame struct {
	Title      string
	Section    string // "applications", "ratings", "rating", "complaint", "audit"
	Staff      string
	Role       string
	CSRF       string
	Supervisor bool // supervisor or admin
	Admin      bool
	Saved      bool // the page follows a change saved
}

func (c *Console) frame(s *session, section, title string) frame {
	return frame{Title: title, Section: section, Staff: s.staff.Name, Role: roleNames[s.staff.Role], CSRF: s.CSRF,
		Supervisor: s.staff.Role != district.RoleStaff, Admin: s.staff.Role == district.RoleAdmin}
}

// savedFrame is frame for a page a change sends staff back to.
func (c *Console) savedFrame(r *http.Request, s *session, section, title string) frame {
	f := c.frame(s, section, title)
	f.Saved = r.URL.Query().Get("saved") != ""
	return f
}

// render writes a page; a template that fails midway is logged (the
// status is out already).
func (c *Console) render(w http.ResponseWriter, status int, name string, view any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, name, view); err != nil {
		c.opt.Log.Warn("console: page", "page", name, "err", err)
	}
}

// problemView is a page that says what went wrong and where to go.
type problemView struct {
	frame
	Problem string
	Back    string
}

// fail shows a page saying why the request was refused, in words staff
// can act on.
func (c *Console) fail(w http.ResponseWriter, s *session, status int, problem, back string) {
	c.render(w, status, "problem.html", problemView{frame: c.frame(s, "", "无法完成 · Not done"), Problem: problem, Back: back})
}

// failErr turns a district error into the page staff see.
func (c *Console) failErr(w http.ResponseWriter, s *session, err error, back string) {
	switch {
	case errors.Is(err, district.ErrNotAllowed):
		c.fail(w, s, http.StatusForbidden, "您的角色无权执行此操作 · Your role does not allow this: "+err.Error(), back)
	case errors.Is(err, district.ErrNoRecord), errors.Is(err, district.ErrNoCase), errors.Is(err, district.ErrNoTerminal):
		c.fail(w, s, http.StatusNotFound, "没有找到 · Not found", back)
	default:
		var bad badInput
		if errors.As(err, &bad) {
			c.fail(w, s, http.StatusBadRequest, bad.Error(), back)
			return
		}
		c.opt.Log.Error("console: request", "err", err)
		c.fail(w, s, http.StatusInternalServerError, "系统出错，请稍后再试 · The district could not do it; try again later", back)
	}
}

// badInput is an error staff caused and can correct, shown as it is.
type badInput struct{ error }

// audit records what staff did or saw; a page whose view cannot be
// recorded is not shown (personal data is read only on the record).
func (c *Console) audit(r *http.Request, s *session, action, object, detail string) error {
	return c.opt.District.Audit(district.AuditEvent{Staff: s.staff.Name, Action: action, Object: object, Detail: detail, From: clientIP(r)})
}

// homeView is what the first page shows: the work waiting.
type homeView struct {
	frame
	States []stateTab
	Work   []workGroup
	Mine   []caseRow
}

// workGroup is one kind of case's counts.
type workGroup struct {
	Title string
	Tiles []workTile
}

// workTile is a count of cases waiting, linking to them.
type workTile struct {
	Name, Link string
	Count      int
	Warn       bool
}

func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) {
	d := c.opt.District
	page, err := d.Inbox(district.InboxQuery{Limit: 1})
	if err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	rules, err := d.Rules()
	if err != nil {
		c.failErr(w, s, err, "/")
		return
	}
	v := homeView{frame: c.frame(s, "", "工作台 · Console"), States: stateTabs("", page.Counts)}
	now := c.opt.Now()
	names := c.serviceNames()
	for _, kind := range []string{district.CaseRating, district.CaseComplaint} {
		open, err := d.Cases(district.CaseList{Kind: kind, Limit: 1000})
		if err != nil {
			c.failErr(w, s, err, "/")
			return
		}
		var overdue, soon, toClose int
		for _, one := range open {
			row := newCaseRow(one, rules, names, now)
			switch {
			case row.Overdue:
				overdue++
			case row.Soon:
				soon++
			}
			if one.Next() == district.StepClose {
				toClose++
			}
			if one.Assignee == s.staff.Name || one.Assignee == "" && !v.Supervisor {
				v.Mine = append(v.Mine, row)
			}
		}
		g := workGroup{Title: kindNames[kind], Tiles: []workTile{
			{Name: "待办 · open", Link: "/cases/" + kind, Count: len(open)},
			{Name: "已超期 · overdue", Link: "/cases/" + kind, Count: overdue, Warn: overdue > 0},
			{Name: fmt.Sprintf("%d 个工作日内到期 · due within %d working days", dueSoon, dueSoon), Link: "/cases/" + kind, Count: soon, Warn: soon > 0},
		}}
		if v.Supervisor {
			g.Tiles = append(g.Tiles, workTile{Name: "待我办结 · waiting for my close", Link: "/cases/" + kind + "?close=1", Count: toClose, Warn: toClose > 0})
		}
		v.Work = append(v.Work, g)
	}
	c.render(w, http.StatusOK, "home.html", v)
}

var roleNames = map[district.Role]string{
	district.RoleStaff:      "窗口人员 · staff",
	district.RoleSupervisor: "科室负责人 · supervisor",
	district.RoleAdmin:      "管理员 · admin",
}

// randomToken is 32 random bytes, for a session or a CSRF token.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// clientIP is the address the request came from, for the audit trail.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
