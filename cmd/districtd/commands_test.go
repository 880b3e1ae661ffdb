package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command/commandtest"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/district/pgtest"
)

func TestMain(m *testing.M) {
	commandtest.Main(main)
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// Every command answers -h and --help with its own flags and exits 0; no
// command or an unknown one lists them and exits 2.
func TestEveryCommandAnswersHelp(t *testing.T) {
	commandtest.Check(t, program(nil, io.Discard, io.Discard))
}

// The manual page lists every command and exactly its flags.
func TestManualPage(t *testing.T) {
	commandtest.CheckManual(t, program(nil, io.Discard, io.Discard), "../../docs/man/districtd.1.md")
}

// A host name without its --host is refused with the fix, not ignored.
func TestServeRefusesAHostWithoutItsFlag(t *testing.T) {
	err := run([]string{"serve", "--data", t.TempDir(), "--host", "a.example", "10.0.0.5"}, io.Discard, io.Discard)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "--host") || !strings.Contains(err.Error(), "10.0.0.5") {
		t.Fatalf("serve with a bare host: %v", err)
	}
}

// A staff account is made, listed, given a new password and disabled from
// the command line, the password read from stdin and never printed; with
// serve running, through its admin socket.
func TestStaffCommands(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"init", "--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var out, prompts strings.Builder
	if err := runWith([]string{"staff", "add", "li.ming", "--role", "supervisor", "--data", dir}, strings.NewReader("Qingdao2026\nQingdao2026\n"), &out, &prompts); err != nil {
		t.Fatalf("staff add: %v", err)
	}
	if !strings.Contains(prompts.String(), "new password for li.ming") || strings.Contains(out.String()+prompts.String(), "Qingdao2026") {
		t.Fatalf("prompts %q, output %q", prompts.String(), out.String())
	}
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"staff", "add", "wang", "--data", dir}, "Short1\nShort1\n", "10 to 128"},
		{[]string{"staff", "add", "wang", "--data", dir}, "Yantai20261\nYantai20262\n", "differ"},
		{[]string{"staff", "add", "li.ming", "--data", dir}, "Weifang2026\nWeifang2026\n", "exists"},
		{[]string{"staff", "add", "wang", "--role", "root", "--data", dir}, "Yantai20261\nYantai20261\n", "role"},
		{[]string{"staff", "passwd", "nobody", "--data", dir}, "Yantai20261\nYantai20261\n", "no staff account"},
	} {
		if err := runWith(tc.args, strings.NewReader(tc.stdin), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.args, err, tc.want)
		}
	}

	_, stop := startDistrictd(t, dir)
	defer stop()
	if err := runWith([]string{"staff", "passwd", "li.ming", "--data", dir}, strings.NewReader("Weihai20261\nWeihai20261\n"), io.Discard, io.Discard); err != nil {
		t.Fatalf("staff passwd through the running district: %v", err)
	}
	if err := run([]string{"staff", "disable", "li.ming", "--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"staff", "list", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "li.ming") || !strings.Contains(out.String(), "supervisor") || !strings.Contains(out.String(), "disabled") {
		t.Fatalf("staff list:\n%s", out.String())
	}
	if strings.Contains(out.String(), "argon2") || strings.Contains(out.String(), "Weihai") {
		t.Fatalf("staff list shows a secret:\n%s", out.String())
	}
	out.Reset()
	if err := run([]string{"audit", "list", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"staff_added", "li.ming", "staff_password_set", "staff_disabled", "command line"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("audit list lacks %q:\n%s", want, out.String())
		}
	}
	if err := run([]string{"audit", "verify", "--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatalf("audit verify: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "admin.sock")); err != nil {
		t.Fatalf("no admin socket: serve did not take the commands: %v", err)
	}
}

// serve --console serves the staff console beside the terminals'
// protocol, on the same store: an account made with staff add logs in.
func TestServeServesTheConsole(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"init", "--data", dir}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := runWith([]string{"staff", "add", "li.ming", "--data", dir}, strings.NewReader("Qingdao2026\nQingdao2026\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	consoleAt := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveDistrict(ctx, district.Options{Dir: dir}, listeners{sync: "127.0.0.1:0", console: "127.0.0.1:0", consoleReady: func(a string) { consoleAt <- a }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + <-consoleAt
	resp, err := http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the login page: %d\n%s", resp.StatusCode, page)
	}
	form := url.Values{"csrf": {string(m[1])}, "name": {"li.ming"}, "password": {"Qingdao2026"}}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range resp.Cookies() {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login through serve: %d", resp.StatusCode)
	}
}
