package discover

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeIDs stands in for libusb: it answers GET_DEVICE_ID for the devices
// it knows and records what it was asked.
type fakeIDs struct {
	ids   map[[2]int]string // bus, address → id text
	err   error
	asked [][4]int
}

func (f *fakeIDs) read(bus, address, intf, alt int) (string, error) {
	f.asked = append(f.asked, [4]int{bus, address, intf, alt})
	if f.err != nil {
		return "", f.err
	}
	id, ok := f.ids[[2]int{bus, address}]
	if !ok {
		return "", errors.New("no such device")
	}
	return id, nil
}

const printerID = "MFG:Xprinter;MDL:XP-80C;CMD:ESC/POS,XPRINTER;CLS:PRINTER;DES:Thermal Receipt Printer;"

func scanTerminal(t *testing.T, ft *fakeTree, ids *fakeIDs) Report {
	t.Helper()
	return Scan(context.Background(), Options{Sys: ft.sys, Dev: ft.dev, DeviceID: ids.read})
}

func TestScanSerialPorts(t *testing.T) {
	ft := terminal(t)
	r := scanTerminal(t, ft, &fakeIDs{ids: map[[2]int]string{{1, 5}: printerID}})

	var devs []string
	for _, p := range r.SerialPorts {
		devs = append(devs, p.Device)
	}
	// tty0 has no device; ttyS0…ttyS3 are placeholders.
	if want := []string{"/dev/ttyS4", "/dev/ttyS5", "/dev/ttyUSB0", "/dev/ttyUSB1"}; !slices.Equal(devs, want) {
		t.Fatalf("serial ports %v, want %v", devs, want)
	}
	uart, console, ch340, ftdi := r.SerialPorts[0], r.SerialPorts[1], r.SerialPorts[2], r.SerialPorts[3]

	if uart.USB != nil || uart.UART != "16550A UART at I/O port 0x3f8" || uart.Driver != "serial" || uart.ByID != "" {
		t.Errorf("ttyS4 = %+v", uart)
	}
	if g := uart.Guess; g.Role != IDCardReader || g.Confirmed || !strings.Contains(g.Reason, "on-board 16550A UART") {
		t.Errorf("ttyS4 guess = %+v", g)
	}

	if console.UART != "UART type 17 at memory 0xfe660000" || !console.Console || console.Driver != "dw-apb-uart" || console.Guess.Role != Unknown ||
		!strings.Contains(console.Guess.Reason, "console") {
		t.Errorf("ttyS5 = %+v", console)
	}
	if uart.Console {
		t.Errorf("ttyS4 taken for the console")
	}

	wantCH340 := USBID{Sysfs: "1-1", Bus: 1, Address: 3, ID: "1a86:7523", Product: "USB Serial"}
	if ch340.USB == nil || *ch340.USB != wantCH340 {
		t.Errorf("ttyUSB0 usb = %+v, want %+v", ch340.USB, wantCH340)
	}
	if ch340.ByID != "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0" || ch340.Driver != "ch341-uart" || ch340.UART != "" {
		t.Errorf("ttyUSB0 = %+v", ch340)
	}
	if g := ch340.Guess; g.Role != IDCardReader || g.Confirmed || !strings.Contains(g.Reason, "USB serial adapter (ch341-uart, 1a86:7523)") || !strings.Contains(g.Reason, "--probe") {
		t.Errorf("ttyUSB0 guess = %+v", g)
	}
	if ch340.Probe != nil {
		t.Errorf("probed without --probe: %+v", ch340.Probe)
	}

	// The serial number could not be read: empty, and a note.
	wantFTDI := USBID{Sysfs: "1-2", Bus: 1, Address: 4, ID: "0403:6001", Manufacturer: "FTDI", Product: "FT232R USB UART"}
	if ftdi.USB == nil || *ftdi.USB != wantFTDI || ftdi.Driver != "ftdi_sio" || ftdi.ByID != "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0" {
		t.Errorf("ttyUSB1 = %+v %+v", ftdi, ftdi.USB)
	}
	if g := ftdi.Guess; g.Role != IDCardReader || g.Confirmed {
		t.Errorf("ttyUSB1 guess = %+v", g)
	}
}

func TestScanUSBDevices(t *testing.T) {
	ft := terminal(t)
	ids := &fakeIDs{ids: map[[2]int]string{{1, 5}: printerID}}
	r := scanTerminal(t, ft, ids)

	byName := map[string]USBDevice{}
	var names []string
	for _, d := range r.USBDevices {
		byName[d.Sysfs] = d
		names = append(names, d.Sysfs)
	}
	// No root hub (usb1), no interfaces (1-0:1.0, 1-1:1.0 …).
	if want := []string{"1-1", "1-2", "1-3", "1-4", "1-5", "1-6", "1-7", "1-8"}; !slices.Equal(names, want) {
		t.Fatalf("usb devices %v, want %v", names, want)
	}

	ch340 := byName["1-1"]
	if ch340.ID != "1a86:7523" || ch340.Bus != 1 || ch340.Address != 3 || ch340.Class != "ff" || !slices.Equal(ch340.Ports, []string{"/dev/ttyUSB0"}) {
		t.Errorf("1-1 = %+v", ch340)
	}
	wantIntf := Interface{Name: "1-1:1.0", Number: 0, Alt: 0, Class: "ff", SubClass: "01", Protocol: "02", Driver: "ch341",
		Endpoints: []Endpoint{{"02", "Bulk"}, {"82", "Bulk"}}}
	if len(ch340.Interfaces) != 1 || !sameInterface(ch340.Interfaces[0], wantIntf) {
		t.Errorf("1-1 interfaces = %+v, want %+v", ch340.Interfaces, wantIntf)
	}
	if g := ch340.Guess; g.Role != IDCardReader || g.Confirmed || !strings.Contains(g.Reason, "/dev/ttyUSB0") {
		t.Errorf("1-1 guess = %+v", g)
	}

	// The printer: class 7 makes it one, though its VID:PID is a chip id
	// shared with other devices; the 1284 id came over "USB".
	p := byName["1-3"]
	if p.ID != "0483:5720" || p.Manufacturer != "Xprinter" || p.Product != "USB Printer P" || p.Interfaces[0].Class != "07" {
		t.Errorf("1-3 = %+v", p)
	}
	if !slices.Equal(ids.asked, [][4]int{{1, 5, 0, 0}}) {
		t.Errorf("1284 ids asked for %v, want only the printer's (bus 1, address 5, interface 0, alt 0)", ids.asked)
	}
	if id := p.DeviceID; id == nil || id.Manufacturer != "Xprinter" || id.Model != "XP-80C" || !slices.Equal(id.Commands, []string{"ESC/POS", "XPRINTER"}) ||
		id.Class != "PRINTER" || id.Description != "Thermal Receipt Printer" || id.Source != "usb" || id.Raw != printerID {
		t.Errorf("1-3 1284 id = %+v", p.DeviceID)
	}
	if g := p.Guess; g.Role != ReceiptPrinter || g.Confirmed || !strings.Contains(g.Reason, "printer class 7 (bidirectional)") || !strings.Contains(g.Reason, "Xprinter XP-80C") {
		t.Errorf("1-3 guess = %+v", g)
	}

	if g := byName["1-4"].Guess; g.Role != IDCardReader || g.Confirmed || !strings.Contains(g.Reason, "1-4:1.0 has the bulk pipes") {
		t.Errorf("1-4 guess = %+v", g)
	}
	face := byName["1-5"]
	if face.Serial != "2A3B4C" || !slices.Equal(face.Video, []string{"/dev/video0", "/dev/video1"}) || face.Guess.Role != FaceCamera || len(face.Interfaces) != 2 {
		t.Errorf("1-5 = %+v", face)
	}
	if doc := byName["1-6"]; !slices.Equal(doc.Video, []string{"/dev/video2"}) || doc.Guess.Role != DocumentCamera {
		t.Errorf("1-6 = %+v", doc)
	}
	if hub := byName["1-7"]; hub.Class != "09" || hub.Guess.Role != Unknown || hub.Guess.Reason != "a USB hub" {
		t.Errorf("1-7 = %+v", hub)
	}
	if chip := byName["1-8"]; chip.Guess.Role != Unknown || !strings.Contains(chip.Guess.Reason, "0416:5011 is a chip common in receipt printers") {
		t.Errorf("1-8 guess = %+v", chip.Guess)
	}
}

func sameInterface(a, b Interface) bool {
	return a.Name == b.Name && a.Number == b.Number && a.Alt == b.Alt && a.Class == b.Class && a.SubClass == b.SubClass &&
		a.Protocol == b.Protocol && a.Driver == b.Driver && slices.Equal(a.Endpoints, b.Endpoints)
}

func TestScanCameras(t *testing.T) {
	ft := terminal(t)
	r := scanTerminal(t, ft, &fakeIDs{})
	want := []Camera{
		{Device: "/dev/video0", ID: "/dev/v4l/by-id/usb-046d_0825_2A3B4C-video-index0", USB: "usb:046d:0825:2A3B4C",
			Name: "UVC Camera (046d:0825)", USBName: "Logitech Webcam C270", Index: 0, Largest: "1280x960"},
		{Device: "/dev/video1", ID: "/dev/v4l/by-id/usb-046d_0825_2A3B4C-video-index1", USB: "usb:046d:0825:2A3B4C",
			Name: "UVC Camera (046d:0825)", USBName: "Logitech Webcam C270", Index: 1, Largest: "1280x960"},
		{Device: "/dev/video2", ID: "usb:0ac8:3610", USB: "usb:0ac8:3610",
			Name: "USB2.0 Camera: USB2.0 Camera", USBName: "USB2.0 Camera", Index: 0, Largest: "3264x2448"},
	}
	if len(r.Cameras) != len(want) {
		t.Fatalf("%d cameras, want %d: %+v", len(r.Cameras), len(want), r.Cameras)
	}
	for i, w := range want {
		c := r.Cameras[i]
		if c.Device != w.Device || c.ID != w.ID || c.USB != w.USB || c.Name != w.Name || c.USBName != w.USBName || c.Index != w.Index || c.Largest != w.Largest {
			t.Errorf("camera %d = %+v, want %+v", i, c, w)
		}
	}
	if g := r.Cameras[0].Guess; g.Role != FaceCamera || !strings.Contains(g.Reason, "at most 1280x960 (1.2 MP)") {
		t.Errorf("video0 guess = %+v", g)
	}
	if g := r.Cameras[1].Guess; g.Role != Unknown || !strings.Contains(g.Reason, "metadata") {
		t.Errorf("video1 guess = %+v", g)
	}
	if g := r.Cameras[2].Guess; g.Role != DocumentCamera || !strings.Contains(g.Reason, "offers 3264x2448 (8.0 MP)") {
		t.Errorf("video2 guess = %+v", g)
	}
	if !slices.Equal(r.Cameras[0].ByID, []string{"usb-046d_0825_2A3B4C-video-index0"}) || r.Cameras[2].ByID != nil {
		t.Errorf("by-id names: %v %v", r.Cameras[0].ByID, r.Cameras[2].ByID)
	}
}

func TestCameraGuessByName(t *testing.T) {
	cases := []struct {
		cam  Camera
		want Role
	}{
		{Camera{Name: "Document Camera", Largest: "640x480"}, DocumentCamera},
		{Camera{USBName: "Eloam 高拍仪"}, DocumentCamera},
		{Camera{Name: "A4 Scanner Cam"}, DocumentCamera},
		{Camera{Name: "HD Webcam", Largest: "2592x1944"}, DocumentCamera}, // 5.03 MP
		{Camera{Name: "HD Webcam", Largest: "1920x1080"}, FaceCamera},
		{Camera{Name: "HD Webcam"}, FaceCamera},
	}
	for _, c := range cases {
		if g := cameraGuess(c.cam); g.Role != c.want || g.Reason == "" {
			t.Errorf("cameraGuess(%+v) = %+v, want %s", c.cam, g, c.want)
		}
	}
}

func TestScanNotesWhatCannotBeRead(t *testing.T) {
	ft := terminal(t)
	r := scanTerminal(t, ft, &fakeIDs{})
	notes := strings.Join(r.Notes, "\n")
	// Paths are written as on the terminal, not under the test's root.
	if !strings.Contains(notes, "discover: read /sys/devices/pci0000:00/0000:00:14.0/usb1/1-2/serial: is a directory") {
		t.Errorf("no note on the unreadable serial number:\n%s", notes)
	}
	if strings.Contains(notes, ft.root) {
		t.Errorf("a note shows the test's root:\n%s", notes)
	}
	// Root reads a file of mode 000 all the same; only others are refused.
	if os.Geteuid() != 0 && !strings.Contains(notes, "1-7/product: permission denied") {
		t.Errorf("no note on the unreadable hub product:\n%s", notes)
	}
	// The printer's id could not be read: a note, and still a printer.
	if !strings.Contains(notes, "1-3 (0483:5720): IEEE 1284 id not read: no such device") {
		t.Errorf("no note on the 1284 id:\n%s", notes)
	}
	for _, d := range r.USBDevices {
		if d.Sysfs == "1-3" && (d.DeviceID != nil || d.Guess.Role != ReceiptPrinter) {
			t.Errorf("printer without 1284 id = %+v", d)
		}
	}
}

func TestScanPrinterIDFromUsblp(t *testing.T) {
	ft := newTree(t)
	ft.addUSB(t, fakeUSB{name: "2-1", vid: "0fe6", pid: "811e", class: "00", devnum: 12,
		intfs: []fakeIntf{{class: "07", sub: "01", proto: "01", driver: "usblp", ieee1284: "MANUFACTURER:Acme;COMMAND SET:ESC/POS;MODEL:TP-58;"}}})
	ids := &fakeIDs{}
	r := scanTerminal(t, ft, ids)
	if len(ids.asked) != 0 {
		t.Errorf("asked over USB although usblp showed the id: %v", ids.asked)
	}
	if len(r.USBDevices) != 1 {
		t.Fatalf("devices: %+v", r.USBDevices)
	}
	d := r.USBDevices[0]
	if id := d.DeviceID; id == nil || id.Source != "sysfs" || id.Manufacturer != "Acme" || id.Model != "TP-58" || !id.Speaks("esc/pos") {
		t.Errorf("1284 id = %+v", d.DeviceID)
	}
	if g := d.Guess; g.Role != ReceiptPrinter || !strings.Contains(g.Reason, "(one-way)") || !strings.Contains(g.Reason, "Acme TP-58") {
		t.Errorf("guess = %+v", g)
	}
}

func TestScanWithoutSysfs(t *testing.T) {
	dir := t.TempDir()
	r := Scan(context.Background(), Options{Sys: filepath.Join(dir, "sys"), Dev: filepath.Join(dir, "dev"), DeviceID: (&fakeIDs{}).read})
	if len(r.SerialPorts)+len(r.USBDevices)+len(r.Cameras) != 0 {
		t.Errorf("found devices in nothing: %+v", r)
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "sysfs at") || !strings.Contains(r.Notes[0], "no such file") {
		t.Errorf("notes = %q", r.Notes)
	}
	// Lists are empty, not null, in JSON: scripts can range over them.
	if r.SerialPorts == nil || r.USBDevices == nil || r.Cameras == nil || r.Notes == nil {
		t.Errorf("nil lists in %+v", r)
	}
}

// Half a tree: sysfs is there, but its folders are not (a container).
func TestScanEmptySysfs(t *testing.T) {
	dir := t.TempDir()
	mkdir(t, filepath.Join(dir, "sys"))
	r := Scan(context.Background(), Options{Sys: filepath.Join(dir, "sys"), Dev: filepath.Join(dir, "dev"), DeviceID: (&fakeIDs{}).read})
	notes := strings.Join(r.Notes, "\n")
	for _, want := range []string{"read /sys/class/tty", "read /sys/bus/usb/devices", "cameras:"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

func TestComparePorts(t *testing.T) {
	names := []string{"ttyUSB10", "ttyS10", "ttyUSB2", "ttyS4", "ttyACM0", "ttyAMA0"}
	slices.SortFunc(names, comparePorts)
	if want := []string{"ttyACM0", "ttyAMA0", "ttyS4", "ttyS10", "ttyUSB2", "ttyUSB10"}; !slices.Equal(names, want) {
		t.Errorf("sorted %v, want %v", names, want)
	}
}
