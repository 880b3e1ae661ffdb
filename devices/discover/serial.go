package discover

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// serialPorts lists the ttys a device can hang on: every tty whose sysfs
// device is on USB (ttyUSB*, ttyACM*), and the on-board UARTs that are
// really there. Beside the ports it returns, for each, the sysfs name of
// its USB device ("" for a UART).
func (s *scanner) serialPorts() ([]SerialPort, []string) {
	class := filepath.Join(s.sys, "class", "tty")
	entries, err := os.ReadDir(class)
	if err != nil {
		s.noteErr(fmt.Errorf("discover: read %s: %w", s.sysPath(class), pathErr(err)))
		return []SerialPort{}, nil
	}
	byID := s.serialLinks()
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.SortFunc(names, comparePorts)

	ports := []SerialPort{}
	var usbOf []string
	for _, name := range names {
		tty := filepath.Join(class, name)
		dev, err := filepath.EvalSymlinks(filepath.Join(tty, "device"))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a virtual terminal, pty or console: no hardware behind it
		}
		if err != nil {
			s.noteErr(fmt.Errorf("discover: read %s: %w", s.sysPath(filepath.Join(tty, "device")), pathErr(err)))
			continue
		}
		p := SerialPort{Device: "/dev/" + name, ByID: byID[name], Driver: driverOf(dev), Console: s.attr(tty, "console") == "Y"}
		usbDir := s.usbDeviceAbove(dev)
		if usbDir == "" {
			uart, ok := s.realUART(tty, dev)
			if !ok {
				continue
			}
			p.UART = uart
		} else {
			id := s.usbID(usbDir)
			p.USB = &id
		}
		ports = append(ports, p)
		if usbDir == "" {
			usbOf = append(usbOf, "")
		} else {
			usbOf = append(usbOf, filepath.Base(usbDir))
		}
	}
	return ports, usbOf
}

// comparePorts orders tty names by their prefix, then by number, so that
// ttyS4 comes before ttyS10 as the technician expects.
func comparePorts(a, b string) int {
	pa, na := splitNumber(a)
	pb, nb := splitNumber(b)
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	return na - nb
}

func splitNumber(name string) (string, int) {
	prefix := strings.TrimRight(name, "0123456789")
	n, err := strconv.Atoi(name[len(prefix):])
	if err != nil {
		return name, -1
	}
	return prefix, n
}

// The serial-core UART types that have a well-known name.
var uartTypes = map[string]string{"1": "8250", "2": "16450", "3": "16550", "4": "16550A"}

// realUART tells an on-board UART that is there from the placeholders: the
// 8250 driver registers ttyS0…ttyS31 whether or not a chip answers, and
// serial core shows such a placeholder as type 0 (unknown) with neither an
// I/O port nor a memory address. A tty whose device has no driver, or that
// is no serial-core port at all (no type), carries no device either.
func (s *scanner) realUART(tty, dev string) (string, bool) {
	if driverOf(dev) == "" {
		return "", false
	}
	typ := s.attr(tty, "type")
	if typ == "" || typ == "0" {
		return "", false
	}
	port, mem := s.attr(tty, "port"), s.attr(tty, "iomem_base")
	if zeroHex(port) && zeroHex(mem) {
		return "", false
	}
	kind := "UART type " + typ
	if name, ok := uartTypes[typ]; ok {
		kind = name + " UART"
	}
	if !zeroHex(port) {
		return fmt.Sprintf("%s at I/O port %s", kind, strings.ToLower(port)), true
	}
	return fmt.Sprintf("%s at memory %s", kind, strings.ToLower(mem)), true
}

// zeroHex reports a sysfs number such as "0x0" that is zero, or absent.
func zeroHex(v string) bool {
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToLower(v), "0x"), 16, 64)
	return err != nil || n == 0
}

// serialLinks maps each tty to its /dev/serial/by-id name. udev makes
// these from the adapter's vendor, product and serial, so they survive
// re-plugging and a changed order of ttyUSB numbers. The link is read one
// step only (udev makes it relative, ../../ttyUSB0): a tty node may itself
// be a link (a test's pseudo-terminal), and the name wanted is the tty's.
// A missing folder is no note: udev makes it only for USB adapters.
func (s *scanner) serialLinks() map[string]string {
	dir := filepath.Join(s.dev, "serial", "by-id")
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.noteErr(fmt.Errorf("discover: read /dev/serial/by-id: %w", pathErr(err)))
		}
		return nil
	}
	out := map[string]string{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		tty := filepath.Base(target)
		if _, err := os.Lstat(filepath.Join(s.dev, tty)); err != nil {
			continue // a link left behind by an adapter just pulled
		}
		if _, taken := out[tty]; !taken {
			out[tty] = "/dev/serial/by-id/" + e.Name()
		}
	}
	return out
}
