package discover

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// addInput gives interface intf of USB device usbName a keyboard's evdev
// node, as usbhid and udev make it: …/INTF/0003:VID:PID.N/input/inputN/
// eventN, /sys/class/input/eventN, /dev/input/eventN and, with byID, its
// /dev/input/by-id link.
func (ft *fakeTree) addInput(t *testing.T, usbName string, intf int, hid, input, event, byID string) {
	t.Helper()
	idir := filepath.Join(ft.usbRoot(), usbName, fmt.Sprintf("%s:1.%d", usbName, intf))
	inputDir := filepath.Join(idir, hid, "input", input)
	classDir := filepath.Join(inputDir, event)
	mkdir(t, classDir)
	rlink(t, inputDir, filepath.Join(classDir, "device"))
	rlink(t, classDir, filepath.Join(ft.sys, "class", "input", event))
	write(t, filepath.Join(ft.dev, "input", event), "")
	if byID != "" {
		link(t, filepath.Join("..", event), filepath.Join(ft.dev, "input", "by-id", byID))
	}
}

// scannerTerminal has a serial (CDC) scanner, a keyboard-wedge scanner, a
// plain keyboard a technician left plugged in, and a scanner-named HID
// device of no known maker with no by-id link.
func scannerTerminal(t *testing.T) *fakeTree {
	ft := newTree(t)
	ft.rootHub(t)
	ft.addUSB(t, fakeUSB{name: "1-1", vid: "1eab", pid: "1d06", class: "02", manufacturer: "Newland", product: "NLS-FR40", devnum: 2,
		intfs: []fakeIntf{{class: "02", sub: "02", proto: "01", driver: "cdc_acm", tty: "ttyACM0", ttyDriver: "cdc_acm",
			byID: "usb-Newland_NLS-FR40_S123-if00"}}})
	ft.addUSB(t, fakeUSB{name: "1-2", vid: "0c2e", pid: "0b61", class: "00", manufacturer: "Honeywell", product: "Youjie 4600", devnum: 3,
		intfs: []fakeIntf{{class: "03", sub: "01", proto: "01", driver: "usbhid"}}})
	ft.addInput(t, "1-2", 0, "0003:0C2E:0B61.0001", "input5", "event5", "usb-Honeywell_Youjie_4600-event-kbd")
	ft.addUSB(t, fakeUSB{name: "1-3", vid: "046d", pid: "c31c", class: "00", manufacturer: "Logitech", product: "USB Keyboard", devnum: 4,
		intfs: []fakeIntf{{class: "03", sub: "01", proto: "01", driver: "usbhid"}}})
	ft.addInput(t, "1-3", 0, "0003:046D:C31C.0002", "input6", "event6", "usb-Logitech_USB_Keyboard-event-kbd")
	ft.addUSB(t, fakeUSB{name: "1-4", vid: "1234", pid: "5678", class: "00", product: "2D Barcode Scanner", devnum: 5,
		intfs: []fakeIntf{{class: "03", sub: "00", proto: "00", driver: "usbhid"}}})
	ft.addInput(t, "1-4", 0, "0003:1234:5678.0003", "input7", "event7", "")
	// A document camera named a scanner, whose button is a HID keyboard:
	// a camera, not a code scanner.
	ft.addUSB(t, fakeUSB{name: "1-5", vid: "0ac8", pid: "3610", class: "ef", product: "Document Scanner", devnum: 6,
		intfs: []fakeIntf{{class: "0e", sub: "01", proto: "00", driver: "uvcvideo",
			video: []fakeVideo{{node: "video0", name: "Document Scanner"}}}, {class: "03", sub: "01", proto: "01", driver: "usbhid"}}})
	ft.addInput(t, "1-5", 1, "0003:0AC8:3610.0004", "input8", "event8", "usb-Document_Scanner-event-kbd")
	return ft
}

func TestScanFindsCodeScanners(t *testing.T) {
	ft := scannerTerminal(t)
	r := Scan(context.Background(), Options{Sys: ft.sys, Dev: ft.dev, DeviceID: (&fakeIDs{}).read})
	if len(r.SerialPorts) != 1 || r.SerialPorts[0].Guess.Role != CodeScanner || !strings.Contains(r.SerialPorts[0].Guess.Reason, "Newland") {
		t.Fatalf("serial ports: %+v", r.SerialPorts)
	}
	roles := map[string]Guess{}
	inputs := map[string][]string{}
	for _, d := range r.USBDevices {
		roles[d.Sysfs], inputs[d.Sysfs] = d.Guess, d.Inputs
	}
	if g := roles["1-1"]; g.Role != CodeScanner {
		t.Errorf("the serial scanner's device: %+v", g)
	}
	if g := roles["1-2"]; g.Role != CodeScanner || !strings.Contains(g.Reason, "keyboard-wedge") ||
		!strings.Contains(g.Reason, "/dev/input/by-id/usb-Honeywell_Youjie_4600-event-kbd") {
		t.Errorf("the wedge: %+v", g)
	}
	if g := roles["1-3"]; g.Role == CodeScanner {
		t.Errorf("a plain keyboard taken for a scanner: %+v", g)
	}
	if g := roles["1-5"]; g.Role != DocumentCamera {
		t.Errorf("a document camera with a button: %+v", g)
	}
	if g := roles["1-4"]; g.Role != CodeScanner || len(inputs["1-4"]) != 1 || inputs["1-4"][0] != "/dev/input/event7" {
		t.Errorf("a scanner by its name, no by-id link: %+v %v", g, inputs["1-4"])
	}

	// The proposal takes the serial scanner, by its by-id name, and
	// mentions the others; the configuration takes it.
	proposal := ProposeConfig(r, 115200)
	c := parseProposal(t, proposal)
	if c.Scanner.Device != "serial:/dev/serial/by-id/usb-Newland_NLS-FR40_S123-if00:9600" {
		t.Errorf("scanner.device %q\n%s", c.Scanner.Device, proposal)
	}
	if !strings.Contains(proposal, "Also found: USB 1-2") || c.IDCard.Port != "" {
		t.Errorf("the proposal:\n%s", proposal)
	}
}

func TestProposalTakesAWedgeWhenNoSerialScanner(t *testing.T) {
	ft := newTree(t)
	ft.rootHub(t)
	ft.addUSB(t, fakeUSB{name: "1-2", vid: "05e0", pid: "1200", class: "00", manufacturer: "Symbol", product: "Bar Code Scanner", devnum: 3,
		intfs: []fakeIntf{{class: "03", sub: "01", proto: "01", driver: "usbhid"}}})
	ft.addInput(t, "1-2", 0, "0003:05E0:1200.0001", "input3", "event3", "usb-Symbol_Bar_Code_Scanner-event-kbd")
	r := Scan(context.Background(), Options{Sys: ft.sys, Dev: ft.dev, DeviceID: (&fakeIDs{}).read})
	c := parseProposal(t, ProposeConfig(r, 9600))
	if c.Scanner.Device != "evdev:/dev/input/by-id/usb-Symbol_Bar_Code_Scanner-event-kbd" {
		t.Errorf("scanner.device %q", c.Scanner.Device)
	}
}
