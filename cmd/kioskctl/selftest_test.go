package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupssim"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupstest"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/printer/printersim"
	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
	"github.com/yizhan-kiosk/yizhan/devices/scanner/scannersim"
	"github.com/yizhan-kiosk/yizhan/kiosk/harness"
	"github.com/yizhan-kiosk/yizhan/kiosk/selftest"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// selftestDistrict serves a real district on loopback for the test and
// returns it with its address.
func selftestDistrict(t *testing.T) (*district.District, string) {
	t.Helper()
	return harness.StartDistrict(context.Background(), t)
}

// selftestTerminal writes a terminal's configuration into a new data
// folder with the devices given as TOML sections, and returns its path
// and the folder.
func selftestTerminal(t *testing.T, devices string) (cfgPath, data string) {
	t.Helper()
	data = t.TempDir()
	cfgPath = filepath.Join(data, "kiosk.toml")
	text := `terminal_id = "HALL-0042"
district = "示范区政务服务中心"
site = "一楼大厅"
data_dir = "` + data + `"
` + devices + `
[outbox]
district_keys = "` + filepath.Join(data, "district.pub") + `"
`
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, data
}

func selftestJSON(t *testing.T, out []byte) selftest.Report {
	t.Helper()
	var rep selftest.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("not a report: %v\n%s", err, out)
	}
	return rep
}

// A terminal on simulators — the pty card reader and printer, the
// simulated cameras — enrolled with a real district on loopback: every
// check passes and the test page comes out. Then the reader is pulled and
// the printer runs out of paper: both fail, each with its fix, and the
// exit status is 1.
func TestSelftestOnSimulators(t *testing.T) {
	reader := idcardsim.New()
	readerPTY, err := idcardsim.ServePTY(reader, filepath.Join(t.TempDir(), "idcard"))
	if err != nil {
		t.Fatal(err)
	}
	defer readerPTY.Close()
	prn := printersim.New()
	prnPTY, err := printersim.ServePTY(prn)
	if err != nil {
		t.Fatal(err)
	}
	defer prnPTY.Close()
	scan, err := scannersim.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer scan.Close()
	// The A4 printer, where this machine can run the virtual one (root,
	// CUPS installed); skipped otherwise, as on a terminal without one.
	a4 := ""
	if len(cupssim.Missing()) == 0 && os.Geteuid() == 0 {
		a4 = cupstest.Start(t).URI
	}
	cfgPath, _ := selftestTerminal(t, `[a4printer]
device = "`+a4+`"
[idcard]
port = "`+readerPTY.Path()+`"
[printer]
device = "serial:`+prnPTY.Path()+`:115200"
[scanner]
device = "serial:`+scan.Path()+`"
[camera]
face = "sim:face"
document = "sim:document"
`)
	d, backend := selftestDistrict(t)
	token, err := d.NewToken("一楼大厅", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"provision", "--backend", backend, "--token", token, "--config", cfgPath}, nil, &out, &errOut); err != nil {
		t.Fatalf("provision: %v\n%s", err, errOut.String())
	}

	out.Reset()
	if err := run([]string{"selftest", "--config", cfgPath, "--json"}, nil, &out, &errOut); err != nil {
		t.Fatalf("selftest on working simulators: %v\n%s", err, out.String())
	}
	rep := selftestJSON(t, out.Bytes())
	if len(rep.Results) != 11 {
		t.Fatalf("%d checks: %+v", len(rep.Results), rep.Results)
	}
	for _, r := range rep.Results {
		if r.Status != selftest.OK && !(r.Name == selftest.CheckA4Printer && a4 == "" && r.Status == selftest.Skipped) {
			t.Errorf("%s: %s (%s), want ok", r.Name, r.Status, r.Detail)
		}
	}
	page, err := virtual.Print(prn.Received(), printer.Profile80.Dots)
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(page.Lines, "\n"); !strings.Contains(text, "打印测试页") || !strings.Contains(text, "HALL-0042") || page.Cuts != 1 {
		t.Errorf("the test page printed %d cuts:\n%s", page.Cuts, text)
	}

	// The readable list, without printing again.
	prn.Reset()
	out.Reset()
	if err := run([]string{"selftest", "--config", cfgPath, "--no-print"}, nil, &out, &errOut); err != nil {
		t.Fatalf("selftest --no-print: %v\n%s", err, out.String())
	}
	for _, want := range []string{"✓ idcard", "✓ printer", "- printer.test_page", "✓ camera.face", "✓ camera.document", "✓ district", "✓ certificate", "✓ clock", "0 failed"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the list lacks %q:\n%s", want, out.String())
		}
	}
	if got := prn.Received(); bytes.Contains(got, []byte{0x1d, 0x56}) {
		t.Error("--no-print cut paper")
	}

	// The reader pulled out, the printer out of paper.
	readerPTY.Unplug()
	prn.SetStatus([4]byte{0x12, 0x32, 0x12, 0x72})
	out.Reset()
	err = run([]string{"selftest", "--config", cfgPath}, nil, &out, &errOut)
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "idcard") || !strings.Contains(err.Error(), "printer") {
		t.Fatalf("err = %v, want a failure (exit status 1) naming idcard and printer\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"✗ idcard", "✗ printer", "- printer.test_page", "✓ camera.face", "✓ district",
		"fix: check the cable and the power of the ID-card reader", "`kioskctl devices scan`", "fix: load a new paper roll", "2 failed"} {
		if !strings.Contains(text, want) {
			t.Errorf("the list lacks %q:\n%s", want, text)
		}
	}
	out.Reset()
	if err := run([]string{"selftest", "--config", cfgPath, "--json"}, nil, &out, &errOut); err == nil {
		t.Fatal("--json: no failure")
	}
	rep = selftestJSON(t, out.Bytes())
	for _, name := range []string{selftest.CheckIDCard, selftest.CheckPrinter} {
		if r, _ := rep.Result(name); r.Status != selftest.Fail || r.Fix == "" {
			t.Errorf("%s: %+v", name, r)
		}
	}
	if r, _ := rep.Result(selftest.CheckTestPage); r.Status != selftest.Skipped {
		t.Errorf("test page on a printer without paper: %+v", r)
	}
}

func TestSelftestUsage(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{
		{"selftest", "--frob"},
		{"selftest", "extra", "--json=maybe"},
		{"diag"},
		{"diag", "--out"},
	} {
		if err := run(args, nil, &out, &out); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	// A configuration that does not load is not a usage mistake.
	err := run([]string{"selftest", "--config", filepath.Join(t.TempDir(), "none.toml")}, nil, &out, &out)
	if err == nil || errors.Is(err, errUsage) {
		t.Errorf("missing configuration: %v", err)
	}
}
