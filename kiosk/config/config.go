// Package config loads the terminal's configuration: one TOML file
// (/etc/yizhan/kiosk.toml unless -config says otherwise). Loading is strict:
// an unknown key or a bad value stops the terminal with the file, the line
// and the reason, so it never starts half-configured. Secrets never live in
// this file.
package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/scanner"
	"github.com/yizhan-kiosk/yizhan/devices/serialline"
	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
	"github.com/yizhan-kiosk/yizhan/kiosk/display"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
)

// DefaultPath is where an installed terminal keeps its configuration.
const DefaultPath = "/etc/yizhan/kiosk.toml"

// Config is the terminal's configuration. The TOML keys are the tags.
type Config struct {
	// TerminalID names this terminal to the district and to technicians.
	TerminalID string `toml:"terminal_id"`
	// District is the name residents see in the title ("某某区政务服务中心").
	District string `toml:"district"`
	// Site is the hall or bank branch where the terminal stands.
	Site string `toml:"site"`
	// DistrictEN and SiteEN are the two names in English, shown to
	// residents who chose English; empty: the Chinese names.
	DistrictEN string `toml:"district_en"`
	SiteEN     string `toml:"site_en"`
	// SiteKind is where the terminal stands: "hall" (a self-service hall)
	// or "bank" (a 政银通办 machine in a bank branch). It chooses the
	// services the district enabled for that kind of site, and whose
	// staff answer a call.
	SiteKind string `toml:"site_kind"`
	// Language is the language every session starts in: "zh" or "en".
	Language string `toml:"language"`
	// ReceiptURL is the address a receipt's QR code opens for the resident
	// to follow their application; "{receipt}" is replaced by the receipt
	// number. "" puts the receipt number alone in the QR code.
	ReceiptURL string `toml:"receipt_url"`
	// DataDir holds the terminal's local store; it must be writable.
	DataDir string  `toml:"data_dir"`
	Idle    Idle    `toml:"idle"`
	IDCard  IDCard  `toml:"idcard"`
	Printer Printer `toml:"printer"`
	Scanner Scanner `toml:"scanner"`
	// A4Printer prints certificates residents take away (CUPS).
	A4Printer A4Printer `toml:"a4printer"`
	// Voice is the spoken guidance.
	Voice   Voice   `toml:"voice"`
	Camera  Camera  `toml:"camera"`
	Outbox  Outbox  `toml:"outbox"`
	Display Display `toml:"display"`
}

// Display is when the screen is on. Outside Hours it is off, a touch
// wakes it, and it goes off again after OffAfter without input.
type Display struct {
	// Hours is "HH:MM-HH:MM" (it may span midnight); "" takes the
	// district's service hours, and with none the screen stays on.
	Hours    string   `toml:"hours"`
	OffAfter Duration `toml:"off_after"`
}

// Camera is the face camera and the document camera (高拍仪), and the
// program that compares a face with the card photo.
type Camera struct {
	// Face and Document name each camera by a stable id: its
	// /dev/v4l/by-id/ path, usb:VID:PID[:SERIAL], or sim:face /
	// sim:document (simulated); "" means the terminal has none.
	Face     string `toml:"face"`
	Document string `toml:"document"`
	// FaceSize is the face photo's size; DocumentSize the documents' (""
	// takes the camera's largest).
	FaceSize     string `toml:"face_size"`
	DocumentSize string `toml:"document_size"`
	// Quality is the JPEG quality of photos kept for applications.
	Quality int `toml:"quality"`
	// Matcher compares the face photo with the card photo: it is run as
	// MATCHER FACE.jpg CARD.png and prints a score from 0 to 1. "" means no
	// comparison: applications say "not compared".
	Matcher        string   `toml:"matcher"`
	MatcherTimeout Duration `toml:"matcher_timeout"`
	// MatchThreshold is the score from which the faces count as the same
	// person.
	MatchThreshold float64 `toml:"match_threshold"`
}

// Outbox is the queue of submissions waiting for the district.
type Outbox struct {
	// DistrictKeys is the file of the district's public keys (age1…, one a
	// line) that everything personal is sealed to; provisioning writes it.
	DistrictKeys string `toml:"district_keys"`
	// BudgetMiB is the disk the queue may use.
	BudgetMiB int `toml:"budget_mib"`
	// Retention is how long an acknowledged record's public part stays.
	Retention Duration `toml:"retention"`
}

// Printer is the receipt printer.
type Printer struct {
	// Device is where the printer is: usb, usb:VID:PID,
	// serial:PATH[:BAUD], file:PATH, tcp:HOST:PORT or png:PATH (the
	// virtual printer); "" means the terminal has none and shows receipts
	// as a QR code on screen.
	Device string `toml:"device"`
	// Profile is the paper: "58mm" or "80mm".
	Profile string `toml:"profile"`
	// NativeQR lets the printer draw QR codes itself; only for models known
	// to do it right.
	NativeQR bool `toml:"native_qr"`
}

// Scanner is the 2D-code scanner residents hold their receipt's QR code
// to.
type Scanner struct {
	// Device is serial:/dev/PATH[:BAUD] (a scanner on a serial or
	// USB-serial line, each code followed by a CR) or evdev:/dev/input/PATH
	// (a USB keyboard wedge); "" means the terminal has none.
	Device string `toml:"device"`
}

// A4Printer is the A4 printer certificates and forms print on, through
// the terminal's print system (CUPS).
type A4Printer struct {
	// Device is "cups:QUEUE" (a queue of the terminal's own cupsd) or
	// "ipp://HOST[:PORT]/PATH"; "" means none: certificates are issued
	// at the counter.
	Device string `toml:"device"`
	// Patience is how long a job may wait on a stopped printer (paper
	// out, a jam) before it is cancelled and the resident told to go to
	// the counter: 30s to 15m.
	Patience Duration `toml:"patience"`
}

// Voice is the spoken guidance: a prompt at each step, through ALSA.
type Voice struct {
	// Mode is when prompts play by themselves: "elderly" (in elderly
	// mode), "always" or "off". The 🔊 button plays one whatever it is.
	Mode string `toml:"mode"`
	// Volume is 0–100 of the recordings' loudness.
	Volume int `toml:"volume"`
	// QuietHours are "HH:MM-HH:MM" when no prompt plays by itself (a
	// branch's quiet hours); "" none.
	QuietHours string `toml:"quiet_hours"`
	// Device is the ALSA device the prompts play on.
	Device string `toml:"device"`
	// Recordings is the folder of the package's recordings (made with
	// espeak-ng when the package is built); the district's own, which
	// come first, are in the data folder's voice/.
	Recordings string `toml:"recordings"`
}

func (v Voice) check() (key, reason string) {
	switch {
	case v.Mode != voice.ModeElderly && v.Mode != voice.ModeAlways && v.Mode != voice.ModeOff:
		return "voice.mode", fmt.Sprintf("%q is not elderly, always or off", v.Mode)
	case v.Volume < 0 || v.Volume > 100:
		return "voice.volume", fmt.Sprintf("%d is outside 0 to 100", v.Volume)
	case v.Device == "" || strings.ContainsAny(v.Device, " \t\n"):
		return "voice.device", "an ALSA device name such as \"default\" or \"plughw:0,0\""
	case v.Recordings == "":
		return "voice.recordings", "the folder of the recordings"
	}
	if _, err := display.ParseSchedule(v.QuietHours); err != nil {
		return "voice.quiet_hours", fmt.Sprintf("%q: use HH:MM-HH:MM, such as \"22:00-07:00\", or leave it empty", v.QuietHours)
	}
	return "", ""
}

func (a A4Printer) check() (key, reason string) {
	if a.Device != "" {
		if _, err := a4printer.ParseDevice(a.Device); err != nil {
			return "a4printer.device", strings.TrimPrefix(err.Error(), "a4printer: ")
		}
	}
	if d := a.Patience.Duration; d < 30*time.Second || d > 15*time.Minute {
		return "a4printer.patience", fmt.Sprintf("%s is outside 30s to 15m", d)
	}
	return "", ""
}

func (s Scanner) check() (key, reason string) {
	if s.Device != "" {
		if _, err := scanner.ParseDevice(s.Device); err != nil {
			return "scanner.device", strings.TrimPrefix(err.Error(), "scanner: ")
		}
	}
	return "", ""
}

// IDCard is the ID-card reader: a serial port or the USB variant of the
// module, and the optional program that decodes card photos.
type IDCard struct {
	// Port is the reader's serial port (/dev/yizhan/idcard); "" with USB
	// also "" means the terminal has no reader.
	Port string `toml:"port"`
	Baud int    `toml:"baud"`
	// USB is VID:PID in hex of the USB variant of the module.
	USB string `toml:"usb"`
	// PhotoDecoder is the program that turns WLT photos into images; ""
	// means photos are not decoded.
	PhotoDecoder        string   `toml:"photo_decoder"`
	PhotoDecoderTimeout Duration `toml:"photo_decoder_timeout"`
}

// Idle says how long the terminal waits for a resident before it asks
// whether they are still there, and how long it then counts down before it
// goes home and clears the session.
type Idle struct {
	Timeout        Duration `toml:"timeout"`
	ElderlyTimeout Duration `toml:"elderly_timeout"`
	Countdown      Duration `toml:"countdown"`
}

// Duration is a time.Duration written in TOML as a string such as "90s".
type Duration struct{ time.Duration }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration such as \"90s\" or \"3m\": %q", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Default returns the configuration of an installed terminal before its file
// is read.
func Default() Config {
	return Config{
		Language: "zh",
		SiteKind: "hall",
		DataDir:  "/var/lib/yizhan",
		Idle: Idle{
			Timeout:        Duration{90 * time.Second},
			ElderlyTimeout: Duration{180 * time.Second},
			Countdown:      Duration{15 * time.Second},
		},
		IDCard:    IDCard{Baud: 115200, PhotoDecoderTimeout: Duration{3 * time.Second}},
		Printer:   Printer{Profile: "80mm"},
		A4Printer: A4Printer{Patience: Duration{3 * time.Minute}},
		Voice:     Voice{Mode: voice.ModeElderly, Volume: 80, Device: "default", Recordings: "/usr/share/yizhan/voice"},
		Camera:    Camera{FaceSize: "640x480", Quality: 90, MatcherTimeout: Duration{5 * time.Second}, MatchThreshold: 0.8},
		Outbox:    Outbox{DistrictKeys: "/etc/yizhan/district.pub", BudgetMiB: 2048, Retention: Duration{30 * 24 * time.Hour}},
		Display:   Display{OffAfter: Duration{time.Minute}},
	}
}

// Demo returns the configuration of a demo terminal: simulated devices and a
// data folder under ./var.
func Demo() Config {
	c := Default()
	c.TerminalID = "DEMO-0001"
	c.District = "示范区政务服务中心"
	c.Site = "24小时自助服务厅"
	c.DistrictEN = "Demonstration District Government Service Centre"
	c.SiteEN = "24-hour self-service hall"
	c.DataDir = "var/demo"
	c.Printer.Device = "png:var/demo/last-receipt.png"
	// The demo's virtual A4 printer: the queue of the private cupsd that
	// make run starts (kioskctl a4 sim).
	c.A4Printer.Device = "ipp://127.0.0.1:8631/printers/" + DemoA4Queue
	c.Camera.Face, c.Camera.Document = "sim:face", "sim:document"
	c.Camera.Matcher = facematch.Simulated
	c.Voice.Recordings = "var/voice" // make run records them with kioskctl voice make
	c.Outbox.DistrictKeys = "var/demo/district.pub"
	return c
}

// DeviceKinds are the devices the terminal has: every terminal's, and
// the code scanner and the A4 printer where they are configured. The
// registry knows these, and the status bar shows them.
func (c Config) DeviceKinds() []devices.Kind {
	kinds := slices.Clone(devices.Kinds)
	if c.Scanner.Device != "" {
		kinds = append(kinds, devices.CodeScanner)
	}
	if c.A4Printer.Device != "" {
		kinds = append(kinds, devices.A4Printer)
	}
	return kinds
}

// DemoA4Queue is the demo's virtual A4 printer queue.
const DemoA4Queue = "yizhan-demo-a4"

// Error is a problem in a configuration file, with where it is.
type Error struct {
	File   string
	Line   int // 0 when the problem has no line (a missing key)
	Key    string
	Reason string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// reDecodeError is how the TOML decoder words a value it cannot store.
var reDecodeError = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]+)"\): (.*)$`)

// Load reads the file at path over base (Default or Demo) and checks it.
func Load(path string, base Config) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, data, base)
}

// Parse reads data (named name in errors) over base and checks the result.
func Parse(name string, data []byte, base Config) (Config, error) {
	c := base
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Config{}, &Error{File: name, Line: pe.Position.Line, Reason: pe.Message}
		}
		// A value of the wrong type comes as text only: take the line and
		// the key back out of it, so it reads like every other problem.
		if m := reDecodeError.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return Config{}, &Error{File: name, Line: line, Key: m[2], Reason: strings.TrimPrefix(m[3], "toml: ")}
		}
		return Config{}, &Error{File: name, Reason: err.Error()}
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		k := undecoded[0].String()
		return Config{}, &Error{File: name, Line: lineOf(data, k), Key: k, Reason: "unknown key"}
	}
	c.ReceiptURL = percentEncodeNonASCII(c.ReceiptURL)
	if key, reason := c.check(); reason != "" {
		return Config{}, &Error{File: name, Line: lineOf(data, key), Key: key, Reason: reason}
	}
	return c, nil
}

// Check reports the first problem in c, for configurations not read from a
// file (Demo, or Default with flags applied).
func (c Config) Check() error {
	if key, reason := c.check(); reason != "" {
		return &Error{File: "(built-in)", Key: key, Reason: reason}
	}
	return nil
}

var terminalIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)

// ValidTerminalID reports whether id is a terminal id: 1 to 32 letters,
// digits or dashes, starting with a letter or digit.
func ValidTerminalID(id string) bool { return terminalIDPattern.MatchString(id) }

// check returns the key at fault and why, or "" when c is good.
func (c Config) check() (key, reason string) {
	switch {
	case c.TerminalID == "":
		return "terminal_id", "missing: every terminal needs an id"
	case !ValidTerminalID(c.TerminalID):
		return "terminal_id", "must be 1 to 32 letters, digits or dashes, starting with a letter or digit"
	case strings.TrimSpace(c.District) == "":
		return "district", "missing: residents see it in the title"
	case len([]rune(c.District)) > 40:
		return "district", "longer than 40 characters: it would not fit the title"
	case len([]rune(c.Site)) > 40:
		return "site", "longer than 40 characters: it would not fit the title"
	case len([]rune(c.DistrictEN)) > 60:
		return "district_en", "longer than 60 characters: it would not fit the title"
	case len([]rune(c.SiteEN)) > 60:
		return "site_en", "longer than 60 characters: it would not fit the title"
	case c.SiteKind != "hall" && c.SiteKind != "bank":
		return "site_kind", fmt.Sprintf("%q: use \"hall\" or \"bank\"", c.SiteKind)
	case c.Language != "zh" && c.Language != "en":
		return "language", fmt.Sprintf("%q is not a language of the terminal: use \"zh\" or \"en\"", c.Language)
	case c.ReceiptURL != "" && !validReceiptURL(c.ReceiptURL):
		return "receipt_url", "must be an https:// address with {receipt} in it, no spaces, and a host in ASCII (a Chinese domain in punycode, xn--…): the receipt's QR code carries it, and scanners read other bytes in encodings of their own"
	case c.DataDir == "":
		return "data_dir", "missing"
	case !filepath.IsAbs(c.DataDir) && strings.HasPrefix(c.DataDir, ".."):
		return "data_dir", "must not point outside the working folder"
	}
	if d := c.Idle.Timeout.Duration; d < 15*time.Second || d > 30*time.Minute {
		return "idle.timeout", fmt.Sprintf("%s is outside 15s to 30m", d)
	}
	if d := c.Idle.ElderlyTimeout.Duration; d < c.Idle.Timeout.Duration || d > 60*time.Minute {
		return "idle.elderly_timeout", fmt.Sprintf("%s must be at least idle.timeout (%s) and at most 60m", d, c.Idle.Timeout.Duration)
	}
	if d := c.Idle.Countdown.Duration; d < 5*time.Second || d > 60*time.Second {
		return "idle.countdown", fmt.Sprintf("%s is outside 5s to 60s", d)
	}
	if key, reason := c.IDCard.check(); reason != "" {
		return key, reason
	}
	if key, reason := c.Printer.check(); reason != "" {
		return key, reason
	}
	if key, reason := c.Scanner.check(); reason != "" {
		return key, reason
	}
	if key, reason := c.A4Printer.check(); reason != "" {
		return key, reason
	}
	if key, reason := c.Voice.check(); reason != "" {
		return key, reason
	}
	if key, reason := c.Camera.check(); reason != "" {
		return key, reason
	}
	if _, err := display.ParseSchedule(c.Display.Hours); err != nil {
		return "display.hours", fmt.Sprintf("%q: use HH:MM-HH:MM, such as \"07:30-21:00\", or leave it empty", c.Display.Hours)
	}
	if d := c.Display.OffAfter.Duration; d < 10*time.Second || d > time.Hour {
		return "display.off_after", fmt.Sprintf("%s is outside 10s to 1h", d)
	}
	return c.Outbox.check()
}

func (o Outbox) check() (key, reason string) {
	switch {
	case o.DistrictKeys == "":
		return "outbox.district_keys", "missing: the terminal seals everything to the district's keys"
	case o.BudgetMiB < 64 || o.BudgetMiB > 1<<20:
		return "outbox.budget_mib", fmt.Sprintf("%d is outside 64 to 1048576", o.BudgetMiB)
	case o.Retention.Duration < 24*time.Hour || o.Retention.Duration > 366*24*time.Hour:
		return "outbox.retention", fmt.Sprintf("%s is outside 24h to 8784h", o.Retention.Duration)
	}
	return "", ""
}

func (c Camera) check() (key, reason string) {
	var ids [2]camera.ID
	for i, cam := range []struct{ key, id string }{{"camera.face", c.Face}, {"camera.document", c.Document}} {
		if cam.id == "" {
			continue
		}
		id, err := camera.ParseID(cam.id)
		if err != nil {
			return cam.key, strings.TrimPrefix(err.Error(), "camera: ")
		}
		ids[i] = id
	}
	if c.Face != "" && c.Document != "" && (ids[0] == ids[1] || ids[0].Link() != "" && ids[0].Link() == ids[1].Link()) {
		return "camera.document", "the same camera as camera.face"
	}
	for _, sz := range []struct{ key, size string }{{"camera.face_size", c.FaceSize}, {"camera.document_size", c.DocumentSize}} {
		if sz.size == "" && sz.key == "camera.document_size" {
			continue
		}
		if _, err := camera.ParseSize(sz.size); err != nil {
			return sz.key, fmt.Sprintf("%q: want WIDTHxHEIGHT such as \"640x480\"", sz.size)
		}
	}
	switch {
	case c.Quality < 50 || c.Quality > 100:
		return "camera.quality", fmt.Sprintf("%d is outside 50 to 100", c.Quality)
	case c.Matcher == facematch.Simulated && c.Face != "sim:face":
		return "camera.matcher", `"sim" (the simulated matcher) goes only with the simulated face camera (face = "sim:face")`
	case c.Matcher != "" && c.Matcher != facematch.Simulated && !filepath.IsAbs(c.Matcher):
		return "camera.matcher", "must be an absolute path"
	case c.MatcherTimeout.Duration < 500*time.Millisecond || c.MatcherTimeout.Duration > time.Minute:
		return "camera.matcher_timeout", fmt.Sprintf("%s is outside 500ms to 1m", c.MatcherTimeout.Duration)
	case c.MatchThreshold <= 0 || c.MatchThreshold > 1:
		return "camera.match_threshold", fmt.Sprintf("%v is outside (0, 1]", c.MatchThreshold)
	}
	return "", ""
}

// percentEncodeNonASCII writes the bytes of an address's path and query
// outside ASCII as %XX, as browsers send UTF-8: the same address, in the
// printable ASCII a receipt's QR code must carry. The host is left as it
// is: a non-ASCII host needs punycode, which validReceiptURL asks for.
func percentEncodeNonASCII(u string) string {
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		return u
	}
	host := len(rest)
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		host = i
	}
	var b strings.Builder
	b.WriteString("https://")
	b.WriteString(rest[:host])
	for i := host; i < len(rest); i++ {
		if c := rest[i]; c >= 0x80 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func validReceiptURL(u string) bool {
	if !strings.HasPrefix(u, "https://") || !strings.Contains(u, "{receipt}") {
		return false
	}
	for i := 0; i < len(u); i++ {
		if u[i] <= ' ' || u[i] > '~' {
			return false
		}
	}
	return true
}

func validUSBID(s string) bool {
	_, _, err := usbdev.ParseID(s)
	return err == nil
}

func (p Printer) check() (key, reason string) {
	if p.Device != "" {
		if _, err := printer.ParseDevice(p.Device); err != nil {
			return "printer.device", strings.TrimPrefix(err.Error(), "printer: ")
		}
	}
	if _, err := printer.ProfileByName(p.Profile); err != nil {
		return "printer.profile", fmt.Sprintf("%q: want \"58mm\" or \"80mm\"", p.Profile)
	}
	return "", ""
}

func (c IDCard) check() (key, reason string) {
	switch {
	case c.Port != "" && c.USB != "":
		return "idcard.usb", "give idcard.port or idcard.usb, not both"
	case c.Port != "" && !filepath.IsAbs(c.Port):
		return "idcard.port", "must be an absolute path such as /dev/yizhan/idcard"
	case c.USB != "" && !validUSBID(c.USB):
		return "idcard.usb", fmt.Sprintf("%q is not VID:PID in hex, such as \"0400:c35a\"", c.USB)
	case c.PhotoDecoder != "" && !filepath.IsAbs(c.PhotoDecoder):
		return "idcard.photo_decoder", "must be an absolute path"
	}
	if err := serialline.CheckRate(c.Baud); err != nil {
		return "idcard.baud", err.Error()
	}
	if d := c.PhotoDecoderTimeout.Duration; d < 500*time.Millisecond || d > 30*time.Second {
		return "idcard.photo_decoder_timeout", fmt.Sprintf("%s is outside 500ms to 30s", d)
	}
	return "", ""
}

// lineOf finds the line that sets key ("idle.timeout") in a TOML file, or 0.
// It understands the plain tables and key = value lines this file uses.
func lineOf(data []byte, key string) int {
	table, leaf := "", key
	if i := strings.LastIndex(key, "."); i >= 0 {
		table, leaf = key[:i], key[i+1:]
	}
	current := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			current = strings.TrimSpace(strings.Trim(line, "[]"))
			if current == key {
				return n // a table that should not be there
			}
			continue
		}
		name, _, ok := strings.Cut(line, "=")
		if ok && current == table && strings.Trim(strings.TrimSpace(name), `"`) == leaf {
			return n
		}
	}
	return 0
}
