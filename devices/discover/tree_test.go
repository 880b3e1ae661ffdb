package discover

// The fake terminal below is laid out the way the kernel and udev lay out
// /sys and /dev for these devices; nothing here touches real hardware.
//
//	/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1/{idVendor,…}
//	/sys/devices/…/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0/device -> ../../../ttyUSB0
//	/sys/class/tty/ttyUSB0 -> ../../devices/…/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0
//	/sys/bus/usb/devices/1-1 -> ../../../devices/…/usb1/1-1
//	/sys/class/video4linux/video0 -> ../../devices/…/1-5/1-5:1.0/video4linux/video0
//	/dev/serial/by-id/NAME -> ../../ttyUSB0
//	/dev/v4l/by-id/NAME -> ../../video0

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

type fakeTree struct {
	root, sys, dev string
}

// fakeUSB is one USB device in the fake tree.
type fakeUSB struct {
	name                          string // "1-1"
	vid, pid, class               string
	manufacturer, product, serial string
	devnum                        int
	descriptors                   []byte
	intfs                         []fakeIntf
}

type fakeIntf struct {
	class, sub, proto string
	driver            string
	eps               []string // bulk endpoint addresses, "81"
	ieee1284          string   // usblp's copy of the 1284 id
	tty, ttyDriver    string   // a serial port under the interface
	byID              string   // its /dev/serial/by-id name
	video             []fakeVideo
}

type fakeVideo struct {
	node  string // "video0"
	index int
	name  string
	byID  string
}

func newTree(t *testing.T) *fakeTree {
	t.Helper()
	root := t.TempDir()
	ft := &fakeTree{root: root, sys: filepath.Join(root, "sys"), dev: filepath.Join(root, "dev")}
	mkdir(t, filepath.Join(ft.sys, "class", "tty"))
	mkdir(t, filepath.Join(ft.sys, "class", "video4linux"))
	mkdir(t, filepath.Join(ft.sys, "bus", "usb", "devices"))
	mkdir(t, ft.dev)
	return ft
}

func (ft *fakeTree) usbRoot() string {
	return filepath.Join(ft.sys, "devices", "pci0000:00", "0000:00:14.0", "usb1")
}

// rootHub adds the computer's own root hub and its interface, which the
// scan must pass over.
func (ft *fakeTree) rootHub(t *testing.T) {
	hub := ft.usbRoot()
	write(t, filepath.Join(hub, "idVendor"), "1d6b\n")
	write(t, filepath.Join(hub, "idProduct"), "0002\n")
	write(t, filepath.Join(hub, "bDeviceClass"), "09\n")
	write(t, filepath.Join(hub, "1-0:1.0", "bInterfaceClass"), "09\n")
	rlink(t, hub, filepath.Join(ft.sys, "bus", "usb", "devices", "usb1"))
	rlink(t, filepath.Join(hub, "1-0:1.0"), filepath.Join(ft.sys, "bus", "usb", "devices", "1-0:1.0"))
}

func (ft *fakeTree) addUSB(t *testing.T, d fakeUSB) {
	t.Helper()
	dir := filepath.Join(ft.usbRoot(), d.name)
	write(t, filepath.Join(dir, "idVendor"), d.vid+"\n")
	write(t, filepath.Join(dir, "idProduct"), d.pid+"\n")
	write(t, filepath.Join(dir, "bDeviceClass"), d.class+"\n")
	write(t, filepath.Join(dir, "busnum"), "1\n")
	write(t, filepath.Join(dir, "devnum"), fmt.Sprintf("%d\n", d.devnum))
	for name, v := range map[string]string{"manufacturer": d.manufacturer, "product": d.product, "serial": d.serial} {
		if v != "" {
			write(t, filepath.Join(dir, name), v+"\n")
		}
	}
	if d.descriptors != nil {
		write(t, filepath.Join(dir, "descriptors"), string(d.descriptors))
	}
	rlink(t, dir, filepath.Join(ft.sys, "bus", "usb", "devices", d.name))
	for n, in := range d.intfs {
		name := fmt.Sprintf("%s:1.%d", d.name, n)
		idir := filepath.Join(dir, name)
		write(t, filepath.Join(idir, "bInterfaceNumber"), fmt.Sprintf("%02x\n", n))
		write(t, filepath.Join(idir, "bAlternateSetting"), " 0\n")
		write(t, filepath.Join(idir, "bInterfaceClass"), in.class+"\n")
		write(t, filepath.Join(idir, "bInterfaceSubClass"), in.sub+"\n")
		write(t, filepath.Join(idir, "bInterfaceProtocol"), in.proto+"\n")
		if in.driver != "" {
			driver := filepath.Join(ft.sys, "bus", "usb", "drivers", in.driver)
			mkdir(t, driver)
			rlink(t, driver, filepath.Join(idir, "driver"))
		}
		for _, ep := range in.eps {
			write(t, filepath.Join(idir, "ep_"+ep, "bEndpointAddress"), ep+"\n")
			write(t, filepath.Join(idir, "ep_"+ep, "type"), "Bulk\n")
		}
		if in.ieee1284 != "" {
			write(t, filepath.Join(idir, "ieee1284_id"), in.ieee1284)
		}
		rlink(t, idir, filepath.Join(ft.sys, "bus", "usb", "devices", name))
		if in.tty != "" {
			port := filepath.Join(idir, in.tty)
			driver := filepath.Join(ft.sys, "bus", "usb-serial", "drivers", in.ttyDriver)
			mkdir(t, driver)
			rlink(t, driver, filepath.Join(port, "driver"))
			ft.addTTY(t, in.tty, port, filepath.Join(port, "tty", in.tty))
			if in.byID != "" {
				mkdir(t, filepath.Join(ft.dev, "serial", "by-id"))
				link(t, filepath.Join("..", "..", in.tty), filepath.Join(ft.dev, "serial", "by-id", in.byID))
			}
		}
		for _, v := range in.video {
			vdir := filepath.Join(idir, "video4linux", v.node)
			write(t, filepath.Join(vdir, "name"), v.name+"\n")
			write(t, filepath.Join(vdir, "index"), fmt.Sprintf("%d\n", v.index))
			rlink(t, idir, filepath.Join(vdir, "device"))
			rlink(t, vdir, filepath.Join(ft.sys, "class", "video4linux", v.node))
			write(t, filepath.Join(ft.dev, v.node), "")
			if v.byID != "" {
				mkdir(t, filepath.Join(ft.dev, "v4l", "by-id"))
				link(t, filepath.Join("..", "..", v.node), filepath.Join(ft.dev, "v4l", "by-id", v.byID))
			}
		}
	}
}

// addTTY makes /sys/class/tty/NAME lead to classDir, whose device link
// leads to device ("" for none), and makes the node in /dev.
func (ft *fakeTree) addTTY(t *testing.T, name, device, classDir string) {
	t.Helper()
	mkdir(t, classDir)
	if device != "" {
		mkdir(t, device)
		rlink(t, device, filepath.Join(classDir, "device"))
	}
	rlink(t, classDir, filepath.Join(ft.sys, "class", "tty", name))
	write(t, filepath.Join(ft.dev, name), "")
}

// addUART adds an on-board ttyS port under the platform or PNP device
// parent, with serial core's attributes.
func (ft *fakeTree) addUART(t *testing.T, name, parent, driver, typ, port, mem string) {
	t.Helper()
	device := filepath.Join(ft.sys, "devices", parent)
	if driver != "" {
		d := filepath.Join(ft.sys, "bus", "platform", "drivers", driver)
		mkdir(t, d)
		mkdir(t, device)
		if _, err := os.Lstat(filepath.Join(device, "driver")); err != nil {
			rlink(t, d, filepath.Join(device, "driver"))
		}
	}
	classDir := filepath.Join(device, "tty", name)
	ft.addTTY(t, name, device, classDir)
	write(t, filepath.Join(classDir, "type"), typ+"\n")
	write(t, filepath.Join(classDir, "port"), port+"\n")
	write(t, filepath.Join(classDir, "iomem_base"), mem+"\n")
	write(t, filepath.Join(classDir, "console"), "N\n")
}

// terminal builds the fake terminal the scan tests read:
//
//   - 1-1 a CH340 serial adapter with ttyUSB0 (the card reader, in the
//     probe test)
//   - 1-2 an FTDI adapter with ttyUSB1, whose serial attribute cannot be
//     read
//   - 1-3 a receipt printer with a class-7 interface, on a VID:PID shared
//     with other devices; its 1284 id comes from the injected reader
//   - 1-4 the USB variant of the card-reader module (its four pipes)
//   - 1-5 a face camera (two nodes: pictures and metadata, by-id names)
//   - 1-6 a document camera with 8 MP stills, no serial and no by-id name
//   - 1-7 a hub, whose product string is unreadable (mode 000)
//   - 1-8 a vendor-class device on a printer chip's VID:PID
//   - ttyS0…ttyS3 placeholders the 8250 driver made, ttyS4 a real 16550A,
//     ttyS5 a memory-mapped UART that is the kernel's console
//   - tty0, a virtual terminal with no device
func terminal(t *testing.T) *fakeTree {
	t.Helper()
	ft := newTree(t)
	ft.rootHub(t)
	ft.addUSB(t, fakeUSB{name: "1-1", vid: "1a86", pid: "7523", class: "ff", product: "USB Serial", devnum: 3,
		intfs: []fakeIntf{{class: "ff", sub: "01", proto: "02", driver: "ch341", eps: []string{"02", "82"},
			tty: "ttyUSB0", ttyDriver: "ch341-uart", byID: "usb-1a86_USB_Serial-if00-port0"}}})
	ft.addUSB(t, fakeUSB{name: "1-2", vid: "0403", pid: "6001", class: "00", manufacturer: "FTDI", product: "FT232R USB UART", devnum: 4,
		intfs: []fakeIntf{{class: "ff", sub: "ff", proto: "ff", driver: "ftdi_sio", eps: []string{"02", "81"},
			tty: "ttyUSB1", ttyDriver: "ftdi_sio", byID: "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"}}})
	// A read error, whoever runs the test: the attribute is a folder.
	mkdir(t, filepath.Join(ft.usbRoot(), "1-2", "serial"))
	ft.addUSB(t, fakeUSB{name: "1-3", vid: "0483", pid: "5720", class: "00", manufacturer: "Xprinter", product: "USB Printer P", devnum: 5,
		intfs: []fakeIntf{{class: "07", sub: "01", proto: "02", eps: []string{"01", "82"}}}})
	ft.addUSB(t, fakeUSB{name: "1-4", vid: "0400", pid: "c35a", class: "00", product: "SAM Reader", devnum: 6,
		intfs: []fakeIntf{{class: "ff", sub: "00", proto: "00", eps: []string{"02", "06", "81", "85"}}}})
	ft.addUSB(t, fakeUSB{name: "1-5", vid: "046d", pid: "0825", class: "ef", manufacturer: "Logitech", product: "Webcam C270", serial: "2A3B4C", devnum: 7,
		descriptors: uvcDescriptors([]camera.Size{sz(640, 480), sz(1280, 960)}, []camera.Size{sz(1280, 960)}),
		intfs: []fakeIntf{
			{class: "0e", sub: "01", proto: "00", driver: "uvcvideo", video: []fakeVideo{
				{node: "video0", index: 0, name: "UVC Camera (046d:0825)", byID: "usb-046d_0825_2A3B4C-video-index0"},
				{node: "video1", index: 1, name: "UVC Camera (046d:0825)", byID: "usb-046d_0825_2A3B4C-video-index1"},
			}},
			{class: "0e", sub: "02", proto: "00", driver: "uvcvideo"},
		}})
	ft.addUSB(t, fakeUSB{name: "1-6", vid: "0ac8", pid: "3610", class: "ef", product: "USB2.0 Camera", devnum: 8,
		descriptors: uvcDescriptors([]camera.Size{sz(1920, 1080)}, []camera.Size{sz(1920, 1080), sz(3264, 2448)}),
		intfs: []fakeIntf{
			{class: "0e", sub: "01", proto: "00", driver: "uvcvideo", video: []fakeVideo{{node: "video2", index: 0, name: "USB2.0 Camera: USB2.0 Camera"}}},
			{class: "0e", sub: "02", proto: "00", driver: "uvcvideo"},
		}})
	ft.addUSB(t, fakeUSB{name: "1-7", vid: "05e3", pid: "0608", class: "09", product: "USB2.0 Hub", devnum: 2,
		intfs: []fakeIntf{{class: "09", sub: "00", proto: "00", driver: "hub"}}})
	if err := os.Chmod(filepath.Join(ft.usbRoot(), "1-7", "product"), 0); err != nil {
		t.Fatal(err)
	}
	ft.addUSB(t, fakeUSB{name: "1-8", vid: "0416", pid: "5011", class: "00", devnum: 9,
		intfs: []fakeIntf{{class: "ff", sub: "00", proto: "00", eps: []string{"01"}}}})

	// The 8250 driver's placeholders: no device at all; type 0; type 4
	// but neither port nor memory; a device no driver holds.
	ft.addTTY(t, "ttyS0", "", filepath.Join(ft.sys, "devices", "virtual", "tty", "ttyS0"))
	ft.addUART(t, "ttyS1", "platform/serial8250", "serial8250", "0", "0x0", "0x0")
	ft.addUART(t, "ttyS2", "platform/serial8250", "serial8250", "4", "0x0", "0x0")
	ft.addUART(t, "ttyS3", "platform/serial8250.3", "", "4", "0x2F8", "0x0")
	ft.addUART(t, "ttyS4", "pnp0/00:05", "serial", "4", "0x3F8", "0x0")
	// The kernel's console, on a memory-mapped UART.
	ft.addUART(t, "ttyS5", "platform/fe660000.serial", "dw-apb-uart", "17", "0x0", "0xFE660000")
	write(t, filepath.Join(ft.sys, "devices", "platform", "fe660000.serial", "tty", "ttyS5", "console"), "Y\n")
	ft.addTTY(t, "tty0", "", filepath.Join(ft.sys, "devices", "virtual", "tty", "tty0"))
	return ft
}

// uvcDescriptors lays out a UVC camera's raw descriptors as sysfs gives
// them: the device and configuration descriptors, the video-control
// interface with a processing unit (whose bytes would read as a huge size
// if the parser took it for a frame), the streaming interface with an
// MJPEG format, one frame descriptor for each of frames, and one
// still-image descriptor listing stills.
func uvcDescriptors(frames, stills []camera.Size) []byte {
	var b []byte
	b = append(b, 18, 0x01, 0x00, 0x02, 0xef, 0x02, 0x01, 0x40, 0x6d, 0x04, 0x25, 0x08, 0x10, 0x00, 0x00, 0x02, 0x01, 0x01)
	b = append(b, 9, 0x02, 0x00, 0x00, 0x02, 0x01, 0x00, 0x80, 0xfa)
	b = append(b, 9, 0x04, 0x00, 0x00, 0x01, 0x0e, 0x01, 0x00, 0x00)
	b = append(b, 11, 0x24, 0x05, 0x02, 0x01, 0xff, 0xff, 0x02, 0xff, 0xff, 0x00)
	b = append(b, 7, 0x05, 0x83, 0x03, 0x10, 0x00, 0x06)
	b = append(b, 9, 0x04, 0x01, 0x00, 0x00, 0x0e, 0x02, 0x00, 0x00)
	b = append(b, 11, 0x24, 0x06, 0x01, byte(len(frames)), 0x01, 0x01, 0x00, 0x00, 0x00, 0x00)
	for i, f := range frames {
		d := []byte{30, 0x24, 0x07, byte(i + 1), 0x00}
		d = binary.LittleEndian.AppendUint16(d, uint16(f.Width))
		d = binary.LittleEndian.AppendUint16(d, uint16(f.Height))
		d = append(d, make([]byte, 16)...)          // bit rates, buffer size, default interval
		d = append(d, 0x01, 0x15, 0x16, 0x05, 0x00) // one interval: 30 fps
		b = append(b, d...)
	}
	still := []byte{byte(6 + 4*len(stills)), 0x24, 0x03, 0x00, byte(len(stills))}
	for _, s := range stills {
		still = binary.LittleEndian.AppendUint16(still, uint16(s.Width))
		still = binary.LittleEndian.AppendUint16(still, uint16(s.Height))
	}
	b = append(b, append(still, 0x00)...)
	// An audio interface after the camera's reuses subtype 0x05 and 0x07.
	b = append(b, 9, 0x04, 0x02, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00)
	b = append(b, 11, 0x24, 0x07, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00)
	return b
}

// sz is a picture size, short for the tables.
func sz(w, h int) camera.Size { return camera.Size{Width: w, Height: h} }

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func link(t *testing.T, target, path string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// rlink links path to target with a relative link, as sysfs does.
func rlink(t *testing.T, target, path string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	rel, err := filepath.Rel(filepath.Dir(path), target)
	if err != nil {
		t.Fatal(err)
	}
	link(t, rel, path)
}
