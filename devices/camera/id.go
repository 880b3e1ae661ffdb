package camera

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
)

// IDKind says how an ID names its camera.
type IDKind int

const (
	// SimID is a simulated camera: sim:face or sim:document.
	SimID IDKind = iota + 1
	// USBID is a USB camera by its ids: usb:VID:PID, or usb:VID:PID:SERIAL
	// when two cameras of one model stand in one terminal.
	USBID
	// LinkID is a name udev made in /dev/v4l/by-id (from the vendor,
	// product and serial) or /dev/v4l/by-path (from the USB port).
	LinkID
	// PathID is an absolute path under /dev: /dev/v4l/by-id/…, a link a
	// local udev rule made, or /dev/videoN, whose number can change.
	PathID
)

// An ID names a camera as the configuration, kioskctl and camera lists
// write it, stable across reboots and re-plugging (but a /dev/videoN
// path). ParseID reads one and String writes it back; the terminal,
// kioskctl and the self-test open a camera by it alone.
type ID struct {
	Kind IDKind
	// Name is the simulated camera ("face", "document"), the udev link's
	// name, or the path.
	Name     string
	VID, PID uint16 // USBID
	Serial   string // USBID: the serial as sysfs gives it, cleaned; "" for any
}

// simulated are the names of the simulated cameras.
var simulated = []string{"face", "document"}

// ParseID reads a camera id.
func ParseID(s string) (ID, error) {
	bad := func(why string) (ID, error) {
		return ID{}, fmt.Errorf("camera: %q is not a camera id: %s", s, why)
	}
	switch {
	case s == "":
		return bad("empty")
	case strings.HasPrefix(s, "sim:"):
		name := strings.TrimPrefix(s, "sim:")
		for _, n := range simulated {
			if name == n {
				return ID{Kind: SimID, Name: name}, nil
			}
		}
		return bad("the simulated cameras are sim:face and sim:document")
	case len(s) > 4 && strings.EqualFold(s[:4], "usb:"): // USB:046D:0825 too: hex has two cases
		parts := strings.SplitN(s[4:], ":", 3)
		if len(parts) < 2 {
			return bad("want usb:VID:PID or usb:VID:PID:SERIAL, VID and PID in hex")
		}
		vid, pid, err := usbdev.ParseID(parts[0] + ":" + parts[1])
		if err != nil {
			return bad("want usb:VID:PID or usb:VID:PID:SERIAL, VID and PID in hex")
		}
		id := ID{Kind: USBID, VID: vid, PID: pid}
		if len(parts) == 3 {
			if parts[2] == "" || strings.IndexFunc(parts[2], notSerial) >= 0 {
				return bad("a serial holds letters, digits, '.', '-' and '_' (camera list shows it)")
			}
			id.Serial = parts[2]
		}
		return id, nil
	case strings.HasPrefix(s, "/"):
		if !strings.HasPrefix(s, "/dev/") || filepath.Clean(s) != s {
			return bad("a path must be a clean absolute path under /dev")
		}
		return ID{Kind: PathID, Name: s}, nil
	case strings.ContainsAny(s, "/ \t\n") || s == "." || s == "..":
		return bad("want sim:NAME, usb:VID:PID[:SERIAL], a /dev/v4l/by-id or by-path name, or a path under /dev")
	case strings.HasPrefix(s, "video") && strings.Trim(s[len("video"):], "0123456789") == "":
		return bad("videoN is the kernel's name, which changes with the order cameras are found: use the id camera list shows")
	case !isV4LLink(s):
		return bad("want sim:face or sim:document, usb:VID:PID[:SERIAL], a udev name ending -video-indexN as camera list shows it, or a path under /dev")
	}
	return ID{Kind: LinkID, Name: s}, nil
}

// isV4LLink reports whether name looks like a link udev's rules make in
// /dev/v4l/by-id and by-path: "…-video-indexN". Anything else without a
// prefix or a slash is a slip (a bare VID:PID, "face"), not a camera.
func isV4LLink(name string) bool {
	i := strings.LastIndex(name, "-video-index")
	if i <= 0 {
		return false
	}
	n := name[i+len("-video-index"):]
	return n != "" && strings.Trim(n, "0123456789") == ""
}

// Link returns the udev link name an id names: a LinkID's name, or the
// last element of a path in /dev/v4l/by-id or by-path; "" otherwise. Two
// ids with the same link name the same camera.
func (id ID) Link() string {
	switch {
	case id.Kind == LinkID:
		return id.Name
	case id.Kind == PathID && (strings.HasPrefix(id.Name, "/dev/v4l/by-id/") || strings.HasPrefix(id.Name, "/dev/v4l/by-path/")):
		return filepath.Base(id.Name)
	}
	return ""
}

// notSerial reports a rune a cleaned USB serial does not hold.
func notSerial(r rune) bool {
	return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '.' || r == '-' || r == '_')
}

// Simulated reports whether the id names a simulated camera.
func (id ID) Simulated() bool { return id.Kind == SimID }

// USB returns usb:VID:PID, without the serial; "" for an id of another
// kind.
func (id ID) USB() string {
	if id.Kind != USBID {
		return ""
	}
	return fmt.Sprintf("usb:%04x:%04x", id.VID, id.PID)
}

func (id ID) String() string {
	switch id.Kind {
	case SimID:
		return "sim:" + id.Name
	case USBID:
		if id.Serial != "" {
			return id.USB() + ":" + id.Serial
		}
		return id.USB()
	}
	return id.Name
}
