package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

// devicesTree lays out a small terminal's /sys and /dev as the kernel and
// udev do: a CH340 adapter whose ttyUSB0 leads to the card-reader
// simulator, a USB printer held by usblp (its 1284 id in sysfs), a camera
// with a by-id name, and the 8250 driver's placeholder ttyS0. The full set
// of cases is in devices/discover's tests; this one is for the command.
func devicesTree(t *testing.T) (sys, dev string) {
	t.Helper()
	root := t.TempDir()
	sys, dev = filepath.Join(root, "sys"), filepath.Join(root, "dev")
	usb := filepath.Join(sys, "devices", "pci0000:00", "0000:00:14.0", "usb1")
	files := map[string]string{
		"1-1/idVendor": "1a86", "1-1/idProduct": "7523", "1-1/product": "USB Serial", "1-1/busnum": "1", "1-1/devnum": "3", "1-1/bDeviceClass": "ff",
		"1-1/1-1:1.0/bInterfaceClass": "ff", "1-1/1-1:1.0/bInterfaceNumber": "00",
		"1-3/idVendor": "0fe6", "1-3/idProduct": "811e", "1-3/manufacturer": "Acme", "1-3/busnum": "1", "1-3/devnum": "5", "1-3/bDeviceClass": "00",
		"1-3/1-3:1.0/bInterfaceClass": "07", "1-3/1-3:1.0/bInterfaceProtocol": "02", "1-3/1-3:1.0/bInterfaceNumber": "00",
		"1-3/1-3:1.0/ieee1284_id": "MFG:Acme;MDL:TP-80;CMD:ESC/POS;",
		"1-5/idVendor":            "046d", "1-5/idProduct": "0825", "1-5/serial": "2A3B4C", "1-5/busnum": "1", "1-5/devnum": "7", "1-5/bDeviceClass": "ef",
		"1-5/1-5:1.0/bInterfaceClass": "0e", "1-5/1-5:1.0/video4linux/video0/name": "UVC Camera", "1-5/1-5:1.0/video4linux/video0/index": "0",
	}
	for name, text := range files {
		devicesWrite(t, filepath.Join(usb, name), text+"\n")
	}
	links := map[string]string{ // link → target, both under the root
		"sys/bus/usb/devices/1-1": "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1",
		"sys/bus/usb/devices/1-3": "sys/devices/pci0000:00/0000:00:14.0/usb1/1-3",
		"sys/bus/usb/devices/1-5": "sys/devices/pci0000:00/0000:00:14.0/usb1/1-5",
		"sys/class/tty/ttyUSB0":   "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0",
		"sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0/device": "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0",
		"sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/driver":             "sys/bus/usb-serial/drivers/ch341-uart",
		"sys/class/tty/ttyS0":                                                            "sys/devices/platform/serial8250/tty/ttyS0",
		"sys/devices/platform/serial8250/tty/ttyS0/device":                               "sys/devices/platform/serial8250",
		"sys/devices/platform/serial8250/driver":                                         "sys/bus/platform/drivers/serial8250",
		"sys/class/video4linux/video0":                                                   "sys/devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5:1.0/video4linux/video0",
		"sys/devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5:1.0/video4linux/video0/device": "sys/devices/pci0000:00/0000:00:14.0/usb1/1-5/1-5:1.0",
		"dev/serial/by-id/usb-1a86_USB_Serial-if00-port0":                                "dev/ttyUSB0",
		"dev/v4l/by-id/usb-046d_0825_2A3B4C-video-index0":                                "dev/video0",
	}
	for _, dir := range []string{"sys/bus/usb-serial/drivers/ch341-uart", "sys/bus/platform/drivers/serial8250",
		"sys/devices/platform/serial8250/tty/ttyS0", "sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0", "dev"} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for l, target := range links {
		path := filepath.Join(root, l)
		rel, err := filepath.Rel(filepath.Dir(path), filepath.Join(root, target))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(rel, path); err != nil {
			t.Fatal(err)
		}
	}
	devicesWrite(t, filepath.Join(sys, "devices", "platform", "serial8250", "tty", "ttyS0", "type"), "0\n")
	devicesWrite(t, filepath.Join(dev, "ttyS0"), "")
	devicesWrite(t, filepath.Join(dev, "video0"), "")

	// The reader: ttyUSB0 is the simulator's pseudo-terminal.
	_, port := simReader(t)
	if err := os.Symlink(port, filepath.Join(dev, "ttyUSB0")); err != nil {
		t.Fatal(err)
	}
	// No printer here needs libusb: the 1284 id is in sysfs.
	old := scanDeviceID
	scanDeviceID = func(bus, address, intf, alt int) (string, error) {
		return "", errors.New("no libusb in tests")
	}
	t.Cleanup(func() { scanDeviceID = old })
	return sys, dev
}

func devicesWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDevicesScanTable(t *testing.T) {
	sys, dev := devicesTree(t)
	var out, errOut bytes.Buffer
	if err := run([]string{"devices", "scan", "--sys", sys, "--dev", dev}, nil, &out, &errOut); err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	text := out.String()
	for _, want := range []string{
		"/dev/ttyUSB0", "1a86:7523", "idcard-reader?", "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0",
		"1-3 (bus 1 address 5)", "0fe6:811e", "Acme TP-80", "receipt-printer?",
		"/dev/v4l/by-id/usb-046d_0825_2A3B4C-video-index0", "face-camera?",
		"--probe asks the serial ports",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the table lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "ttyS0") {
		t.Errorf("the placeholder ttyS0 is listed:\n%s", text)
	}
}

func TestDevicesScanJSON(t *testing.T) {
	sys, dev := devicesTree(t)
	var out, errOut bytes.Buffer
	if err := run([]string{"devices", "scan", "--json", "--sys", sys, "--dev", dev}, nil, &out, &errOut); err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	// The field names are what scripts rely on: they are checked by name.
	var got struct {
		SerialPorts []map[string]any `json:"serial_ports"`
		USBDevices  []map[string]any `json:"usb_devices"`
		Cameras     []map[string]any `json:"cameras"`
		Notes       []string         `json:"notes"`
	}
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("not one JSON object: %v", err)
	}
	if len(got.SerialPorts) != 1 || len(got.USBDevices) != 3 || len(got.Cameras) != 1 || got.Notes == nil {
		t.Fatalf("found %d ports, %d USB devices, %d cameras, notes %v", len(got.SerialPorts), len(got.USBDevices), len(got.Cameras), got.Notes)
	}
	port := got.SerialPorts[0]
	usb, _ := port["usb"].(map[string]any)
	guess, _ := port["guess"].(map[string]any)
	if port["device"] != "/dev/ttyUSB0" || port["by_id"] != "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0" || port["driver"] != "ch341-uart" ||
		usb["id"] != "1a86:7523" || usb["sysfs"] != "1-1" || usb["bus"] != float64(1) || usb["address"] != float64(3) || usb["product"] != "USB Serial" ||
		guess["role"] != "idcard-reader" || guess["confirmed"] != false || guess["reason"] == "" {
		t.Errorf("serial port = %v", port)
	}
	printer := got.USBDevices[1]
	id, _ := printer["ieee1284_id"].(map[string]any)
	intfs, _ := printer["interfaces"].([]any)
	if printer["sysfs"] != "1-3" || printer["id"] != "0fe6:811e" || printer["class"] != "00" || printer["manufacturer"] != "Acme" || len(intfs) != 1 ||
		id["mfg"] != "Acme" || id["mdl"] != "TP-80" || id["source"] != "sysfs" || printer["guess"].(map[string]any)["role"] != "receipt-printer" {
		t.Errorf("printer = %v", printer)
	}
	if intf, _ := intfs[0].(map[string]any); intf["class"] != "07" || intf["name"] != "1-3:1.0" || intf["protocol"] != "02" {
		t.Errorf("printer interface = %v", intfs[0])
	}
	cam := got.Cameras[0]
	if cam["device"] != "/dev/video0" || cam["id"] != "/dev/v4l/by-id/usb-046d_0825_2A3B4C-video-index0" || cam["usb"] != "usb:046d:0825:2A3B4C" ||
		cam["index"] != float64(0) || cam["name"] != "UVC Camera" || cam["guess"].(map[string]any)["role"] != "face-camera" {
		t.Errorf("camera = %v", cam)
	}
	if dec.More() {
		t.Error("more than one JSON value")
	}
}

func TestDevicesScanProbeWriteConfig(t *testing.T) {
	sys, dev := devicesTree(t)
	var out, errOut bytes.Buffer
	err := run([]string{"devices", "scan", "--probe", "--probe-wait", "3s", "--write-config", "--sys", sys, "--dev", dev}, nil, &out, &errOut)
	if err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	// The rest of a valid configuration: the shipped file without the
	// three sections the proposal replaces.
	shipped, err := os.ReadFile(filepath.Join("..", "..", "packaging", "kiosk.toml"))
	if err != nil {
		t.Fatal(err)
	}
	rest := string(shipped)[:strings.Index(string(shipped), "[idcard]")]
	rest += string(shipped)[strings.Index(string(shipped), "[outbox]"):]
	c, err := config.Parse("proposal.toml", []byte(rest+"\n"+out.String()), config.Default())
	if err != nil {
		t.Fatalf("the proposal is refused: %v\n%s", err, out.String())
	}
	if c.IDCard.Port != "/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0" || c.Printer.Device != "usb:0fe6:811e" ||
		c.Camera.Face != "/dev/v4l/by-id/usb-046d_0825_2A3B4C-video-index0" || c.Camera.Document != "" {
		t.Errorf("proposed %+v %+v %+v", c.IDCard, c.Printer, c.Camera)
	}
	if !strings.Contains(out.String(), "answered the SAM id request") {
		t.Errorf("the proposal does not say why the reader was chosen:\n%s", out.String())
	}
}

func TestDevicesScanUsage(t *testing.T) {
	for _, args := range [][]string{
		{"devices", "scan", "--json", "--write-config"},
		{"devices", "scan", "extra"},
		{"devices", "scan", "--baud", "1234"},
		{"devices", "scan", "--probe-wait", "0s"},
		{"devices", "scan", "--frob"},
	} {
		var out, errOut bytes.Buffer
		if err := run(args, nil, &out, &errOut); !errors.Is(err, errUsage) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
}
