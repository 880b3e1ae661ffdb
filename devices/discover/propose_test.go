package discover

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

// withProposal is the shipped kiosk.toml with its [idcard], [printer],
// [scanner] and [camera] sections replaced by the proposal, as the
// technician is told to do.
func withProposal(t *testing.T, proposal string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "packaging", "kiosk.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	skip := false
	for _, line := range strings.Split(string(data), "\n") {
		if s := strings.TrimSpace(line); strings.HasPrefix(s, "[") {
			skip = s == "[idcard]" || s == "[printer]" || s == "[scanner]" || s == "[camera]"
		}
		if !skip {
			kept = append(kept, line)
		}
	}
	return []byte(strings.Join(kept, "\n") + "\n" + proposal)
}

func parseProposal(t *testing.T, proposal string) config.Config {
	t.Helper()
	c, err := config.Parse("proposal.toml", withProposal(t, proposal), config.Default())
	if err != nil {
		t.Fatalf("the proposal is refused: %v\n%s", err, proposal)
	}
	return c
}

func TestProposalOfAProbedTerminal(t *testing.T) {
	r, _, _ := probedTerminal(t, false, 3*time.Second)
	proposal := ProposeConfig(r, 115200)
	c := parseProposal(t, proposal)

	// The reader that answered, by its by-id name.
	if c.IDCard.Port != "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0" || c.IDCard.USB != "" || c.IDCard.Baud != 115200 {
		t.Errorf("idcard = %+v", c.IDCard)
	}
	if c.Printer.Device != "usb:0483:5720" || c.Printer.Profile != "80mm" || c.Printer.NativeQR {
		t.Errorf("printer = %+v", c.Printer)
	}
	if c.Camera.Face != "/dev/v4l/by-id/usb-046d_0825_2A3B4C-video-index0" || c.Camera.Document != "usb:0ac8:3610" ||
		c.Camera.FaceSize != "640x480" || c.Camera.DocumentSize != "" {
		t.Errorf("camera = %+v", c.Camera)
	}
	// The keys the proposal leaves out keep their defaults.
	if c.Camera.Quality != 90 || c.IDCard.PhotoDecoderTimeout != config.Default().IDCard.PhotoDecoderTimeout {
		t.Errorf("defaults lost: %+v %+v", c.Camera, c.IDCard)
	}
	// Comments wrap; the reasons are looked for in one line.
	flat := strings.ReplaceAll(proposal, "\n#   ", " ")
	for _, why := range []string{
		"# Chosen: /dev/ttyUSB0 (1a86:7523 USB Serial): answered the SAM id request",
		"# Also possible: USB 1-4 (0400:c35a SAM Reader): answered the SAM id",
		"# Chosen: USB 1-3 (0483:5720 Xprinter USB Printer P): interface 1-3:1.0 is of the USB printer class 7",
		"# Also possible: /dev/ttyS4: on-board 16550A UART at I/O port 0x3f8: a card reader may be wired to it; not confirmed, --probe asks it; the probe could not open it: idcard: open /dev/ttyS4:",
		"# face: /dev/video0 (UVC Camera (046d:0825)): at most 1280x960",
		"# document: /dev/video2 (USB2.0 Camera: USB2.0 Camera): offers 3264x2448",
		"check the roll",
	} {
		if !strings.Contains(flat, why) {
			t.Errorf("the proposal lacks %q:\n%s", why, proposal)
		}
	}
	// ttyUSB1 did not answer: it is no choice.
	if strings.Contains(proposal, "ttyUSB1") {
		t.Errorf("a port that did not answer is proposed:\n%s", proposal)
	}
}

func TestProposalWithoutProbe(t *testing.T) {
	r := scanTerminal(t, terminal(t), &fakeIDs{})
	proposal := ProposeConfig(r, 57600)
	c := parseProposal(t, proposal)
	// Unconfirmed, the USB module's pipes beat a serial adapter.
	if c.IDCard.USB != "0400:c35a" || c.IDCard.Port != "" || c.IDCard.Baud != 57600 {
		t.Errorf("idcard = %+v", c.IDCard)
	}
	if !strings.Contains(proposal, "not confirmed, --probe asks it") {
		t.Errorf("the proposal does not say the reader is unconfirmed:\n%s", proposal)
	}
}

func TestProposalOfAnEmptyTerminal(t *testing.T) {
	proposal := ProposeConfig(Report{}, 115200)
	c := parseProposal(t, proposal)
	if c.IDCard.Port != "" || c.IDCard.USB != "" || c.Printer.Device != "" || c.Camera.Face != "" || c.Camera.Document != "" {
		t.Errorf("devices proposed out of nothing: %+v %+v %+v", c.IDCard, c.Printer, c.Camera)
	}
	for _, want := range []string{"No card reader found", "No USB printer found", "no face camera found", "no document camera found"} {
		if !strings.Contains(proposal, want) {
			t.Errorf("the proposal lacks %q:\n%s", want, proposal)
		}
	}
}

// An on-board UART nobody confirmed is mentioned, never chosen: it is as
// often a console or another machine's line.
func TestProposalLeavesAnUnconfirmedUART(t *testing.T) {
	r := Report{SerialPorts: []SerialPort{{Device: "/dev/ttyS4", UART: "16550A UART at I/O port 0x3f8",
		Guess: Guess{Role: IDCardReader, Reason: "on-board"}}}}
	proposal := ProposeConfig(r, 115200)
	c := parseProposal(t, proposal)
	if c.IDCard.Port != "" || !strings.Contains(proposal, "# Also possible: /dev/ttyS4") || !strings.Contains(proposal, "No card reader confirmed") {
		t.Errorf("idcard = %+v\n%s", c.IDCard, proposal)
	}
	// Confirmed by the probe, it is chosen.
	r.SerialPorts[0].Guess.Confirmed = true
	if c := parseProposal(t, ProposeConfig(r, 115200)); c.IDCard.Port != "/dev/ttyS4" {
		t.Errorf("a confirmed UART: idcard = %+v", c.IDCard)
	}
}

// Device strings end up in comments and ids in strings: a newline, a quote
// or a backslash from a device must not break the file.
func TestProposalSurvivesOddDeviceStrings(t *testing.T) {
	r := Report{
		SerialPorts: []SerialPort{{Device: "/dev/ttyUSB0", ByID: `/dev/serial/by-id/usb-Odd"Name\x-if00`,
			USB:   &USBID{Sysfs: "1-1", ID: "1a86:7523", Product: "line one\n[printer]\ndevice = \"x\""},
			Guess: Guess{Role: IDCardReader, Reason: "why\nnot = 1"}}},
		Cameras: []Camera{
			{Device: "/dev/video0", ID: "usb:046d:0825", Index: 0, Name: "Cam\n[idcard]", Guess: Guess{Role: FaceCamera, Reason: "r"}},
			{Device: "/dev/video2", ID: "usb:046d:0825", Index: 0, Name: "Doc", Guess: Guess{Role: DocumentCamera, Reason: "r"}},
		},
	}
	proposal := ProposeConfig(r, 115200)
	c := parseProposal(t, proposal)
	if c.IDCard.Port != `/dev/serial/by-id/usb-Odd"Name\x-if00` {
		t.Errorf("port = %q", c.IDCard.Port)
	}
	// Two cameras with one id: the configuration would refuse them.
	if c.Camera.Face != "usb:046d:0825" || c.Camera.Document != "" || !strings.Contains(proposal, "has the face camera's id") {
		t.Errorf("camera = %+v\n%s", c.Camera, proposal)
	}
}

func TestCommentWraps(t *testing.T) {
	var b strings.Builder
	comment(&b, strings.Repeat("word ", 40))
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if !strings.HasPrefix(line, "# ") || len(line) > 76 {
			t.Errorf("comment line %q", line)
		}
	}
}
