package config

import (
	"errors"
	"strings"
	"testing"
)

// The whole message a technician reads for each kind of bad file: the
// file, the line, the key and the reason. (TestParseRejects checks the
// key and line of every check; this checks what is said.)
func TestParseErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"unknown key", editLine(good, "timeout = \"2m\"\nsaver = true"),
			"config: kiosk.toml:10: idle.saver: unknown key"},
		{"unknown table", good + "\n[screen]\nbrightness = 3\n",
			"config: kiosk.toml:39: screen: unknown key"},
		{"relative idcard port", editLine(good, "port = \"ttyUSB0\""),
			"config: kiosk.toml:14: idcard.port: must be an absolute path such as /dev/yizhan/idcard"},
		{"relative photo decoder", editLine(good, "photo_decoder = \"wltdecode\""),
			"config: kiosk.toml:16: idcard.photo_decoder: must be an absolute path"},
		{"relative serial printer", editLine(good, "device = \"serial:ttyUSB0\""),
			`config: kiosk.toml:20: printer.device: device "serial:ttyUSB0": want serial:/dev/PATH[:BAUD]`},
		{"camera path not clean", editLine(good, "face = \"/dev/v4l/../video0\""),
			`config: kiosk.toml:30: camera.face: "/dev/v4l/../video0" is not a camera id: a path must be a clean absolute path under /dev`},
		{"display hours", good + "\n[display]\nhours = \"7-22\"\n",
			`config: kiosk.toml:40: display.hours: "7-22": use HH:MM-HH:MM, such as "07:30-21:00", or leave it empty`},
		{"display off too soon", good + "\n[display]\noff_after = \"1s\"\n",
			`config: kiosk.toml:40: display.off_after: 1s is outside 10s to 1h`},
		{"not a duration", editLine(good, "countdown = 20"),
			`config: kiosk.toml:11: not a duration such as "90s" or "3m": "20"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("kiosk.toml", []byte(tc.in), Default())
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v\nwant  %s", err, tc.want)
			}
		})
	}
}

// A value of the wrong type is reported by the TOML decoder in its own
// words; the error still carries the file, the line and the key.
func TestParseWrongTypes(t *testing.T) {
	for _, tc := range []struct {
		edit, key string
		line      string
	}{
		{"baud = \"fast\"", "idcard.baud", "15"},
		{"native_qr = \"yes\"", "printer.native_qr", "22"},
		{"quality = \"high\"", "camera.quality", "34"},
		{"match_threshold = \"high\"", "camera.match_threshold", "37"},
		{"terminal_id = 7", "terminal_id", "2"},
		{"budget_mib = 2.5", "outbox.budget_mib", "26"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			_, err := Parse("kiosk.toml", []byte(editLine(good, tc.edit)), Default())
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "config: kiosk.toml:"+tc.line+": "+tc.key+": ") || ce.Key != tc.key || !strings.Contains(msg, "type") {
				t.Errorf("%q does not say file, line %s, key %s and the type", msg, tc.line, tc.key)
			}
		})
	}
}
