package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const good = `# a hall terminal
terminal_id = "HALL-0007"
district = "东城区政务服务中心"
site = "24小时自助服务厅"
language = "zh"
data_dir = "/var/lib/yizhan"

[idle]
timeout = "2m"
elderly_timeout = "4m"
countdown = "20s"

[idcard]
port = "/dev/yizhan/idcard"
baud = 115200
photo_decoder = ""
photo_decoder_timeout = "3s"

[printer]
device = "serial:/dev/yizhan/printer:9600"
profile = "58mm"
native_qr = false

[outbox]
district_keys = "/etc/yizhan/district.pub"
budget_mib = 4096
retention = "720h"

[camera]
face = "/dev/v4l/by-id/usb-Face_Camera_0001-video-index0"
document = "usb:0ac8:3610"
face_size = "640x480"
document_size = ""
quality = 90
matcher = ""
matcher_timeout = "5s"
match_threshold = 0.8
`

func TestParseGood(t *testing.T) {
	c, err := Parse("kiosk.toml", []byte(good), Default())
	if err != nil {
		t.Fatal(err)
	}
	if c.TerminalID != "HALL-0007" || c.District != "东城区政务服务中心" {
		t.Errorf("got %+v", c)
	}
	if c.Idle.Timeout.Duration != 2*time.Minute || c.Idle.ElderlyTimeout.Duration != 4*time.Minute || c.Idle.Countdown.Duration != 20*time.Second {
		t.Errorf("idle = %+v", c.Idle)
	}
}

func TestParseKeepsDefaultsForMissingKeys(t *testing.T) {
	c, err := Parse("kiosk.toml", []byte("terminal_id = \"T1\"\ndistrict = \"某区\"\n"), Default())
	if err != nil {
		t.Fatal(err)
	}
	if c.Idle.Timeout.Duration != 90*time.Second || c.Idle.ElderlyTimeout.Duration != 180*time.Second || c.Idle.Countdown.Duration != 15*time.Second {
		t.Errorf("idle defaults = %+v, want 90s/180s/15s", c.Idle)
	}
	if c.Language != "zh" {
		t.Errorf("language = %q, want zh", c.Language)
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name, edit, wantKey string
		wantLine            int
	}{
		{"unknown key", "timeout = \"2m\"\nsaver = true", "idle.saver", 10},
		{"unknown top key", "terminal_id = \"HALL-0007\"\nkiosk_mode = 1", "kiosk_mode", 3},
		{"bad duration", "timeout = \"two minutes\"", "", 9},
		{"too short", "timeout = \"2s\"", "idle.timeout", 9},
		{"elderly shorter", "elderly_timeout = \"1m\"", "idle.elderly_timeout", 10},
		{"countdown long", "countdown = \"5m\"", "idle.countdown", 11},
		{"bad id", "terminal_id = \"HALL 7\"", "terminal_id", 2},
		{"bad language", "language = \"fr\"", "language", 5},
		{"receipt url", "language = \"zh\"\nreceipt_url = \"http://x/{receipt}\"", "receipt_url", 6},
		{"receipt url host not ascii", "language = \"zh\"\nreceipt_url = \"https://政务.example/q/{receipt}\"", "receipt_url", 6},
		{"syntax", "district = \"unterminated", "", 3},
		{"relative port", "port = \"ttyUSB0\"", "idcard.port", 14},
		{"port and usb", "port = \"/dev/ttyUSB0\"\nusb = \"0400:c35a\"", "idcard.usb", 15},
		{"bad baud", "baud = 12345", "idcard.baud", 15},
		{"bad decoder timeout", "photo_decoder_timeout = \"1h\"", "idcard.photo_decoder_timeout", 17},
		{"bad printer device", "device = \"lp0\"", "printer.device", 20},
		{"bad printer profile", "profile = \"76mm\"", "printer.profile", 21},
		{"tiny budget", "budget_mib = 10", "outbox.budget_mib", 26},
		{"short retention", "retention = \"1h\"", "outbox.retention", 27},
		{"camera by number", "face = \"video0\"", "camera.face", 30},
		{"camera by bare usb id", "face = \"046d:0825\"", "camera.face", 30},
		{"one camera named two ways", "document = \"usb-Face_Camera_0001-video-index0\"", "camera.document", 31},
		{"camera usb id", "document = \"usb:0ac8\"", "camera.document", 31},
		{"one camera twice", "document = \"/dev/v4l/by-id/usb-Face_Camera_0001-video-index0\"", "camera.document", 31},
		{"bad face size", "face_size = \"640\"", "camera.face_size", 32},
		{"low quality", "quality = 20", "camera.quality", 34},
		{"relative matcher", "matcher = \"facematch\"", "camera.matcher", 35},
		{"simulated matcher with a real camera", "matcher = \"sim\"", "camera.matcher", 35},
		{"threshold", "match_threshold = 1.5", "camera.match_threshold", 37},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := editLine(good, tc.edit)
			_, err := Parse("kiosk.toml", []byte(in), Default())
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			if ce.Key != tc.wantKey || ce.Line != tc.wantLine || ce.File != "kiosk.toml" || ce.Reason == "" {
				t.Fatalf("err = %q (key %q line %d), want key %q line %d", err, ce.Key, ce.Line, tc.wantKey, tc.wantLine)
			}
			if !strings.HasPrefix(err.Error(), "config: kiosk.toml:") {
				t.Errorf("message %q does not start with the file and line", err)
			}
		})
	}
}

// editLine replaces the line of good that sets the same key as the first
// line of edit, and adds any further lines of edit after it.
func editLine(base, edit string) string {
	first, rest, _ := strings.Cut(edit, "\n")
	key, _, _ := strings.Cut(first, "=")
	lines := strings.Split(base, "\n")
	for i, l := range lines {
		if k, _, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == strings.TrimSpace(key) {
			lines[i] = first
			if rest != "" {
				lines[i] += "\n" + rest
			}
			break
		}
	}
	return strings.Join(lines, "\n")
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.toml"), Default())
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}

func TestDemoAndExampleAreValid(t *testing.T) {
	if err := Demo().Check(); err != nil {
		t.Fatalf("demo config: %v", err)
	}
	if err := Default().Check(); err == nil {
		t.Fatal("default config has no terminal id and must not pass on its own")
	}
	// The annotated example that ships in the package must load as it is.
	if _, err := Load(filepath.Join("..", "..", "packaging", "kiosk.toml"), Default()); err != nil {
		t.Fatalf("packaging/kiosk.toml: %v", err)
	}
}

// Whatever the file holds, Parse returns a checked configuration or a
// *config.Error; it never panics.
func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("terminal_id = \"T1\"\ndistrict = \"某区\"\n[idle]\ntimeout = \"1m\"\n"))
	f.Add([]byte("[printer]\ndevice = \"usb:0416:5011\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("kiosk.toml", data, Default())
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			return
		}
		if err := c.Check(); err != nil {
			t.Fatalf("Parse accepted a configuration that fails Check: %v", err)
		}
	})
}

func TestSiteKind(t *testing.T) {
	c, err := Parse("kiosk.toml", []byte(good), Default())
	if err != nil || c.SiteKind != "hall" {
		t.Fatalf("default site kind %q, %v", c.SiteKind, err)
	}
	in := strings.Replace(good, "language = \"zh\"", "language = \"zh\"\nsite_kind = \"bank\"", 1)
	if c, err := Parse("kiosk.toml", []byte(in), Default()); err != nil || c.SiteKind != "bank" {
		t.Fatalf("bank: %q, %v", c.SiteKind, err)
	}
	in = strings.Replace(good, "language = \"zh\"", "language = \"zh\"\nsite_kind = \"mall\"", 1)
	var ce *Error
	if _, err := Parse("kiosk.toml", []byte(in), Default()); !errors.As(err, &ce) || ce.Key != "site_kind" || ce.Line != 6 {
		t.Fatalf("mall: %v", err)
	}
}

// A receipt address with Chinese in its path or query is kept, written as
// the %XX a browser sends: the receipt's QR code carries ASCII only.
func TestReceiptURLPathIsPercentEncoded(t *testing.T) {
	c, err := Parse("kiosk.toml", []byte("receipt_url = \"https://zwfw.example.gov.cn/查询?编号={receipt}\"\n"), Demo())
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://zwfw.example.gov.cn/%E6%9F%A5%E8%AF%A2?%E7%BC%96%E5%8F%B7={receipt}"; c.ReceiptURL != want {
		t.Fatalf("receipt_url %q, want %q", c.ReceiptURL, want)
	}
}

func TestScannerDevice(t *testing.T) {
	lines := strings.Count(good, "\n")
	for dev, wantErr := range map[string]bool{
		"serial:/dev/ttyACM0": false, "serial:/dev/ttyUSB0:115200": false, "evdev:/dev/input/by-id/usb-X-event-kbd": false,
		"ttyACM0": true, "serial:/dev/ttyACM0:1234": true, "evdev:event3": true, "usb": true,
	} {
		c, err := Parse("kiosk.toml", []byte(good+"[scanner]\ndevice = \""+dev+"\"\n"), Default())
		var ce *Error
		switch {
		case !wantErr && (err != nil || c.Scanner.Device != dev):
			t.Errorf("%q: %v %q", dev, err, c.Scanner.Device)
		case wantErr && (!errors.As(err, &ce) || ce.Key != "scanner.device" || ce.Line != lines+2):
			t.Errorf("%q: %v, want an error at scanner.device line %d", dev, err, lines+2)
		}
	}
}

// The A4 printer's name and patience are checked like the other devices'.
func TestA4PrinterSection(t *testing.T) {
	for in, key := range map[string]string{
		"[a4printer]\ndevice = \"usb://HP/LaserJet\"\n": "a4printer.device",
		"[a4printer]\ndevice = \"cups:a b\"\n":          "a4printer.device",
		"[a4printer]\npatience = \"5s\"\n":              "a4printer.patience",
	} {
		_, err := Parse("kiosk.toml", []byte(good+in), Default())
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%q: %v, want a problem with %s", in, err, key)
		}
	}
	c, err := Parse("kiosk.toml", []byte(good+"[a4printer]\ndevice = \"cups:a4\"\n"), Default())
	if err != nil || c.A4Printer.Device != "cups:a4" || c.A4Printer.Patience.Duration != 3*time.Minute {
		t.Fatalf("a good section: %+v %v", c.A4Printer, err)
	}
}
