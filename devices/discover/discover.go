// Package discover finds the devices a technician has to name in the
// terminal's configuration when installing it: the serial ports (where the
// ID-card reader usually hangs), the USB devices (the receipt printer, the
// USB variant of the card-reader module) and the V4L2 cameras (the face
// camera and the document camera, 高拍仪). It reads sysfs and /dev, both
// given as roots so that tests and a copied tree work like a terminal, and
// guesses what each device is with a short reason. Only the printer's IEEE
// 1284 id and, when asked, the card-reader probe talk to a device.
//
// Nothing found on the way stops a scan: a file that cannot be read, a
// missing tree or a printer that does not say its id become notes in the
// report, because a technician at a half-installed terminal needs to see
// everything that is there, not the first thing that went wrong.
package discover

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
)

// Role is what a device is guessed to be for the terminal.
type Role string

// The roles a guess can name.
const (
	IDCardReader   Role = "idcard-reader"
	ReceiptPrinter Role = "receipt-printer"
	FaceCamera     Role = "face-camera"
	DocumentCamera Role = "document-camera"
	Unknown        Role = "unknown"
)

// Guess is what a device is taken for, and why.
type Guess struct {
	Role Role `json:"role"`
	// Confirmed is true only when the device answered as what it is
	// guessed to be (the card-reader probe); a guess from ids and classes
	// is never confirmed.
	Confirmed bool   `json:"confirmed"`
	Reason    string `json:"reason"`
}

// USBID is a USB device as sysfs names it.
type USBID struct {
	// Sysfs is the kernel's name of the device: bus-port[.port…], such as
	// "1-2" or "3-1.4". It follows the socket, not the device.
	Sysfs        string `json:"sysfs"`
	Bus          int    `json:"bus"`
	Address      int    `json:"address"`
	ID           string `json:"id"` // VID:PID in lower-case hex, "1a86:7523"
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Serial       string `json:"serial,omitempty"`
}

// Name is the device's manufacturer and product strings, as a technician
// reads them on the label.
func (u USBID) Name() string {
	return strings.TrimSpace(u.Manufacturer + " " + u.Product)
}

// SerialPort is a tty that can carry a device: a USB-serial adapter or an
// on-board UART.
type SerialPort struct {
	Device string `json:"device"`          // "/dev/ttyUSB0", as on the terminal
	ByID   string `json:"by_id,omitempty"` // "/dev/serial/by-id/…", stable across re-plugging
	Driver string `json:"driver,omitempty"`
	USB    *USBID `json:"usb,omitempty"`  // nil for an on-board UART
	UART   string `json:"uart,omitempty"` // an on-board UART's type and address
	// Console is true for the kernel's console (console=ttyS0): boot
	// messages go there, so it carries no device and is not probed.
	Console bool   `json:"console,omitempty"`
	Guess   Guess  `json:"guess"`
	Probe   *Probe `json:"probe,omitempty"` // with --probe only
}

// ProbeResult says how a port answered the card-reader probe.
type ProbeResult string

// The probe's results.
const (
	// Answered: the SAM module gave its id; this is the reader.
	Answered ProbeResult = "answered"
	// SAMFault: a SAM module answered, but its SAM reports a fault; it is
	// the reader, and it needs a technician.
	SAMFault ProbeResult = "sam-fault"
	// NoAnswer: nothing usable came back in time.
	NoAnswer ProbeResult = "did not answer"
	// OpenFailed: the port could not be opened (busy, permission, gone).
	OpenFailed ProbeResult = "could not open"
)

// Probe is the result of asking a port's device for its SAM id.
type Probe struct {
	Result ProbeResult `json:"result"`
	SAMID  string      `json:"sam_id,omitempty"`
	Detail string      `json:"detail,omitempty"`
}

// Endpoint is one endpoint of a USB interface.
type Endpoint struct {
	Address string `json:"address"` // "81": bit 7 set is IN
	Type    string `json:"type"`    // "Bulk", "Interrupt", "Isoc", "Control"
}

// Interface is one interface of a USB device (its current setting).
type Interface struct {
	Name      string     `json:"name"` // "1-2:1.0"
	Number    int        `json:"number"`
	Alt       int        `json:"alt"`
	Class     string     `json:"class"` // two hex digits: "07" printer, "0e" video, "ff" vendor
	SubClass  string     `json:"subclass"`
	Protocol  string     `json:"protocol"`
	Driver    string     `json:"driver,omitempty"`
	Endpoints []Endpoint `json:"endpoints,omitempty"`
}

// USBDevice is a device on the USB (not an interface, not a root hub).
type USBDevice struct {
	USBID
	Class      string      `json:"class"` // bDeviceClass; "00" means "see the interfaces"
	Interfaces []Interface `json:"interfaces"`
	// DeviceID is a printer's IEEE 1284 device id, when it could be read.
	DeviceID *DeviceID `json:"ieee1284_id,omitempty"`
	Ports    []string  `json:"ports,omitempty"`  // the serial ports it provides
	Video    []string  `json:"video,omitempty"`  // the video nodes it provides
	Inputs   []string  `json:"inputs,omitempty"` // the keyboards' evdev nodes it provides
	Guess    Guess     `json:"guess"`
	Probe    *Probe    `json:"probe,omitempty"`
}

// Camera is a V4L2 video node.
type Camera struct {
	Device string `json:"device"` // "/dev/video0" now; it can change
	// ID is the camera's stable id in the form the configuration takes:
	// a /dev/v4l/by-id/ path, usb:VID:PID[:SERIAL], a /dev/v4l/by-path/
	// path when two cameras share their ids, or the device path.
	ID     string   `json:"id"`
	USB    string   `json:"usb,omitempty"` // usb:VID:PID[:SERIAL]
	ByID   []string `json:"by_id,omitempty"`
	ByPath []string `json:"by_path,omitempty"`
	Name   string   `json:"name,omitempty"` // the driver's name for it
	// USBName is the USB device's manufacturer and product strings.
	USBName string `json:"usb_name,omitempty"`
	// Index is the node's number within its camera: a UVC camera's
	// second node (index 1) carries metadata, not pictures.
	Index int `json:"index"`
	// Largest is the largest picture the camera's USB descriptors offer
	// (video frames or stills), "" when not known without opening it.
	Largest string `json:"largest,omitempty"`
	Guess   Guess  `json:"guess"`
}

// Report is what a scan found.
type Report struct {
	SerialPorts []SerialPort `json:"serial_ports"`
	USBDevices  []USBDevice  `json:"usb_devices"`
	Cameras     []Camera     `json:"cameras"`
	// Notes are what could not be read or checked, one sentence each.
	Notes []string `json:"notes"`
}

// DeviceIDFunc reads the IEEE 1284 device id of a printer: the printer
// interface intf (setting alt) of the USB device at bus and address. It
// returns the id's text without its two length bytes.
type DeviceIDFunc func(bus, address, intf, alt int) (string, error)

// Options say where to look and what to do besides reading.
type Options struct {
	Sys string // sysfs; "/sys" when empty
	Dev string // device nodes; "/dev" when empty

	// DeviceID reads a printer's 1284 id when the usblp driver does not
	// show it in sysfs; USBDeviceID (through libusb) when nil.
	DeviceID DeviceIDFunc

	// Probe asks every serial port, and every USB device that looks like
	// the card-reader module, for its SAM id.
	Probe bool
	// Baud is the rate the probe opens serial ports at; 115200 when 0.
	Baud int
	// ProbeWait bounds each port's answer; 1.5 s when 0. A module answers
	// in milliseconds; the wait is for a loaded machine.
	ProbeWait time.Duration
	// OpenSerial and OpenUSB open the reader for the probe;
	// idcard.OpenSerial and idcard.OpenUSB when nil.
	OpenSerial func(path string, baud int) (idcard.Transport, error)
	OpenUSB    func(vid, pid uint16) (idcard.Transport, error)
}

// scanner carries the roots and the notes through one scan.
type scanner struct {
	sys, dev string // resolved, so resolved links can be compared with them
	opts     Options
	notes    []string
}

// Scan looks at every serial port, USB device and camera, guesses what
// each is and, with opts.Probe, asks the likely card readers. It never
// fails: what cannot be read is in the report's notes.
func Scan(ctx context.Context, opts Options) Report {
	if opts.Sys == "" {
		opts.Sys = "/sys"
	}
	if opts.Dev == "" {
		opts.Dev = "/dev"
	}
	if opts.DeviceID == nil {
		opts.DeviceID = USBDeviceID
	}
	if opts.Baud == 0 {
		opts.Baud = 115200
	}
	if opts.ProbeWait <= 0 {
		opts.ProbeWait = 1500 * time.Millisecond
	}
	if opts.OpenSerial == nil {
		opts.OpenSerial = idcard.OpenSerial
	}
	if opts.OpenUSB == nil {
		opts.OpenUSB = idcard.OpenUSB
	}
	s := &scanner{sys: resolve(opts.Sys), dev: resolve(opts.Dev), opts: opts}

	r := Report{SerialPorts: []SerialPort{}, USBDevices: []USBDevice{}, Cameras: []Camera{}, Notes: []string{}}
	if _, err := os.Stat(s.sys); err != nil {
		// Everything below reads sysfs: one note says it all.
		r.Notes = append(r.Notes, fmt.Errorf("discover: sysfs at %s: %w", opts.Sys, pathErr(err)).Error())
		return r
	}
	ports, portUSB := s.serialPorts()
	usbs := s.usbDevices()
	cams, camUSB := s.cameras()
	inputs := s.inputNodes()
	r.SerialPorts, r.USBDevices, r.Cameras = ports, usbs, cams

	// Tie each serial port and video node to its USB device, so the
	// device's guess can point at them instead of guessing twice.
	for i := range r.USBDevices {
		d := &r.USBDevices[i]
		for j, p := range r.SerialPorts {
			if portUSB[j] == d.Sysfs {
				d.Ports = append(d.Ports, p.Device)
			}
		}
		for j, c := range r.Cameras {
			if camUSB[j] == d.Sysfs {
				d.Video = append(d.Video, c.Device)
			}
		}
		d.Inputs = inputs[d.Sysfs]
	}

	guessPorts(r.SerialPorts)
	guessCameras(r.Cameras)
	if opts.Probe {
		s.probeAll(ctx, &r)
	}
	guessUSB(r.USBDevices, r.SerialPorts, r.Cameras)
	r.Notes = append(r.Notes, s.notes...)
	return r
}

// resolve follows links in a root, so that paths resolved inside it can
// be compared with it; a root that cannot be resolved is kept as it is and
// its absence is noted where it is read.
func resolve(root string) string {
	if r, err := filepath.EvalSymlinks(root); err == nil {
		return r
	}
	return root
}

func (s *scanner) noteErr(err error) {
	s.notes = append(s.notes, err.Error())
}

// sysPath writes a path under the sysfs root as it is on the terminal,
// /sys/…, so a note reads the same on a copied or fake tree.
func (s *scanner) sysPath(p string) string {
	rel, err := filepath.Rel(s.sys, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return p
	}
	return filepath.Join("/sys", rel)
}

// devPath is where the terminal path /dev/NAME is under the /dev root.
func (s *scanner) devPath(terminal string) string {
	return filepath.Join(s.dev, strings.TrimPrefix(terminal, "/dev/"))
}

// pathErr drops the path an os error repeats, since the note names it as
// the terminal has it.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// attr reads one sysfs attribute, trimmed and made printable. A missing
// attribute is "" without a note, since many are optional (serial,
// manufacturer); any other failure (permission, a driver's read error) is
// noted and also reads as "".
func (s *scanner) attr(dir, name string) string {
	v, err := s.readAttr(filepath.Join(dir, name))
	if err != nil {
		s.noteErr(err)
	}
	return v
}

func (s *scanner) readAttr(path string) (string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("discover: read %s: %w", s.sysPath(path), pathErr(err))
	}
	return printable(string(data)), nil
}

// printable trims a string read from a device and drops what cannot be
// shown in a table or a TOML comment: invalid UTF-8 and control
// characters, which cheap devices put in their strings.
func printable(v string) string {
	v = strings.ToValidUTF8(v, "")
	v = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, v)
	return strings.TrimSpace(v)
}

// driverOf is the name of the driver bound to a sysfs device, "" when none.
func driverOf(dir string) string {
	target, err := filepath.EvalSymlinks(filepath.Join(dir, "driver"))
	if err != nil {
		return ""
	}
	return filepath.Base(target)
}

// usbDeviceAbove finds the USB device a sysfs device belongs to: dir
// itself or one of the few directories above it that has idVendor (a tty
// hangs under its interface, the interface under the device). "" when the
// device is not on USB.
func (s *scanner) usbDeviceAbove(dir string) string {
	inside := s.sys + string(filepath.Separator)
	// An input node is five below its device:
	// DEV/INTF/HID/input/inputN.
	for range 6 {
		if !strings.HasPrefix(dir, inside) {
			return ""
		}
		if _, err := os.Stat(filepath.Join(dir, "idVendor")); err == nil {
			return dir
		}
		dir = filepath.Dir(dir)
	}
	return ""
}

// usbID reads the identity of the USB device in dir.
func (s *scanner) usbID(dir string) USBID {
	u := USBID{
		Sysfs:        filepath.Base(dir),
		Manufacturer: s.attr(dir, "manufacturer"),
		Product:      s.attr(dir, "product"),
		Serial:       s.attr(dir, "serial"),
	}
	vid, pid := strings.ToLower(s.attr(dir, "idVendor")), strings.ToLower(s.attr(dir, "idProduct"))
	if isHex4(vid) && isHex4(pid) {
		u.ID = vid + ":" + pid
	}
	// Bus and address are what libusb finds the device by; 0 when sysfs
	// does not say (the 1284 id is then not found over USB, and noted).
	if n, err := strconv.Atoi(s.attr(dir, "busnum")); err == nil {
		u.Bus = n
	}
	if n, err := strconv.Atoi(s.attr(dir, "devnum")); err == nil {
		u.Address = n
	}
	return u
}

func isHex4(v string) bool {
	if len(v) != 4 {
		return false
	}
	for _, c := range v {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
