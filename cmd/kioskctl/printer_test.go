package main

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/printer/printersim"
	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
)

// The example in docs/receipt.md is a receipt that prints.
func docExample(t *testing.T) []byte {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "receipt.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("docs/receipt.md has no JSON example")
	}
	return []byte(example)
}

func TestPrintDocExampleToPNG(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "receipt.json")
	if err := os.WriteFile(file, docExample(t), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "receipt.png")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"print", "--to", "png:" + out, "--receipt", file, "--profile", "58mm"}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("%v (%s)", err, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 384 || img.Bounds().Dy() < 300 {
		t.Fatalf("receipt picture %v", img.Bounds())
	}
}

func TestPrinterCommandsOnSimulatedSerialPrinter(t *testing.T) {
	sim := printersim.New()
	p, err := printersim.ServePTY(sim)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	dev := "serial:" + p.Path() + ":115200"
	var stdout, stderr bytes.Buffer
	if err := run([]string{"printer", "status", "--device", dev}, nil, &stdout, &stderr); err != nil || !strings.Contains(stdout.String(), "online") {
		t.Fatalf("status: %v %q", err, stdout.String())
	}
	if err := run([]string{"printer", "test", "--device", dev, "--terminal", "HALL-0007"}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("test page: %v", err)
	}
	got, err := virtual.Print(sim.Received(), printer.Profile80.Dots)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(got.Lines, "\n")
	for _, want := range []string{"打印测试页", "HALL-0007", "80mm", "镕堃喆昇赟玥珺祎犇淼垚鑫燊彧"} {
		if !strings.Contains(text, want) {
			t.Errorf("test page lacks %q:\n%s", want, text)
		}
	}
	if got.Cuts != 1 {
		t.Errorf("test page cut %d times", got.Cuts)
	}

	sim.SetStatus([4]byte{0x12, 0x32, 0x12, 0x72}) // paper out
	stdout.Reset()
	err = run([]string{"printer", "status", "--device", dev, "--json"}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), `"state":"userError"`) || !strings.Contains(stdout.String(), "replace paper") {
		t.Fatalf("paper out: %v %s", err, stdout.String())
	}
	if err := run([]string{"printer", "test", "--device", dev}, nil, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("test page on a printer without paper: %v", err)
	}
}

func TestPrinterUsage(t *testing.T) {
	var out bytes.Buffer
	for _, args := range [][]string{
		{"printer", "status"},
		{"printer", "status", "--device", "lp0"},
		{"printer", "test", "--device", "png:/tmp/x.png", "--profile", "76mm"},
		{"print", "--device", "png:/tmp/x.png"},
	} {
		if err := run(args, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"blocks":[{"type":"text","text":"x"},{"type":"poem"}]}`), 0o600)
	err := run([]string{"print", "--device", "png:/tmp/x.png", "--receipt", bad}, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "block 2") {
		t.Errorf("bad receipt: %v", err)
	}
}

// A technician captures the test page to a file that is not there yet.
func TestPrinterTestCapturesToANewFile(t *testing.T) {
	capture := filepath.Join(t.TempDir(), "receipt.bin")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"printer", "test", "--device", "file:" + capture, "--terminal", "HALL-7"}, nil, &stdout, &stderr); err != nil {
		t.Fatalf("%v (%s)", err, stderr.String())
	}
	data, err := os.ReadFile(capture)
	if err != nil {
		t.Fatal(err)
	}
	page, err := virtual.Print(data, printer.Profile80.Dots)
	if err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(page.Lines, "\n"); !strings.Contains(text, "打印测试页") || !strings.Contains(text, "HALL-7") {
		t.Fatalf("the capture is not the test page:\n%s", text)
	}
}

// The test page's code carries the terminal id, which is ASCII: a name in
// Chinese is refused before anything prints.
func TestPrinterTestRefusesATerminalIDThatIsNoID(t *testing.T) {
	capture := filepath.Join(t.TempDir(), "receipt.bin")
	err := run([]string{"printer", "test", "--device", "file:" + capture, "--terminal", "大厅7"}, nil, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "terminal id") {
		t.Fatalf("--terminal 大厅7: %v", err)
	}
	if _, err := os.Stat(capture); err == nil {
		t.Fatal("something was printed")
	}
}
