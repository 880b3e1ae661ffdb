package selftest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupstest"
	"github.com/yizhan-kiosk/yizhan/devices/scanner/scannersim"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/datalock"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// bareConfig is a terminal with no devices, its data in a new folder.
func bareConfig(t *testing.T) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.TerminalID, cfg.District = "HALL-0042", "示范区政务服务中心"
	cfg.DataDir = t.TempDir()
	cfg.Outbox.DistrictKeys = filepath.Join(cfg.DataDir, "district.pub")
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func mustResult(t *testing.T, rep Report, name string) Result {
	t.Helper()
	r, ok := rep.Result(name)
	if !ok {
		t.Fatalf("no %s check in %+v", name, rep.Results)
	}
	return r
}

// A terminal with nothing configured and never enrolled: every check is
// there in its order, the devices are skipped, and the one failure is the
// missing enrollment, whose fix is provisioning.
func TestSelftestNothingConfigured(t *testing.T) {
	cfg := bareConfig(t)
	start := time.Now()
	rep := Run(context.Background(), cfg, Options{})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v with nothing to talk to", took)
	}
	var names []string
	for _, r := range rep.Results {
		names = append(names, r.Name)
	}
	want := []string{CheckIDCard, CheckPrinter, CheckTestPage, CheckFaceCamera, CheckDocumentCamera, CheckScanner, CheckA4Printer, CheckOutbox, CheckDistrict, CheckCertificate, CheckClock}
	if !slices.Equal(names, want) {
		t.Fatalf("checks %v, want %v", names, want)
	}
	for _, name := range []string{CheckIDCard, CheckPrinter, CheckTestPage, CheckFaceCamera, CheckDocumentCamera, CheckScanner, CheckA4Printer, CheckCertificate} {
		if r := mustResult(t, rep, name); r.Status != Skipped || r.Detail == "" {
			t.Errorf("%s: %+v, want skipped with a reason", name, r)
		}
	}
	if r := mustResult(t, rep, CheckOutbox); r.Status != OK || !strings.Contains(r.Detail, "no queue yet") {
		t.Errorf("outbox: %+v", r)
	}
	d := mustResult(t, rep, CheckDistrict)
	if d.Status != Fail || !strings.Contains(d.Detail, "not enrolled") || !strings.Contains(d.Fix, "kioskctl provision") {
		t.Errorf("district: %+v", d)
	}
	if c := mustResult(t, rep, CheckClock); c.Status != OK || !strings.Contains(c.Detail, "not compared") {
		t.Errorf("clock: %+v", c)
	}
	if !rep.Failed() || rep.Terminal != "HALL-0042" || rep.KioskRunning {
		t.Errorf("report %+v", rep)
	}
}

// Devices configured but not there fail at once, each with a fix that
// sends the technician to the cable and the device scan; nothing hangs.
func TestSelftestMissingDevices(t *testing.T) {
	cfg := bareConfig(t)
	cfg.IDCard.Port = filepath.Join(cfg.DataDir, "no-reader")
	cfg.Printer.Device = "serial:" + filepath.Join(cfg.DataDir, "no-printer") + ":9600"
	cfg.Camera.Face = "/dev/v4l/by-id/usb-Nobody_No_Camera_0000-video-index0"
	cfg.Camera.Document = "usb:1d6b:ffee"
	start := time.Now()
	rep := Run(context.Background(), cfg, Options{})
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("missing devices took %v", took)
	}
	for _, name := range []string{CheckIDCard, CheckPrinter, CheckFaceCamera, CheckDocumentCamera} {
		r := mustResult(t, rep, name)
		if r.Status != Fail || !strings.Contains(r.Fix, "cable") || !strings.Contains(r.Fix, "kioskctl devices scan") {
			t.Errorf("%s: %+v, want a failure sending to the cable and the device scan", name, r)
		}
	}
	if r := mustResult(t, rep, CheckTestPage); r.Status != Skipped {
		t.Errorf("test page on a missing printer: %+v", r)
	}
}

func TestClockCheck(t *testing.T) {
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		now  time.Time
		ans  answer
		want Status
		in   string
	}{
		{"before the build", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), answer{}, Fail, "before this software was built"},
		{"decades on", time.Date(2070, 1, 1, 0, 0, 0, 0, time.UTC), answer{}, Fail, "cannot be right"},
		{"not compared", now, answer{}, OK, "not compared"},
		{"close", now, answer{dated: true, local: now, server: now.Add(-40 * time.Second)}, OK, "within 40s"},
		{"ahead", now, answer{dated: true, local: now, server: now.Add(-3 * time.Minute)}, Warn, "3m0s ahead of"},
		{"behind", now, answer{dated: true, local: now, server: now.Add(10 * time.Minute)}, Warn, "10m0s behind"},
	} {
		r := checkClock(tc.now, 2026, tc.ans)
		if r.Status != tc.want || !strings.Contains(r.Detail, tc.in) {
			t.Errorf("%s: %+v, want %s with %q", tc.name, r, tc.want, tc.in)
		}
		if (r.Status == Fail || r.Status == Warn) && !strings.Contains(r.Fix, "timedatectl") {
			t.Errorf("%s: fix %q", tc.name, r.Fix)
		}
	}
	// Run uses the clock it is given.
	rep := Run(context.Background(), bareConfig(t), Options{Now: func() time.Time { return time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC) }})
	if r := mustResult(t, rep, CheckClock); r.Status != Fail {
		t.Errorf("a 2019 clock: %+v", r)
	}
}

// submitUntil fills a real outbox with sealed records until it uses at
// least target bytes.
func submitUntil(t *testing.T, dir string, target int64) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	secret, err := outbox.LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := outbox.Open(outbox.Options{Dir: dir, Recipients: []age.Recipient{id.Recipient()}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	photo := make([]byte, 40<<10)
	for i := 0; s.Usage().Used < target; i++ {
		if i > 200 {
			t.Fatalf("the outbox uses only %d bytes after %d records", s.Usage().Used, i)
		}
		rand.Read(photo)
		_, err := s.Submit(context.Background(), outbox.Submission{Kind: outbox.Application, Personal: []byte(`{"form":"x"}`),
			Attachments: []outbox.Attachment{{Name: "photo", Data: bytes.NewReader(photo)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The queue's disk use is measured against its budget: a warning near it,
// a failure at it, each with what to do.
func TestSelftestOutboxBudget(t *testing.T) {
	cfg := bareConfig(t)
	cfg.Outbox.BudgetMiB = 1 // below what a real configuration allows, to fill it quickly
	submitUntil(t, cfg.DataDir, 94*(1<<20)/100)
	r := checkOutbox(cfg, false)
	if r.Status != Warn || !strings.Contains(r.Detail, "near the budget") || !strings.Contains(r.Fix, "kioskctl queue export") {
		t.Fatalf("near the budget: %+v", r)
	}
	if !strings.Contains(r.Detail, "records waiting") {
		t.Errorf("detail lacks the counts: %q", r.Detail)
	}
	submitUntil(t, cfg.DataDir, 1<<20)
	if r := checkOutbox(cfg, false); r.Status != Fail || !strings.Contains(r.Detail, "full") {
		t.Fatalf("at the budget: %+v", r)
	}
	cfg.Outbox.BudgetMiB = 2048
	if r := checkOutbox(cfg, false); r.Status != OK {
		t.Fatalf("well within the budget: %+v", r)
	}
	// A damaged store the kiosk set aside is worth telling the district.
	os.WriteFile(filepath.Join(cfg.DataDir, "outbox.db.corrupt-20261101T000000Z"), []byte("x"), 0o600)
	if r := checkOutbox(cfg, false); r.Status != Warn || !strings.Contains(r.Detail, "set aside") || !strings.Contains(r.Fix, "district") {
		t.Fatalf("a store set aside: %+v", r)
	}
}

// holdLock takes the data folder's lock as a running kiosk does.
func holdLock(t *testing.T, dir string, pid int) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, datalock.File), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	f.WriteString(strconv.Itoa(pid) + "\n")
}

// While the kiosk runs, its devices are left alone and the fix says how to
// test them; the queue is measured from its files.
func TestSelftestWhileKioskRuns(t *testing.T) {
	cfg := bareConfig(t)
	cfg.IDCard.Port = "/dev/yizhan/idcard"
	cfg.Printer.Device = "usb"
	cfg.Camera.Face = "sim:face"
	submitUntil(t, cfg.DataDir, 1)
	if _, running := datalock.Holder(cfg.DataDir); running {
		t.Fatal("a kiosk runs before the lock is taken")
	}
	holdLock(t, cfg.DataDir, 4242)
	rep := Run(context.Background(), cfg, Options{})
	if !rep.KioskRunning || rep.KioskPID != 4242 {
		t.Fatalf("kiosk running %v pid %d", rep.KioskRunning, rep.KioskPID)
	}
	for _, name := range []string{CheckIDCard, CheckPrinter, CheckTestPage, CheckFaceCamera} {
		r := mustResult(t, rep, name)
		if r.Status != Warn || !strings.Contains(r.Detail, "pid 4242") || !strings.Contains(r.Fix, "systemctl stop yizhan-kiosk") {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if r := mustResult(t, rep, CheckDocumentCamera); r.Status != Skipped {
		t.Errorf("unconfigured camera: %+v", r)
	}
	if r := mustResult(t, rep, CheckOutbox); r.Status != OK || !strings.Contains(r.Detail, "running kiosk holds the queue") {
		t.Errorf("outbox: %+v", r)
	}
}

// testDistrict is a real district on loopback whose clock can be moved.
type testDistrict struct {
	d      *district.District
	url    string
	offset *atomic.Int64 // added to the district's clock
	stop   func()
}

func startDistrict(t *testing.T) testDistrict {
	t.Helper()
	offset := new(atomic.Int64)
	d, err := district.Open(district.Options{Dir: t.TempDir(), Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		d.Serve(ctx, ln)
	}()
	stop := func() {
		cancel()
		<-served
	}
	// One handshake proves the server runs and has made its certificate
	// (with the district's clock as it is now, before a test moves it).
	// Only readiness is checked here, so the certificate is not.
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	conn.Close()
	t.Cleanup(func() {
		stop()
		d.Close()
	})
	return testDistrict{d: d, url: "https://" + ln.Addr().String(), offset: offset, stop: stop}
}

// enroll enrolls the terminal of cfg with the district, as kioskctl
// provision does.
func enroll(t *testing.T, td testDistrict, cfg config.Config) {
	t.Helper()
	tok, err := td.d.NewToken("一楼大厅", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = client.Enroll(ctx, client.EnrollOptions{Backend: td.url, Token: tok, TerminalID: cfg.TerminalID,
		Dir: client.IdentityDir(cfg.DataDir), KeysPath: cfg.Outbox.DistrictKeys})
	if err != nil {
		t.Fatal(err)
	}
}

// Enrolled with a real district over mutual TLS: reachable, the clock
// compared with the district's, the certificate valid for years. Then the
// district revokes the terminal, and then stops: each says what to do.
func TestSelftestDistrict(t *testing.T) {
	td := startDistrict(t)
	cfg := bareConfig(t)
	enroll(t, td, cfg)
	rep := Run(context.Background(), cfg, Options{})
	if r := mustResult(t, rep, CheckDistrict); r.Status != OK || !strings.Contains(r.Detail, "mutual TLS") {
		t.Fatalf("district: %+v", r)
	}
	if r := mustResult(t, rep, CheckClock); r.Status != OK || !strings.Contains(r.Detail, "of the district's clock") {
		t.Errorf("clock: %+v", r)
	}
	if r := mustResult(t, rep, CheckCertificate); r.Status != OK || !strings.Contains(r.Detail, "valid until") {
		t.Errorf("certificate: %+v", r)
	}

	// The terminal's clock 5 minutes fast: the district's Date tells.
	rep = Run(context.Background(), cfg, Options{Now: func() time.Time { return time.Now().Add(5 * time.Minute) }})
	if r := mustResult(t, rep, CheckClock); r.Status != Warn || !strings.Contains(r.Detail, "ahead of the district's") {
		t.Errorf("fast clock: %+v", r)
	}

	// A configuration naming another terminal than the enrollment.
	other := cfg
	other.TerminalID = "HALL-0099"
	if r := mustResult(t, Run(context.Background(), other, Options{}), CheckCertificate); r.Status != Warn || !strings.Contains(r.Fix, "HALL-0042") {
		t.Errorf("terminal id mismatch: %+v", r)
	}

	if err := td.d.Revoke(cfg.TerminalID); err != nil {
		t.Fatal(err)
	}
	rep = Run(context.Background(), cfg, Options{})
	if r := mustResult(t, rep, CheckDistrict); r.Status != Fail || !strings.Contains(r.Detail, "revoked") || !strings.Contains(r.Fix, "provision --force") {
		t.Errorf("revoked: %+v", r)
	}

	td.stop()
	start := time.Now()
	rep = Run(context.Background(), cfg, Options{NetworkTimeout: 3 * time.Second})
	if r := mustResult(t, rep, CheckDistrict); r.Status != Fail || !strings.Contains(r.Detail, "nothing answers") || r.Fix == "" {
		t.Errorf("district down: %+v", r)
	}
	if r := mustResult(t, rep, CheckClock); r.Status != OK || !strings.Contains(r.Detail, "not compared") {
		t.Errorf("clock with the district down: %+v", r)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("an unreachable district took %v", took)
	}
}

// A certificate the district issued years ago, expiring in ten days: the
// district still answers, and the certificate check warns in time.
func TestSelftestCertificateNearExpiry(t *testing.T) {
	td := startDistrict(t)
	cfg := bareConfig(t)
	// The district certifies for five years; with its clock five years
	// back less ten days, the certificate it makes now runs out in ten.
	td.offset.Store(int64(-5*365*24*time.Hour + 10*24*time.Hour))
	enroll(t, td, cfg)
	td.offset.Store(0)

	id, err := client.LoadIdentity(client.IdentityDir(cfg.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := Certificate(id)
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(leaf.NotAfter); left < 9*24*time.Hour || left > 11*24*time.Hour {
		t.Fatalf("the certificate has %v left; the district's validity changed?", left)
	}
	rep := Run(context.Background(), cfg, Options{})
	if r := mustResult(t, rep, CheckDistrict); r.Status != OK {
		t.Errorf("district: %+v", r)
	}
	r := mustResult(t, rep, CheckCertificate)
	if r.Status != Warn || !strings.Contains(r.Detail, "expires on") || !strings.Contains(r.Fix, "districtd token new --terminal HALL-0042") {
		t.Fatalf("certificate near expiry: %+v", r)
	}
	if rep.Failed() {
		t.Errorf("a warning failed the self-test: %+v", rep.Results)
	}

	// Eleven days on, it has expired.
	later := func() time.Time { return time.Now().Add(11 * 24 * time.Hour) }
	if r := checkCertificate(id, nil, cfg, later()); r.Status != Fail || !strings.Contains(r.Detail, "expired") {
		t.Errorf("expired: %+v", r)
	}
}

// A self-test interrupted (Ctrl-C in kioskctl) ends at once, every check
// still reported.
func TestSelftestInterrupted(t *testing.T) {
	cfg := bareConfig(t)
	cfg.IDCard.Port = filepath.Join(cfg.DataDir, "no-reader")
	cfg.Camera.Face, cfg.Camera.Document = "sim:face", "sim:document"
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	rep := Run(ctx, cfg, Options{})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("an interrupted self-test took %v", took)
	}
	if len(rep.Results) != 11 {
		t.Fatalf("%d results", len(rep.Results))
	}
	for _, name := range []string{CheckIDCard, CheckFaceCamera, CheckDocumentCamera} {
		if r := mustResult(t, rep, name); r.Status != Skipped || !strings.Contains(r.Detail, "interrupted") {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

// TestScannerCheck: a scanner on its port opens; a missing one fails with
// what to do; while the kiosk runs it is not touched.
func TestScannerCheck(t *testing.T) {
	sim, err := scannersim.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	if r := checkScanner(config.Scanner{Device: "serial:" + sim.Path()}); r.Status != OK {
		t.Errorf("a scanner there: %+v", r)
	}
	missing := filepath.Join(t.TempDir(), "scanner")
	if r := checkScanner(config.Scanner{Device: "serial:" + missing}); r.Status != Fail || !strings.Contains(r.Detail, "missing") || !strings.Contains(r.Fix, "kioskctl scanner read") {
		t.Errorf("a missing scanner: %+v", r)
	}
	cfg := bareConfig(t)
	cfg.Scanner.Device = "serial:" + sim.Path()
	if r := heldDevices(cfg, 42)[5]; r.Name != CheckScanner || r.Status != Warn {
		t.Errorf("while the kiosk runs: %+v", r)
	}
}

// The A4 printer is asked through its print system, the kiosk running or
// not: ready, a stopped queue, a missing queue, each with its fix.
func TestSelftestA4Printer(t *testing.T) {
	c := cupstest.Start(t)
	cfg := bareConfig(t)
	check := func() Result {
		cfg.A4Printer.Device = c.URI
		return checkA4Printer(context.Background(), cfg.A4Printer, Options{}.withDefaults())
	}
	if r := check(); r.Status != OK {
		t.Fatalf("a ready queue: %+v", r)
	}
	c.Run("cupsdisable", cupstest.Queue)
	if r := check(); r.Status != Fail || !strings.Contains(r.Fix, "cupsenable") {
		t.Fatalf("a stopped queue: %+v", r)
	}
	cfg.A4Printer.Device = strings.Replace(c.URI, cupstest.Queue, "gone", 1)
	if r := checkA4Printer(context.Background(), cfg.A4Printer, Options{}.withDefaults()); r.Status != Fail || !strings.Contains(r.Fix, "lpadmin") {
		t.Fatalf("a missing queue: %+v", r)
	}
}
