package diag

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/camera/v4l2"
	"github.com/yizhan-kiosk/yizhan/devices/discover"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/scanner"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/datalock"
	"github.com/yizhan-kiosk/yizhan/kiosk/selftest"
)

// device is a configured device and whether the system shows it.
type device struct {
	Role       string `json:"role"`
	Configured string `json:"configured"`
	// Present is whether its node or USB id is there; null when that
	// cannot be known without talking to it (a network printer).
	Present *bool  `json:"present"`
	Node    string `json:"node,omitempty"` // where a path leads
	Note    string `json:"note,omitempty"`
}

type usbDevice struct {
	ID           string `json:"id"` // VID:PID
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Printer      bool   `json:"printer,omitempty"` // has a USB printer-class interface
}

type videoNode struct {
	Path   string   `json:"path"`
	ID     string   `json:"id"`
	USB    string   `json:"usb,omitempty"`
	ByID   []string `json:"by_id,omitempty"`
	ByPath []string `json:"by_path,omitempty"`
}

// devicesReport is devices.json.
type devicesReport struct {
	KioskRunning bool        `json:"kiosk_running"`
	KioskPID     int         `json:"kiosk_pid,omitempty"`
	Configured   []device    `json:"configured"`
	USB          []usbDevice `json:"usb"`
	SerialPorts  []string    `json:"serial_ports"`
	PrinterFiles []string    `json:"printer_files"`
	Video        []videoNode `json:"video"`
	VideoError   string      `json:"video_error,omitempty"`
}

// devices is what the system shows of the devices, found without opening
// any (sysfs and /dev only): the kiosk may be using them.
func devices(ctx context.Context, cfg config.Config) devicesReport {
	var rep devicesReport
	rep.KioskPID, rep.KioskRunning = datalock.Holder(cfg.DataDir)
	rep.USB = usbDevices(ctx)
	rep.SerialPorts = glob("/dev/ttyUSB*", "/dev/ttyACM*", "/dev/yizhan/*", "/dev/serial/by-id/*")
	rep.PrinterFiles = glob("/dev/usb/lp*")
	rep.Video = []videoNode{}
	nodes, err := v4l2.ScanNodes("/sys", "/dev")
	if err != nil {
		rep.VideoError = err.Error()
	}
	for _, n := range nodes {
		rep.Video = append(rep.Video, videoNode{Path: n.Path, ID: n.ID, USB: n.USB, ByID: n.ByID, ByPath: n.ByPath})
	}

	usbHas := func(id string) *bool {
		found := false
		for _, u := range rep.USB {
			found = found || strings.EqualFold(u.ID, id)
		}
		return &found
	}
	reader := device{Role: "idcard"}
	switch {
	case cfg.IDCard.Port != "":
		reader.Configured = cfg.IDCard.Port
		reader.Present, reader.Node = pathPresent(cfg.IDCard.Port)
	case cfg.IDCard.USB != "":
		reader.Configured = "usb:" + cfg.IDCard.USB
		reader.Present = usbHas(cfg.IDCard.USB)
	}
	prn := device{Role: "printer", Configured: cfg.Printer.Device}
	if dev, err := printer.ParseDevice(cfg.Printer.Device); err == nil {
		switch dev.Kind {
		case "serial", "file":
			prn.Present, prn.Node = pathPresent(dev.Path)
		case "usb":
			if dev.VID == 0 && dev.PID == 0 {
				found := false
				for _, u := range rep.USB {
					found = found || u.Printer
				}
				prn.Present, prn.Note = &found, "the first USB printer"
			} else {
				prn.Present = usbHas(fmt.Sprintf("%04x:%04x", dev.VID, dev.PID))
			}
		case "tcp":
			prn.Note = "network printer: not probed here (the self-test asks it)"
		case "png":
			prn.Note = "virtual printer: receipts become a picture"
		}
	}
	scan := device{Role: "scanner", Configured: cfg.Scanner.Device}
	if dev, err := scanner.ParseDevice(cfg.Scanner.Device); err == nil {
		scan.Present, scan.Node = pathPresent(dev.Path)
	}
	a4 := device{Role: "a4printer", Configured: cfg.A4Printer.Device, Note: "through the print system: the self-test asks it"}
	rep.Configured = []device{reader, prn,
		configuredCamera("facecam", cfg.Camera.Face, usbHas), configuredCamera("doccam", cfg.Camera.Document, usbHas), scan, a4}
	for i := range rep.Configured {
		if rep.Configured[i].Configured == "" {
			rep.Configured[i].Note = "not configured"
		}
	}
	return rep
}

func configuredCamera(role, id string, usbHas func(string) *bool) device {
	d := device{Role: role, Configured: id}
	if id == "" {
		return d
	}
	cid, err := camera.ParseID(id)
	if err != nil {
		d.Note = Scrub(err.Error())
		return d
	}
	switch cid.Kind {
	case camera.SimID:
		yes := true
		d.Present, d.Note = &yes, "simulated"
	case camera.PathID:
		d.Present, d.Node = pathPresent(cid.Name)
	case camera.LinkID:
		d.Present, d.Node = pathPresent("/dev/v4l/by-id/" + cid.Name)
		if d.Present == nil || !*d.Present {
			d.Present, d.Node = pathPresent("/dev/v4l/by-path/" + cid.Name)
		}
	case camera.USBID:
		d.Present = usbHas(fmt.Sprintf("%04x:%04x", cid.VID, cid.PID))
		if cid.Serial != "" {
			d.Note = "the serial number is not compared here"
		}
	}
	return d
}

// pathPresent reports whether a device path exists and where its links
// lead.
func pathPresent(path string) (*bool, string) {
	target, err := filepath.EvalSymlinks(path)
	present := err == nil
	if !present {
		target = ""
	}
	return &present, target
}

func glob(patterns ...string) []string {
	out := []string{}
	for _, p := range patterns {
		found, _ := filepath.Glob(p)
		out = append(out, found...)
	}
	return out
}

// usbDevices lists the USB devices as the device scan reads them from
// sysfs, without talking to any (no 1284 id is asked for), and whether one
// has a printer-class interface (class 07). A device's strings are
// scrubbed: they are whatever its maker, or its last owner, wrote.
func usbDevices(ctx context.Context) []usbDevice {
	noID := func(bus, address, intf, alt int) (string, error) {
		return "", errors.New("not asked for the bundle")
	}
	out := []usbDevice{}
	for _, d := range discover.Scan(ctx, discover.Options{DeviceID: noID}).USBDevices {
		u := usbDevice{ID: d.ID, Manufacturer: scrubLine(d.Manufacturer), Product: scrubLine(d.Product)}
		for _, in := range d.Interfaces {
			u.Printer = u.Printer || in.Class == "07"
		}
		out = append(out, u)
	}
	return out
}

// runSelftest runs the self-test without printing: the bundle may be
// made while residents use the terminal.
func runSelftest(ctx context.Context, cfg config.Config, run bool) any {
	if !run {
		return map[string]string{"skipped": "left out with --no-selftest"}
	}
	rep := selftest.Run(ctx, cfg, selftest.Options{NoPrint: true})
	for i, r := range rep.Results {
		rep.Results[i].Detail, rep.Results[i].Fix = scrubLine(r.Detail), scrubLine(r.Fix)
	}
	return rep
}
