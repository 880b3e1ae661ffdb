package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/assets"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/client/clienttest"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/district/pgtest"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// districtd runs a command line and returns what it printed.
func districtd(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("districtd %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// startDistrictd serves a district from dir on loopback until the test
// ends, and returns its https URL.
func startDistrictd(t *testing.T, dir string) (url string, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveDistrict(ctx, district.Options{Dir: dir}, listeners{sync: "127.0.0.1:0", ready: func(addr string) { ready <- addr }})
	}()
	select {
	case addr := <-ready:
		stop = func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
		t.Cleanup(func() { cancel() })
		return "https://" + addr, stop
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("districtd did not start")
	}
	return "", nil
}

type kiosk struct {
	dir   string
	queue *outbox.Store
	state *client.State
	sync  *client.Client
}

func provision(t *testing.T, url, token, terminal string) *kiosk {
	t.Helper()
	tm := clienttest.Enroll(t, url, token, terminal, nil)
	return &kiosk{dir: tm.Dir, queue: tm.Queue, state: tm.State, sync: tm.Client}
}

// identity is the terminal's own, as enrollment left it in its folder.
func (k *kiosk) identity(t *testing.T) *client.Identity {
	t.Helper()
	id, err := client.LoadIdentity(client.IdentityDir(k.dir))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (k *kiosk) submit(t *testing.T, kind outbox.Kind, personal string, attachment []byte) outbox.Record {
	t.Helper()
	sub := outbox.Submission{Kind: kind, Public: outbox.Public{Service: "GA-003", Receipt: "R-1"}, Personal: []byte(personal)}
	if attachment != nil {
		sub.Attachments = []outbox.Attachment{{Name: "photo", Data: bytes.NewReader(attachment)}}
	}
	r, err := k.queue.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStaffCommandsThroughTheRunningDistrict(t *testing.T) {
	dir := t.TempDir()
	url, stop := startDistrictd(t, dir)
	out := districtd(t, "token", "new", "--site", "示范区政务服务中心一楼", "--data", dir)
	token := strings.Fields(out)[0]
	k := provision(t, url, token, "HALL-0001")

	photo := bytes.Repeat([]byte{0xFF, 0xD8}, 5000)
	app := k.submit(t, outbox.Application, `{"name":"李四"}`, photo)
	rating := k.submit(t, outbox.Rating, `{"level":1,"reason":"等候太久","phone":"13900139000"}`, nil)
	good := k.submit(t, outbox.Rating, `{"level":5}`, nil)
	complaint := k.submit(t, outbox.Complaint, `{"type":"complaint","topic":"窗口态度","text":"态度冷淡","phone":"13700137000"}`, nil)
	if err := k.sync.Once(context.Background()); err != nil {
		t.Fatal(err)
	}

	if out := districtd(t, "apps", "list", "--data", dir); !strings.Contains(out, app.ID) || !strings.Contains(out, "received") {
		t.Fatalf("apps list:\n%s", out)
	}
	bad := districtd(t, "ratings", "list", "--bad", "--data", dir)
	if !strings.Contains(bad, rating.ID) || !strings.Contains(bad, "1/5") || !strings.Contains(bad, "等候太久") || strings.Contains(bad, good.ID) {
		t.Fatalf("ratings list --bad:\n%s", bad)
	}
	districtd(t, "complaints", "answer", complaint.ID, "--message", "已约谈窗口人员", "--data", dir)
	districtd(t, "apps", "set-status", app.ID, "processing", "--message", "审核中", "--data", dir)
	if out := districtd(t, "complaints", "list", "--data", dir); !strings.Contains(out, "已约谈窗口人员") || !strings.Contains(out, "窗口态度") {
		t.Fatalf("complaints list:\n%s", out)
	}
	files := t.TempDir()
	out = districtd(t, "apps", "show", app.ID, "--attachments", files, "--data", dir)
	if !strings.Contains(out, "李四") {
		t.Fatalf("apps show:\n%s", out)
	}
	got, err := os.ReadFile(filepath.Join(files, app.ID+"-1-photo"))
	if err != nil || !bytes.Equal(got, photo) {
		t.Fatalf("attachment opened to %d bytes, %v", len(got), err)
	}
	if err := k.sync.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st, ok, _ := k.state.RecordStatus(complaint.ID); !ok || st.State != "done" || st.Message != "已约谈窗口人员" {
		t.Fatalf("answer on the terminal: %+v", st)
	}
	if out := districtd(t, "terminals", "--data", dir); !strings.Contains(out, "HALL-0001") || !strings.Contains(out, "示范区政务服务中心一楼") {
		t.Fatalf("terminals:\n%s", out)
	}
	if out := districtd(t, "ca", "--data", dir); !strings.HasPrefix(out, "-----BEGIN CERTIFICATE-----") {
		t.Fatalf("ca:\n%s", out)
	}
	// What staff call back on, in the JSON other tools read.
	if out := districtd(t, "ratings", "list", "--bad", "--json", "--data", dir); !strings.Contains(out, `"phone": "13900139000"`) {
		t.Fatalf("ratings list --json:\n%s", out)
	}
	if out := districtd(t, "complaints", "list", "--json", "--data", dir); !strings.Contains(out, `"text": "态度冷淡"`) || !strings.Contains(out, `"phone": "13700137000"`) {
		t.Fatalf("complaints list --json:\n%s", out)
	}
	// An API client's token, shown once; the rules.
	out = districtd(t, "api", "token", "add", "haochaping", "--scope", "events", "--data", dir)
	if !strings.HasPrefix(out, "yz_") || !strings.Contains(districtd(t, "api", "token", "list", "--data", dir), "haochaping") {
		t.Fatalf("api token add:\n%s", out)
	}
	rules := filepath.Join(t.TempDir(), "rules.json")
	os.WriteFile(rules, []byte(`{"bad_rating_days":15,"complaint_days":15,"auto_rating_days":7,"holidays":["2026-10-01"]}`), 0o600)
	districtd(t, "rules", "set", rules, "--data", dir)
	if out := districtd(t, "rules", "show", "--data", dir); !strings.Contains(out, "15 working days") || !strings.Contains(out, "2026-10-01") {
		t.Fatalf("rules show:\n%s", out)
	}

	// With districtd stopped the commands open the store themselves.
	stop()
	if out := districtd(t, "apps", "list", "--data", dir); !strings.Contains(out, app.ID) || !strings.Contains(out, "processing") {
		t.Fatalf("apps list without districtd:\n%s", out)
	}
}

// A stick from a terminal that cannot reach the district: imported, the
// records are at the district once; the terminal's later sync is answered
// "duplicate" and purges them.
func TestImportThenSyncStoresOnce(t *testing.T) {
	dir := t.TempDir()
	url, _ := startDistrictd(t, dir)
	token := strings.Fields(districtd(t, "token", "new", "--site", "网点", "--data", dir))[0]
	k := provision(t, url, token, "BANK-0002")
	var recs []outbox.Record
	for i := range 3 {
		recs = append(recs, k.submit(t, outbox.Application, `{"n":`+string(rune('1'+i))+`}`, bytes.Repeat([]byte{byte(i)}, 3000)))
	}
	stick := t.TempDir()
	folder, m, err := k.queue.Export(stick, "BANK-0002", k.identity(t).SignExport)
	if err != nil || len(m.Records) != 3 {
		t.Fatalf("export: %d records, %v", len(m.Records), err)
	}
	if out := districtd(t, "import", folder, "--data", dir); !strings.Contains(out, "3 new, 0 already here, 0 rejected") {
		t.Fatalf("import:\n%s", out)
	}
	if out := districtd(t, "import", folder, "--data", dir); !strings.Contains(out, "0 new, 3 already here") {
		t.Fatalf("second import:\n%s", out)
	}
	if err := k.sync.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if got, _ := k.queue.Get(r.ID); got.State != outbox.Acknowledged {
			t.Fatalf("record %s after sync: %s", r.ID, got.State)
		}
	}
	list := districtd(t, "apps", "list", "--data", dir)
	for _, r := range recs {
		if strings.Count(list, r.ID) != 1 {
			t.Fatalf("record %s listed %d times:\n%s", r.ID, strings.Count(list, r.ID), list)
		}
	}
	// A damaged stick is refused whole.
	os.WriteFile(filepath.Join(folder, "records", recs[0].ID+".age"), []byte("spoilt"), 0o600)
	var errOut bytes.Buffer
	if err := run([]string{"import", folder, "--data", dir}, &bytes.Buffer{}, &errOut); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("damaged import: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"token", "new"}, {"apps", "set-status", "only-id"}, {"complaints", "answer", "x"}} {
		if err := run(args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("districtd %v: no error", args)
		}
	}
}

func TestCatalogPublishChecksTheCatalog(t *testing.T) {
	dir := t.TempDir()
	districtd(t, "init", "--data", dir)
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"schema":1,"services":[{"code":"X"}]}`), 0o600)
	if err := run([]string{"catalog", "publish", bad, "--data", dir}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("a catalog the terminals could not read was published")
	}
	good := filepath.Join(t.TempDir(), "catalog.json")
	os.WriteFile(good, assets.Catalog, 0o600)
	if out := districtd(t, "catalog", "publish", good, "--data", dir); !strings.Contains(out, "version 1") {
		t.Fatalf("publish:\n%s", out)
	}
}

// TestStaffOutputEscapesWhatTerminalsSent: a stolen terminal's key can seal
// anything into a rating; what staff see of it on their console is shown,
// never acted on — no escape sequence erases a line, no bidi override
// reorders one.
func TestStaffOutputEscapesWhatTerminalsSent(t *testing.T) {
	dir := t.TempDir()
	url, stop := startDistrictd(t, dir)
	token := strings.Fields(districtd(t, "token", "new", "--site", "一楼", "--data", dir))[0]
	k := provision(t, url, token, "HALL-0002")
	rating := k.submit(t, outbox.Rating, `{"level":1,"reason":"慢\u001b[2K\r\u202e好很"}`, nil)
	if err := k.sync.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	stop()
	for _, args := range [][]string{
		{"ratings", "list", "--bad", "--data", dir},
		{"apps", "show", rating.ID, "--data", dir},
	} {
		out := districtd(t, args...)
		if strings.ContainsAny(out, "\x1b\r\u202e") {
			t.Errorf("districtd %s printed raw controls: %q", args[0], out)
		}
		if args[0] == "ratings" && !strings.Contains(out, `慢\x1b[2K\x0d\u202e好很`) {
			t.Errorf("ratings list does not show the reason escaped: %q", out)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"等候太久":                "等候太久",
		"a\tb":                "a\\x09b",
		"\x1b[31mred":         "\\x1b[31mred",
		"\u009b2K":            "\\u009b2K",
		"abc\u202edef\u2066":  "abc\\u202edef\\u2066",
		"line\u2028two":       "line\\u2028two",
		"bad\xffbyte":         "bad\\xffbyte",
		"real \uFFFD is kept": "real \uFFFD is kept",
		"\x7f":                "\\x7f",
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOnlyInitOrServeMakesADistrict: a staff command on a folder with no
// district — a mistyped --data — fails and makes nothing; init makes one,
// once.
func TestOnlyInitOrServeMakesADistrict(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{{"token", "new", "--site", "大厅"}, {"ca"}, {"terminals"}} {
		var out, errOut bytes.Buffer
		err := run(append(args, "--data", dir), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "no district in") {
			t.Errorf("%s on an empty folder: %v\n%s", args[0], err, out.String())
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the commands made %s: %v", dir, err)
	}
	if out := districtd(t, "init", "--data", dir, "--name", "示范区"); !strings.Contains(out, "a new district in") {
		t.Fatalf("init: %s", out)
	}
	if err := run([]string{"init", "--data", dir}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "already holds a district") {
		t.Fatalf("a second init: %v", err)
	}
	if out := districtd(t, "token", "new", "--site", "大厅", "--data", dir); strings.TrimSpace(out) == "" {
		t.Fatal("no token after init")
	}
}

// TestImportTakesOnlyItsTerminalsSignature: anyone can seal records to the
// district's public key; an export is imported only when the terminal it
// names signed it with its current, unrevoked key, and the folder is as it
// signed it. Anything else is refused whole.
func TestImportTakesOnlyItsTerminalsSignature(t *testing.T) {
	dir := t.TempDir()
	url, _ := startDistrictd(t, dir)
	a := provision(t, url, strings.Fields(districtd(t, "token", "new", "--site", "网点", "--data", dir))[0], "BANK-0002")
	b := provision(t, url, strings.Fields(districtd(t, "token", "new", "--site", "网点", "--data", dir))[0], "BANK-0003")
	a.submit(t, outbox.Complaint, `{"text":"a"}`, nil)
	export := func(sign outbox.ExportSigner) string {
		folder, _, err := a.queue.Export(t.TempDir(), "BANK-0002", sign)
		if err != nil {
			t.Fatal(err)
		}
		return folder
	}
	refused := func(folder, why string) {
		t.Helper()
		var out bytes.Buffer
		err := run([]string{"import", folder, "--data", dir}, &out, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("import: %v (want it refused: %s)\n%s", err, why, out.String())
		}
	}
	refused(export(nil), "not signed")
	refused(export(b.identity(t).SignExport), `signed by terminal "BANK-0003" but names "BANK-0002"`)
	tampered := export(a.identity(t).SignExport)
	manifest := filepath.Join(tampered, "manifest.json")
	data, _ := os.ReadFile(manifest)
	os.WriteFile(manifest, bytes.Replace(data, []byte(`"format"`), []byte(`"format" `), 1), 0o600)
	refused(tampered, "does not match")
	good := export(a.identity(t).SignExport)
	districtd(t, "terminals", "revoke", "BANK-0002", "--data", dir)
	refused(good, "revoked")
	if out := districtd(t, "complaints", "list", "--data", dir); strings.Contains(out, "BANK-0002") {
		t.Fatalf("a refused export left records:\n%s", out)
	}
}

// FuzzPrintable: whatever a terminal sent, what staff see is valid UTF-8
// with nothing a console acts on.
func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"等候太久", "\x1b[2K\r", "a\u202eb", "bad\xff", "\u0085\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := printable(s)
		if !utf8.ValidString(out) || strings.ContainsFunc(out, acted) {
			t.Fatalf("printable(%q) = %q", s, out)
		}
	})
}

// TestARecordIDTwoTerminalsSentIsNamedWithItsTerminal: each terminal's
// records are its own; staff who give an id two terminals sent are told
// to name one, and TERMINAL/ID reaches that one alone.
func TestARecordIDTwoTerminalsSentIsNamedWithItsTerminal(t *testing.T) {
	dir := t.TempDir()
	districtd(t, "init", "--data", dir)
	d, err := district.Open(district.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	const id = "019ac3f2-0000-7000-8000-0000000000c1"
	for _, terminal := range []string{"HALL-A", "HALL-B"} {
		r, err := age.ParseX25519Recipient(d.Recipients()[0])
		if err != nil {
			t.Fatal(err)
		}
		var sealed bytes.Buffer
		w, _ := age.Encrypt(&sealed, r)
		io.WriteString(w, `{"name":"`+terminal+` 的居民"}`)
		w.Close()
		rec := protocol.Record{ID: id, Seq: 1, Kind: "application", Created: time.Now(), Sealed: sealed.Bytes()}
		if res, err := d.Ingest(terminal, "sync", []protocol.Record{rec}); err != nil || res[0].Status != protocol.Accepted {
			t.Fatalf("%s: %+v %v", terminal, res, err)
		}
	}
	d.Close()

	var out, errOut bytes.Buffer
	err = run([]string{"apps", "set-status", id, "done", "--data", dir}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "HALL-A/"+id) || !strings.Contains(err.Error(), "HALL-B/"+id) {
		t.Fatalf("set-status with an id two terminals sent: %v", err)
	}
	if out := districtd(t, "apps", "set-status", "HALL-B/"+id, "done", "--data", dir); !strings.Contains(out, "terminal HALL-B") {
		t.Fatalf("set-status HALL-B/ID: %s", out)
	}
	if out := districtd(t, "apps", "show", "HALL-A/"+id, "--data", dir); !strings.Contains(out, "HALL-A 的居民") || strings.Contains(out, "done") {
		t.Fatalf("apps show HALL-A/ID:\n%s", out)
	}
	if err := run([]string{"apps", "show", "HALL-A/not-an-id", "--data", dir}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "TERMINAL/ID") {
		t.Fatalf("a malformed reference: %v", err)
	}
}

// A district made on PostgreSQL: init --store writes the folder's store
// file, and from then on every command and serve keep it there — the
// folder holds no district.db.
func TestDistrictOnPostgres(t *testing.T) {
	dsn := pgtest.Database(t)
	dir := t.TempDir()
	if out := districtd(t, "init", "--data", dir, "--store", dsn); !strings.Contains(out, "a new district") {
		t.Fatalf("init:\n%s", out)
	}
	if info, err := os.Stat(filepath.Join(dir, district.StoreFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the store file: %v %v", info, err)
	}
	url, _ := startDistrictd(t, dir)
	k := provision(t, url, strings.Fields(districtd(t, "token", "new", "--site", "网点", "--data", dir))[0], "HALL-0009")
	app := k.submit(t, outbox.Application, `{"name":"周八"}`, nil)
	if err := k.sync.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out := districtd(t, "apps", "list", "--data", dir); !strings.Contains(out, app.ID) {
		t.Fatalf("apps list:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "district.db")); err == nil {
		t.Fatal("a district.db beside the store file")
	}
}

// migrate moves a district that was on bbolt to PostgreSQL, refuses while
// districtd holds the store, and the terminal that synced before syncs
// after, its record answered as a duplicate.
func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	url, stop := startDistrictd(t, dir)
	k := provision(t, url, strings.Fields(districtd(t, "token", "new", "--site", "网点", "--data", dir))[0], "HALL-0010")
	k.submit(t, outbox.Application, `{"name":"吴九"}`, nil)
	if err := k.sync.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	dsn := pgtest.Database(t)
	if err := run([]string{"migrate", "--to", dsn, "--data", dir}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "stop districtd") {
		t.Fatalf("migrating a running district: %v", err)
	}
	stop()
	if out := districtd(t, "migrate", "--from", "bbolt", "--to", dsn, "--data", dir); !strings.Contains(out, "checked by count and hash") {
		t.Fatalf("migrate:\n%s", out)
	}
	url, _ = startDistrictd(t, dir)
	// The district came back on another port: the terminal is told it.
	c, err := client.New(client.Options{Identity: k.identity(t), Queue: k.queue, State: k.state, Backend: url})
	if err != nil {
		t.Fatal(err)
	}
	again := k.submit(t, outbox.Application, `{"name":"郑十"}`, nil)
	if err := c.Once(context.Background()); err != nil {
		t.Fatalf("syncing after the move: %v", err)
	}
	if out := districtd(t, "apps", "list", "--data", dir); !strings.Contains(out, again.ID) || strings.Count(out, "HALL-0010") != 2 {
		t.Fatalf("apps after the move:\n%s", out)
	}
}
