package v4l2

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/blackjack/webcam"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

var (
	mjpegPix = webcam.PixelFormat(camera.MJPEG)
	yuyvPix  = webcam.PixelFormat(camera.YUYV)
)

// faceCam is a UVC face camera's capture node; metaCam its metadata node,
// which the library opens but which offers no capture formats.
func faceCam() *fakeCam {
	return &fakeCam{name: "HD Webcam C525", bus: "usb-0000:00:14.0-2",
		formats: map[webcam.PixelFormat]string{mjpegPix: "Motion-JPEG", yuyvPix: "YUYV 4:2:2"},
		sizes: map[webcam.PixelFormat][]webcam.FrameSize{
			mjpegPix: {discrete(640, 480), discrete(1280, 720), discrete(1920, 1080)},
			yuyvPix:  {discrete(640, 480)},
		}}
}

func metaCam() *fakeCam { return &fakeCam{name: "HD Webcam C525", bus: "usb-0000:00:14.0-2"} }

func docCam() *fakeCam {
	return &fakeCam{name: "Document Camera", bus: "usb-0000:00:14.0-3",
		formats: map[webcam.PixelFormat]string{mjpegPix: "Motion-JPEG"},
		sizes:   map[webcam.PixelFormat][]webcam.FrameSize{mjpegPix: {discrete(2592, 1944), discrete(640, 480)}}}
}

func TestList(t *testing.T) {
	root := buildTree(t, terminalNodes...)
	h264 := webcam.PixelFormat('H' | '2'<<8 | '6'<<16 | '4'<<24)
	cams := map[string]*fakeCam{
		"video0": faceCam(),
		"video1": metaCam(),
		"video2": docCam(),
		"video3": {openErr: syscall.EACCES},
		"video4": {name: "rkisp_mainpath", bus: "platform:rkisp", formats: map[webcam.PixelFormat]string{h264: "H.264"}},
		// video10 has no camera: unplugged while looking (ENOENT).
	}
	infos, err := fakeSystem(t, root, cams).list()
	if err == nil || !strings.Contains(err.Error(), "/dev/video3") || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("the node without permission: err = %v", err)
	}
	var got []string
	for _, in := range infos {
		got = append(got, in.ID+" "+in.Path+" "+in.Name)
	}
	want := []string{
		"usb-046d_0825_ABCD1234-video-index0 /dev/video0 HD Webcam C525",
		"usb:0c45:6366 /dev/video2 Document Camera",
		"/dev/video4 /dev/video4 rkisp_mainpath",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("listed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if infos[0].Bus != "usb-0000:00:14.0-2" || len(infos[0].Formats) != 4 || infos[0].Formats[0] != (camera.Format{Pixel: camera.MJPEG, Size: sz(1920, 1080)}) {
		t.Errorf("face camera: %+v", infos[0])
	}
	if len(infos[2].Formats) != 0 {
		t.Errorf("an H.264-only node lists formats %v", infos[2].Formats)
	}
	for name, c := range cams {
		if c.openErr == nil && c.closes != 1 {
			t.Errorf("%s opened and closed %d times", name, c.closes)
		}
	}
}

// Two cameras of one model without serial numbers: the by-path names
// tell them apart in the list, and open each; the USB ids are ambiguous.
func TestListTwoOfOneModel(t *testing.T) {
	root := buildTree(t,
		fakeNode{video: "video0", usbDev: "1-2", vid: "0c45", pid: "6366", byPath: "pci-0000:00:14.0-usb-0:2:1.0-video-index0"},
		fakeNode{video: "video2", usbDev: "1-3", vid: "0c45", pid: "6366", byPath: "pci-0000:00:14.0-usb-0:3:1.0-video-index0"},
	)
	s := fakeSystem(t, root, map[string]*fakeCam{"video0": faceCam(), "video2": docCam()})
	infos, err := s.list()
	if err != nil || len(infos) != 2 {
		t.Fatalf("%v %v", infos, err)
	}
	for _, in := range infos {
		if !strings.HasPrefix(in.ID, "pci-") {
			t.Fatalf("%s listed as %q", in.Path, in.ID)
		}
		d, err := s.openCamera(mustID(t, in.ID))
		if err != nil || d.Info().Path != in.Path {
			t.Fatalf("open %s: %v", in.ID, err)
		}
		d.Close()
	}
	if _, err := s.openCamera(mustID(t, "usb:0c45:6366")); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Fatalf("ambiguous id: %v", err)
	}
}

func TestOpenFindsTheCameraAgainAfterReplugging(t *testing.T) {
	const id = "usb:046d:0825"
	before := buildTree(t, terminalNodes[0], terminalNodes[1])
	cams := map[string]*fakeCam{"video0": faceCam(), "video1": metaCam()}
	d, err := fakeSystem(t, before, cams).openCamera(mustID(t, id))
	if err != nil {
		t.Fatal(err)
	}
	if in := d.Info(); in.Path != "/dev/video0" || in.ID != id || in.Name != "HD Webcam C525" || len(in.Formats) != 4 {
		t.Fatalf("opened %+v", in)
	}
	d.Close()
	if cams["video1"].closes != 1 {
		t.Error("the metadata node was left open")
	}

	// Plugged back in while its old node was still held: it comes back as
	// video2 and video3.
	n0, n1 := terminalNodes[0], terminalNodes[1]
	n0.video, n1.video, n0.usbDev, n1.usbDev = "video2", "video3", "1-6", "1-6"
	after := buildTree(t, n0, n1)
	s := fakeSystem(t, after, map[string]*fakeCam{"video2": faceCam(), "video3": metaCam()})
	for _, id := range []string{id, "usb:046d:0825:ABCD1234", n0.byID, "/dev/v4l/by-id/" + n0.byID} {
		d, err := s.openCamera(mustID(t, id))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if d.Info().Path != "/dev/video2" {
			t.Fatalf("%s: opened %s", id, d.Info().Path)
		}
		d.Close()
	}
}

func TestOpenMissing(t *testing.T) {
	root := buildTree(t, terminalNodes[0], terminalNodes[1])
	s := fakeSystem(t, root, map[string]*fakeCam{"video0": faceCam(), "video1": metaCam()})
	for _, id := range []string{"usb:0c45:6366", "/dev/video7", "/dev/video1", "usb-gone-video-index0", "sim:face"} {
		d, err := s.openCamera(mustID(t, id))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v %v, want fs.ErrNotExist", id, d, err)
		}
	}
	// Unplugged: the node and its links are gone, but sysfs may lag.
	os.Remove(filepath.Join(root, "dev", "video0"))
	os.Remove(filepath.Join(root, "dev", "video1"))
	if _, err := s.openCamera(mustID(t, "usb:046d:0825")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unplugged: %v", err)
	}
	if _, err := s.openCamera(camera.ID{}); err == nil {
		t.Error("an empty id")
	}
	// Nothing under /dev at all.
	if _, err := (system{root: t.TempDir(), open: openWebcam}).openCamera(mustID(t, "usb:046d:0825")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("no /dev: %v", err)
	}
}

func TestOpenWithoutPermission(t *testing.T) {
	root := buildTree(t, terminalNodes[2])
	_, err := fakeSystem(t, root, map[string]*fakeCam{"video2": {openErr: syscall.EACCES}}).openCamera(mustID(t, "usb:0c45:6366"))
	if errors.Is(err, fs.ErrNotExist) || !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "/dev/video2") {
		t.Fatalf("err = %v", err)
	}
}

// What can be run on a machine without cameras: the real /dev has no
// video nodes, and the library's open refuses what is not a V4L2 node
// with an error rather than a crash.
func TestOnThisMachine(t *testing.T) {
	nodes, _ := filepath.Glob("/dev/video*")
	if len(nodes) > 0 {
		t.Skipf("this machine has %v: the test is for one without cameras", nodes)
	}
	infos, err := List()
	if err != nil || len(infos) != 0 {
		t.Fatalf("List = %v, %v", infos, err)
	}
	if _, err := Open(mustID(t, "usb:046d:0825")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open = %v", err)
	}
	file := filepath.Join(t.TempDir(), "video0")
	write(t, file, "")
	if h, err := openWebcam(file); err == nil || h != nil {
		t.Fatalf("opened a regular file: %v", err)
	}
}
