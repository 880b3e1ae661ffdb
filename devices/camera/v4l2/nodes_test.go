package v4l2

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// A terminal's nodes: a face camera with a serial (two nodes, capture and
// metadata) that udev named; a cheap camera without serial on a system
// without the by-id rules; a camera whose serial has a space and colons;
// a MIPI sensor behind the SoC's ISP (no USB); and a tenth node, to see
// that video10 sorts after video4.
var terminalNodes = []fakeNode{
	{video: "video0", usbDev: "1-2", vid: "046d", pid: "0825", serial: "ABCD1234",
		byID: "usb-046d_0825_ABCD1234-video-index0", byPath: "pci-0000:00:14.0-usb-0:2:1.0-video-index0"},
	{video: "video1", usbDev: "1-2", vid: "046d", pid: "0825", serial: "ABCD1234",
		byID: "usb-046d_0825_ABCD1234-video-index1", byPath: "pci-0000:00:14.0-usb-0:2:1.0-video-index1"},
	{video: "video2", usbDev: "1-3", vid: "0c45", pid: "6366"},
	{video: "video3", usbDev: "1-4", vid: "1BCF", pid: "2C99", serial: "SN 01:02"},
	{video: "video4"},
	{video: "video10", usbDev: "1-5", vid: "32e4", pid: "9230", serial: "01.00.00"},
}

func TestScanNamesEachNode(t *testing.T) {
	root := buildTree(t, terminalNodes...)
	// Things in /dev and /dev/v4l that are not cameras.
	write(t, filepath.Join(root, "dev", "null"), "")
	write(t, filepath.Join(root, "dev", "video"), "")
	write(t, filepath.Join(root, "dev", "videoX"), "")
	link(t, filepath.Join("..", "..", "video9"), filepath.Join(root, "dev", "v4l", "by-id", "usb-gone-video-index0"))
	link(t, filepath.Join("..", "..", "null"), filepath.Join(root, "dev", "v4l", "by-id", "not-video"))

	nodes, err := scan(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ path, id, usb string }{
		{"/dev/video0", "usb-046d_0825_ABCD1234-video-index0", "usb:046d:0825:ABCD1234"},
		{"/dev/video1", "usb-046d_0825_ABCD1234-video-index1", "usb:046d:0825:ABCD1234"},
		{"/dev/video2", "usb:0c45:6366", "usb:0c45:6366"},
		{"/dev/video3", "usb:1bcf:2c99:SN_01_02", "usb:1bcf:2c99:SN_01_02"},
		{"/dev/video4", "/dev/video4", ""},
		{"/dev/video10", "usb:32e4:9230:01.00.00", "usb:32e4:9230:01.00.00"},
	}
	if len(nodes) != len(want) {
		t.Fatalf("%d nodes, want %d: %+v", len(nodes), len(want), nodes)
	}
	for i, w := range want {
		n := nodes[i]
		if n.path != w.path || n.id() != w.id || n.usb() != w.usb {
			t.Errorf("node %d: %s id %q usb %q; want %s id %q usb %q", i, n.path, n.id(), n.usb(), w.path, w.id, w.usb)
		}
	}
}

// The USB ids are in the parent of what videoN/device links to. Joining
// "device/.." is cleaned to videoN without following the link, and finds
// nothing: the tree is built so that mistake fails this test.
func TestUSBIDsFollowTheDeviceLink(t *testing.T) {
	root := buildTree(t, terminalNodes[2])
	lexical := filepath.Join(root, "sys", "class", "video4linux", "video2", "device", "..", "idVendor")
	if _, err := os.Stat(lexical); err == nil {
		t.Fatal("the fake tree has idVendor where a lexical join looks: the test proves nothing")
	}
	if vidpid, serial := usbIDs(filepath.Join(root, "sys"), "video2"); vidpid != "usb:0c45:6366" || serial != "" {
		t.Fatalf("usbIDs = %q %q", vidpid, serial)
	}
	if vidpid, _ := usbIDs(filepath.Join(root, "sys"), "video7"); vidpid != "" {
		t.Fatalf("a node without sysfs entry: %q", vidpid)
	}
}

func TestMatch(t *testing.T) {
	root := buildTree(t, terminalNodes...)
	write(t, filepath.Join(root, "dev", "null"), "")
	mkdir(t, filepath.Join(root, "dev", "yizhan"))
	link(t, filepath.Join("..", "video2"), filepath.Join(root, "dev", "yizhan", "document-camera"))
	nodes, err := scan(root)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		id   string
		want []string
		err  error
	}{
		{"usb-046d_0825_ABCD1234-video-index0", []string{"/dev/video0"}, nil},
		{"usb:046d:0825", []string{"/dev/video0", "/dev/video1"}, nil}, // capture and metadata: Open tells them apart
		{"usb:046d:0825:ABCD1234", []string{"/dev/video0", "/dev/video1"}, nil},
		{"USB:046D:0825", []string{"/dev/video0", "/dev/video1"}, nil},
		{"usb:046d:0825:OTHER", nil, nil},
		{"pci-0000:00:14.0-usb-0:2:1.0-video-index0", []string{"/dev/video0"}, nil},
		{"usb:0c45:6366", []string{"/dev/video2"}, nil},
		{"usb:1bcf:2c99:SN_01_02", []string{"/dev/video3"}, nil},
		{"/dev/video4", []string{"/dev/video4"}, nil},
		{"/dev/v4l/by-id/usb-046d_0825_ABCD1234-video-index0", []string{"/dev/video0"}, nil},
		{"/dev/yizhan/document-camera", []string{"/dev/video2"}, nil},
		{"/dev/video9", nil, nil},
		{"/dev/null", nil, errNotVideo},
		{"usb:dead:beef", nil, nil},
		{"sim:face", nil, nil}, // no V4L2 camera
	}
	for _, c := range cases {
		got, err := match(root, nodes, mustID(t, c.id))
		var paths []string
		for _, n := range got {
			paths = append(paths, n.path)
		}
		if !slices.Equal(paths, c.want) || !errors.Is(err, c.err) {
			t.Errorf("match(%q) = %v, %v; want %v, %v", c.id, paths, err, c.want, c.err)
		}
	}
}

func TestVideoNumber(t *testing.T) {
	for name, want := range map[string]int{"video0": 0, "video12": 12, "video": -1, "videoX": -1, "video1a": -1, "vbi0": -1, "video-face": -1, "video+1": -1} {
		n, ok := videoNumber(name)
		if ok != (want >= 0) || (ok && n != want) {
			t.Errorf("videoNumber(%q) = %d %v", name, n, ok)
		}
	}
}

func TestCleanSerial(t *testing.T) {
	for in, want := range map[string]string{"ABCD1234": "ABCD1234", "SN 01:02": "SN_01_02", "01.00.00": "01.00.00", "a/b": "a_b", "序列": "__"} {
		if got := cleanSerial(in); got != want {
			t.Errorf("cleanSerial(%q) = %q, want %q", in, got, want)
		}
	}
}

// ScanNodes takes /sys and /dev apart, as the device scan does; here each
// is reached through a link from elsewhere, so both must be resolved
// before the links in them are compared.
func TestScanNodesWithSeparateTrees(t *testing.T) {
	root := buildTree(t, terminalNodes...)
	elsewhere := t.TempDir()
	link(t, filepath.Join(root, "sys"), filepath.Join(elsewhere, "sys-copy"))
	link(t, filepath.Join(root, "dev"), filepath.Join(elsewhere, "dev-copy"))

	nodes, err := ScanNodes(filepath.Join(elsewhere, "sys-copy"), filepath.Join(elsewhere, "dev-copy"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Node{
		{Path: "/dev/video0", ID: "usb-046d_0825_ABCD1234-video-index0", USB: "usb:046d:0825:ABCD1234",
			ByID: []string{"usb-046d_0825_ABCD1234-video-index0"}, ByPath: []string{"pci-0000:00:14.0-usb-0:2:1.0-video-index0"}},
		{Path: "/dev/video1", ID: "usb-046d_0825_ABCD1234-video-index1", USB: "usb:046d:0825:ABCD1234",
			ByID: []string{"usb-046d_0825_ABCD1234-video-index1"}, ByPath: []string{"pci-0000:00:14.0-usb-0:2:1.0-video-index1"}},
		{Path: "/dev/video2", ID: "usb:0c45:6366", USB: "usb:0c45:6366"},
		{Path: "/dev/video3", ID: "usb:1bcf:2c99:SN_01_02", USB: "usb:1bcf:2c99:SN_01_02"},
		{Path: "/dev/video4", ID: "/dev/video4"},
		{Path: "/dev/video10", ID: "usb:32e4:9230:01.00.00", USB: "usb:32e4:9230:01.00.00"},
	}
	if len(nodes) != len(want) {
		t.Fatalf("%d nodes, want %d: %+v", len(nodes), len(want), nodes)
	}
	for i, w := range want {
		n := nodes[i]
		if n.Path != w.Path || n.ID != w.ID || n.USB != w.USB || !slices.Equal(n.ByID, w.ByID) || !slices.Equal(n.ByPath, w.ByPath) {
			t.Errorf("node %d = %+v, want %+v", i, n, w)
		}
	}
	if _, err := ScanNodes(filepath.Join(elsewhere, "no-sys"), filepath.Join(elsewhere, "dev-copy")); err == nil {
		t.Error("a missing sysfs tree gave no error")
	}
}

// mustID reads a camera id the test knows to be good.
func mustID(t *testing.T, s string) camera.ID {
	t.Helper()
	id, err := camera.ParseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
