package v4l2

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// node is one /dev/videoN and the names that lead to it now.
type node struct {
	path   string   // "/dev/video0", as on the terminal (not under the root)
	num    int      // N, for ordering
	byID   []string // names in /dev/v4l/by-id that point at it
	byPath []string // names in /dev/v4l/by-path that point at it
	vidpid string   // "usb:046d:0825" from sysfs, "" when not on USB
	serial string   // the USB serial number, cleaned; often ""
}

// usb is the sysfs id: usb:VID:PID, with :SERIAL when the camera has one.
func (n node) usb() string {
	if n.vidpid == "" || n.serial == "" {
		return n.vidpid
	}
	return n.vidpid + ":" + n.serial
}

// id is the node's stable id: its by-id name when udev made one (from
// the USB vendor, product and serial), else the USB ids from sysfs, else
// its path (a camera not on USB, such as a MIPI sensor behind an ISP).
func (n node) id() string {
	switch {
	case len(n.byID) > 0:
		return n.byID[0]
	case n.vidpid != "":
		return n.usb()
	}
	return n.path
}

// answersTo says whether id, a USB or link id, names the node. usb:VID:PID
// matches a camera with a serial too, so a configuration written without
// the serial keeps working; case is ignored (VID:PID are written either
// way).
func (n node) answersTo(id camera.ID) bool {
	switch id.Kind {
	case camera.USBID:
		return n.vidpid != "" && strings.EqualFold(n.vidpid, id.USB()) && (id.Serial == "" || strings.EqualFold(n.serial, id.Serial))
	case camera.LinkID:
		return slices.ContainsFunc(slices.Concat(n.byID, n.byPath), func(s string) bool { return strings.EqualFold(s, id.Name) })
	}
	return false
}

// scan finds the video nodes under root ("/" on a terminal) and what
// names each: the udev links and the USB ids in sysfs. Nothing is opened.
func scan(root string) ([]node, error) {
	root, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("v4l2: %w", err)
	}
	return scanDirs(filepath.Join(root, "sys"), filepath.Join(root, "dev"))
}

// scanDirs is scan with the sysfs and /dev trees given apart, as a tool
// reading a copied tree needs them.
func scanDirs(sys, dev string) ([]node, error) {
	sys, err := filepath.EvalSymlinks(sys)
	if err != nil {
		return nil, fmt.Errorf("v4l2: %w", err)
	}
	dev, err = filepath.EvalSymlinks(dev)
	if err != nil {
		return nil, fmt.Errorf("v4l2: %w", err)
	}
	entries, err := os.ReadDir(dev)
	if err != nil {
		return nil, fmt.Errorf("v4l2: %w", err)
	}
	byID := links(dev, "by-id")
	byPath := links(dev, "by-path")
	var nodes []node
	for _, e := range entries {
		num, ok := videoNumber(e.Name())
		if !ok {
			continue
		}
		n := node{path: "/dev/" + e.Name(), num: num, byID: byID[e.Name()], byPath: byPath[e.Name()]}
		n.vidpid, n.serial = usbIDs(sys, e.Name())
		nodes = append(nodes, n)
	}
	slices.SortFunc(nodes, func(a, b node) int { return a.num - b.num })
	return nodes, nil
}

// Node is a video node as /dev and sysfs show it, found without opening
// it: the technician's device scan lists cameras this way, so it works
// without permission on the nodes and on a copied or fake tree.
type Node struct {
	Path   string   // "/dev/video0", as on the terminal
	ID     string   // the by-id name, else usb:VID:PID[:SERIAL], else Path
	USB    string   // usb:VID:PID[:SERIAL]; "" when not on USB
	ByID   []string // names in /dev/v4l/by-id that point at it
	ByPath []string // names in /dev/v4l/by-path that point at it
}

// ScanNodes lists every /dev/videoN under dev, in number order, with the
// names that lead to it: the udev links under dev/v4l and the USB ids
// under sys. sys and dev are /sys and /dev on a terminal. Unlike List it
// opens nothing, so a UVC camera's metadata node is listed too.
func ScanNodes(sys, dev string) ([]Node, error) {
	nodes, err := scanDirs(sys, dev)
	if err != nil {
		return nil, err
	}
	out := make([]Node, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, Node{Path: n.path, ID: n.id(), USB: n.usb(), ByID: n.byID, ByPath: n.byPath})
	}
	return out, nil
}

// videoNumber reads N from "videoN".
func videoNumber(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "video")
	if !ok || digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	return n, err == nil
}

// links maps each videoN to the names in dev/v4l/<kind> that point at it,
// sorted. Links that lead nowhere (a camera just unplugged) are left out.
func links(dev, kind string) map[string][]string {
	dir := filepath.Join(dev, "v4l", kind)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := map[string][]string{}
	for _, e := range entries {
		target, err := filepath.EvalSymlinks(filepath.Join(dir, e.Name()))
		if err != nil || filepath.Dir(target) != dev {
			continue
		}
		out[filepath.Base(target)] = append(out[filepath.Base(target)], e.Name())
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out
}

// usbIDs reads the USB vendor and product ids (and serial) of a video node
// from sysfs. /sys/class/video4linux/videoN/device is a link to the USB
// interface (…/usb1/1-2/1-2:1.0); the ids are in the USB device, its
// parent. The link must be resolved before going up: joining "device/.."
// would be cleaned back to videoN itself without following the link. A
// few levels are tried so a driver that hangs the node elsewhere in the
// tree still gets its ids; a node not on USB has none.
func usbIDs(sys, name string) (vidpid, serial string) {
	dir, err := filepath.EvalSymlinks(filepath.Join(sys, "class", "video4linux", name, "device"))
	if err != nil {
		return "", ""
	}
	inside := sys + string(filepath.Separator)
	for range 3 {
		if !strings.HasPrefix(dir, inside) {
			break
		}
		vid, pid := attr(dir, "idVendor"), attr(dir, "idProduct")
		if isHex4(vid) && isHex4(pid) {
			return "usb:" + strings.ToLower(vid) + ":" + strings.ToLower(pid), cleanSerial(attr(dir, "serial"))
		}
		dir = filepath.Dir(dir)
	}
	return "", ""
}

func attr(dir, name string) string {
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

func isHex4(s string) bool {
	_, err := strconv.ParseUint(s, 16, 16)
	return len(s) == 4 && err == nil
}

// cleanSerial keeps a serial usable inside an id: letters, digits, dot,
// dash and underscore; anything else (spaces, colons) becomes '_', as udev
// does for its by-id names.
func cleanSerial(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// errNotVideo is a path that exists but is no /dev/videoN.
var errNotVideo = errors.New("not a video device")

// match finds the nodes id names. An id starting with "/" is a path —
// /dev/video2, /dev/v4l/by-id/…, or a link a udev rule made — followed to
// its node; anything else is looked up among each node's names. More than
// one node can answer: a UVC camera has a second node for metadata, and
// two cameras of one model without serials share their USB ids.
func match(root string, nodes []node, id camera.ID) ([]node, error) {
	if id.Kind != camera.PathID {
		var out []node
		for _, n := range nodes {
			if n.answersTo(id) {
				out = append(out, n)
			}
		}
		return out, nil
	}
	resolved, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("v4l2: %w", err)
	}
	target, err := filepath.EvalSymlinks(filepath.Join(resolved, id.Name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("v4l2: %s: %w", id.Name, err)
	}
	for _, n := range nodes {
		if filepath.Join(resolved, n.path) == target {
			return []node{n}, nil
		}
	}
	return nil, fmt.Errorf("v4l2: %s: %w", id.Name, errNotVideo)
}
