package district_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/console"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// BenchmarkConsolePages is each page staff open most, whole — request,
// session, store, template — over the benchmark district of 1,000,000
// applications and 100,000 ratings, on loopback.
//
//	go test -run '^$' -bench ConsolePages -benchtime 50x -count 6 ./sync/district/
func BenchmarkConsolePages(b *testing.B) {
	d := district.BenchDistrict(b)
	const password = "Huangshan2026ok"
	if err := d.AddStaff(district.CommandLine, "bench", district.RoleAdmin, password); err != nil && !errors.Is(err, district.ErrStaffExists) {
		b.Fatal(err)
	}
	srv := httptest.NewServer(console.New(console.Options{District: d, Now: func() time.Time { return district.BenchNow }}))
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/login")
	if err != nil {
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(url.Values{"csrf": {string(csrf[1])}, "name": {"bench"}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	resp, err = client.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("login: %v %v", resp.Status, err)
	}
	session := resp.Cookies()[0]
	for _, page := range []struct{ name, path string }{
		{"home", "/"},
		{"inbox", "/applications"},
		{"inbox-received", "/applications?state=received"},
		{"inbox-done-rare-service", "/applications?state=done&service=SV-059"},
		{"inbox-site-month", "/applications?site=" + url.QueryEscape("网点07") + "&from=2026-06-01&to=2026-06-30"},
		{"ratings-year", "/ratings"},
		{"ratings-month", "/ratings?from=2026-12-01&to=2026-12-31"},
		{"ratings-site", "/ratings?site=" + url.QueryEscape("网点07")},
		{"bad-rating-queue", "/cases/rating"},
		{"fleet", "/fleet"},
	} {
		path := page.path
		b.Run(page.name, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", srv.URL+path, nil)
				req.AddCookie(session)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %s", path, resp.Status)
				}
			}
		})
	}
}
