package console

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/passhash"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// browser keeps cookies as a browser on the district's machine would (a
// Secure cookie is sent to localhost over plain HTTP), follows no
// redirect by itself, and remembers the last page.
type browser struct {
	t       *testing.T
	srv     *httptest.Server
	cookies map[string]*http.Cookie
	body    string
}

func (b *browser) do(method, path string, form url.Values) *http.Response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.send(req)
}

// send sends req with the browser's cookies and keeps what comes back.
func (b *browser) send(req *http.Request) *http.Response {
	b.t.Helper()
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.body = string(data)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return resp
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) csrf() string {
	b.t.Helper()
	m := csrfField.FindStringSubmatch(b.body)
	if m == nil {
		b.t.Fatalf("no CSRF token in the page:\n%s", b.body)
	}
	return m[1]
}

// logIn fills the login form as a person would.
func (b *browser) logIn(name, password string) *http.Response {
	b.t.Helper()
	b.do("GET", "/login", nil)
	return b.do("POST", "/login", url.Values{"csrf": {b.csrf()}, "name": {name}, "password": {password}})
}

func setup(t *testing.T) (*district.District, *clock, *browser) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.Local)}
	d, err := district.Open(district.Options{Dir: t.TempDir(), Now: clk.Now, PasswordCost: passhash.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.AddStaff(district.CommandLine, "li.ming", district.RoleSupervisor, "Qingdao2026"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Options{District: d, Now: clk.Now}))
	t.Cleanup(srv.Close)
	return d, clk, &browser{t: t, srv: srv, cookies: map[string]*http.Cookie{}}
}

func TestLogInWorkLogOut(t *testing.T) {
	d, _, b := setup(t)
	if resp := b.do("GET", "/", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Fatalf("the console before login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp := b.logIn("li.ming", "Qingdao2026")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), b.body)
	}
	c := b.cookies[sessionCookie]
	if c == nil || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode {
		t.Fatalf("the session cookie: %+v", c)
	}
	resp = b.do("GET", "/", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "li.ming") || !strings.Contains(b.body, "科室负责人") {
		t.Fatalf("the console: %d\n%s", resp.StatusCode, b.body)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Cache-Control"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if resp := b.do("POST", "/logout", url.Values{"csrf": {b.csrf()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout: %d %s", resp.StatusCode, b.body)
	}
	if resp := b.do("GET", "/", nil); resp.Header.Get("Location") != "/login" {
		t.Fatalf("after logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	trail, _ := d.AuditTrail(0, 10)
	if len(trail) < 2 || trail[1].Action != district.AuditLogin || trail[1].From != "127.0.0.1" {
		t.Fatalf("the login is not in the trail: %+v", trail)
	}
}

// A form the console did not give — posted from another site, or without
// its token — changes nothing.
func TestFormsWithoutTheirTokenAreRefused(t *testing.T) {
	_, _, b := setup(t)
	b.do("GET", "/login", nil)
	if resp := b.do("POST", "/login", url.Values{"csrf": {"forged"}, "name": {"li.ming"}, "password": {"Qingdao2026"}}); resp.StatusCode != http.StatusForbidden || b.cookies[sessionCookie] != nil {
		t.Fatalf("a login with a forged token: %d, session %v", resp.StatusCode, b.cookies[sessionCookie])
	}
	b.logIn("li.ming", "Qingdao2026")
	if resp := b.do("POST", "/logout", url.Values{"csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a logout with a forged token: %d", resp.StatusCode)
	}
	if resp := b.do("GET", "/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the forged logout ended the session: %d", resp.StatusCode)
	}
}

func TestSessionsEnd(t *testing.T) {
	_, clk, b := setup(t)
	b.logIn("li.ming", "Qingdao2026")
	clk.now = clk.now.Add(29 * time.Minute)
	if resp := b.do("GET", "/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("after 29 minutes: %d", resp.StatusCode)
	}
	clk.now = clk.now.Add(30 * time.Minute)
	if resp := b.do("GET", "/", nil); resp.Header.Get("Location") != "/login?expired=1" {
		t.Fatalf("after 30 idle minutes: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.do("GET", "/login?expired=1", nil)
	if !strings.Contains(b.body, "会话已过期") {
		t.Fatalf("the login page does not say why:\n%s", b.body)
	}
	// A session in use all day still ends after eight hours.
	b.logIn("li.ming", "Qingdao2026")
	for i := 0; i < 8*4; i++ {
		clk.now = clk.now.Add(15 * time.Minute)
		b.do("GET", "/", nil)
	}
	if resp := b.do("GET", "/", nil); resp.Header.Get("Location") != "/login?expired=1" {
		t.Fatalf("after eight busy hours: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestASessionIsEveryReplicasOwn: sessions are kept by the district, not
// by the console that made them, so a session begun on one replica is
// served by another (or by a replica restarted meanwhile), and a logout on
// one ends it on all.
func TestASessionIsEveryReplicasOwn(t *testing.T) {
	d, clk, a := setup(t)
	other := httptest.NewServer(New(Options{District: d, Now: clk.Now}))
	t.Cleanup(other.Close)
	a.logIn("li.ming", "Qingdao2026")
	b := &browser{t: t, srv: other, cookies: map[string]*http.Cookie{sessionCookie: a.cookies[sessionCookie]}}
	if resp := b.do("GET", "/", nil); resp.StatusCode != http.StatusOK || !strings.Contains(b.body, "li.ming") {
		t.Fatalf("the other replica, with the session's cookie: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Used on the other replica at minute 20: still alive at minute 40
	// on the first, though idle there for 40 minutes.
	clk.now = clk.now.Add(20 * time.Minute)
	b.do("GET", "/", nil)
	clk.now = clk.now.Add(20 * time.Minute)
	if resp := a.do("GET", "/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the first replica, the session used on the other 20 minutes ago: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := b.do("POST", "/logout", url.Values{"csrf": {b.csrf()}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout on the other replica: %d %s", resp.StatusCode, b.body)
	}
	if resp := a.do("GET", "/", nil); resp.Header.Get("Location") != "/login?expired=1" {
		t.Fatalf("the first replica after a logout on the other: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestWrongPasswordsAreToldAndLock(t *testing.T) {
	_, _, b := setup(t)
	for i := 1; i < district.MaxLoginFailures; i++ {
		if resp := b.logIn("li.ming", "nope"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(b.body, "用户名、密码或验证码错误") {
			t.Fatalf("wrong password %d: %d\n%s", i, resp.StatusCode, b.body)
		}
	}
	if resp := b.logIn("li.ming", "nope"); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(b.body, "锁定") {
		t.Fatalf("the fifth: %d\n%s", resp.StatusCode, b.body)
	}
	if resp := b.logIn("li.ming", "Qingdao2026"); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right password while locked: %d", resp.StatusCode)
	}
}

// What a visitor types comes back escaped, and a login form larger than
// any real one is refused unread.
func TestHostileInput(t *testing.T) {
	_, _, b := setup(t)
	b.logIn(`<script>alert(1)</script>`, "x")
	if strings.Contains(b.body, "<script>alert") {
		t.Fatalf("the name came back as markup:\n%s", b.body)
	}
	b.do("GET", "/login", nil)
	huge := url.Values{"csrf": {b.csrf()}, "name": {"li.ming"}, "password": {strings.Repeat("x", maxForm)}}
	if resp := b.do("POST", "/login", huge); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a %d-byte login: %d", len(huge.Encode()), resp.StatusCode)
	}
}

// serveConsole serves a console with opt over a fresh district on a
// loopback port, with Serve's own bounds, until the test ends.
func serveConsole(t *testing.T, opt Options) string {
	t.Helper()
	d, err := district.Open(district.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	opt.District = d
	go func() { served <- New(opt).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		d.Close()
	})
	return ln.Addr().String()
}

// A client that sends half its headers and waits is cut at HeaderTimeout;
// one that stays within it is served.
func TestSlowClientsAreCut(t *testing.T) {
	addr := serveConsole(t, Options{HeaderTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET /login HTTP/1.1\r\nHost: console\r\n"))
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("the slow connection was not closed by the server: %v", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("cut after %v", waited)
	}
	resp, err := http.Get("http://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a prompt client: %d", resp.StatusCode)
	}
}

// An account disabled while its session is open is out at its next page.
func TestADisabledAccountIsOutAtOnce(t *testing.T) {
	d, _, b := setup(t)
	b.logIn("li.ming", "Qingdao2026")
	if resp := b.do("GET", "/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("logged in: %d", resp.StatusCode)
	}
	if err := d.DisableStaff(district.CommandLine, "li.ming"); err != nil {
		t.Fatal(err)
	}
	if resp := b.do("GET", "/", nil); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("a disabled account's session: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Pages of one session asked for at once share nothing they change (run
// under the race detector by make test).
func TestOneSessionManyPagesAtOnce(t *testing.T) {
	_, _, b := setup(t)
	b.logIn("li.ming", "Qingdao2026")
	cookie := b.cookies[sessionCookie]
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", b.srv.URL+"/", nil)
			req.AddCookie(&http.Cookie{Name: cookie.Name, Value: cookie.Value})
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("page: %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
}

// A client that sends its headers and then trickles nothing of the body it
// announced is cut at BodyTimeout.
func TestSlowBodiesAreCut(t *testing.T) {
	addr := serveConsole(t, Options{BodyTimeout: 300 * time.Millisecond})
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("POST /login HTTP/1.1\r\nHost: console\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ncsrf="))
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("the trickling connection was not closed by the server: %v", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("cut after %v", waited)
	}
}
