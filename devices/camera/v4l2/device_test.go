package v4l2

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blackjack/webcam"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

var (
	tinyYUYV = camera.Format{Pixel: camera.YUYV, Size: sz(4, 2)} // 16 bytes a frame
	vgaMJPEG = camera.Format{Pixel: camera.MJPEG, Size: sz(64, 48)}
)

// openFake makes a device on a fake camera, its node a file in a temp
// dir (removing it is unplugging).
func openFake(t *testing.T, c *fakeCam, formats ...camera.Format) (*device, string) {
	t.Helper()
	node := filepath.Join(t.TempDir(), "video0")
	write(t, node, "")
	info := camera.Info{ID: "usb:046d:0825", Name: "fake", Path: "/dev/video0", Formats: formats}
	return newDevice(c, info, node), node
}

func jpegOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestStart(t *testing.T) {
	c := &fakeCam{}
	d, _ := openFake(t, c, vgaMJPEG, tinyYUYV)
	if err := d.Start(camera.Format{Pixel: camera.MJPEG, Size: sz(1920, 1080)}); err == nil || c.set != nil {
		t.Fatalf("a format not offered: %v, set %v", err, c.set)
	}
	if err := d.Start(vgaMJPEG); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.set, []uint32{uint32(camera.MJPEG), 64, 48}) || c.buffers != bufferCount || !c.streaming {
		t.Fatalf("set %v, %d buffers, streaming %v", c.set, c.buffers, c.streaming)
	}
	if err := d.Start(tinyYUYV); err == nil || !strings.Contains(err.Error(), "already streaming") {
		t.Fatalf("a second Start: %v", err)
	}
}

func TestStartRefusesWhatTheDriverChose(t *testing.T) {
	for _, c := range []*fakeCam{
		{chosePix: webcam.PixelFormat(camera.YUYV)},
		{choseW: 32, choseH: 24},
	} {
		d, _ := openFake(t, c, vgaMJPEG)
		err := d.Start(vgaMJPEG)
		if err == nil || !strings.Contains(err.Error(), "the driver chose") || c.streaming {
			t.Errorf("driver chose %v %dx%d: %v", c.chosePix, c.choseW, c.choseH, err)
		}
	}
}

func TestStartOnAnUnpluggedCamera(t *testing.T) {
	// The library reports StartStreaming's errno as a string only: the
	// node gone from /dev is what tells.
	c := &fakeCam{startErr: errors.New("Failed to map request buffers: no such device")}
	d, node := openFake(t, c, vgaMJPEG)
	if err := d.Start(vgaMJPEG); err == nil || errors.Is(err, camera.ErrGone) {
		t.Fatalf("node still there: %v", err)
	}
	os.Remove(node)
	if err := d.Start(vgaMJPEG); !errors.Is(err, camera.ErrGone) {
		t.Fatalf("node gone: %v", err)
	}
	c = &fakeCam{setErr: syscall.ENODEV}
	d, _ = openFake(t, c, vgaMJPEG)
	if err := d.Start(vgaMJPEG); !errors.Is(err, camera.ErrGone) {
		t.Fatalf("ENODEV: %v", err)
	}
}

func TestFrameCopiesOutOfTheDriverBuffer(t *testing.T) {
	a := []byte("AAAAbbbbCCCCdddd")
	b := []byte("0123456789abcdef")
	c := &fakeCam{steps: []step{{data: a}, {data: b}}}
	d, _ := openFake(t, c, tinyYUYV)
	d.Start(tinyYUYV)
	// The driver fills its buffer again as soon as it has it back.
	c.onRelease = func() {
		for i := range c.mmap {
			c.mmap[i] = 'x'
		}
	}
	f1, err := d.Frame(time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(f1.Data, a) || f1.Seq != 1 || f1.Format != tinyYUYV || f1.Time.IsZero() {
		t.Fatalf("frame 1: %q seq %d %v", f1.Data, f1.Seq, f1.Format)
	}
	f2, err := d.Frame(time.Second)
	if err != nil || !bytes.Equal(f2.Data, b) || f2.Seq != 2 {
		t.Fatalf("frame 2: %q seq %d %v", f2.Data, f2.Seq, err)
	}
	if &f1.Data[0] != &f2.Data[0] {
		t.Error("a new buffer for each frame")
	}
	if !slices.Equal(c.released, []uint32{3, 3}) {
		t.Errorf("released %v, want buffer 3 twice", c.released)
	}
}

func TestFrameTimeout(t *testing.T) {
	c := &fakeCam{}
	d, _ := openFake(t, c, tinyYUYV)
	d.Start(tinyYUYV)
	if _, err := d.Frame(1500 * time.Millisecond); !errors.Is(err, camera.ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	if !slices.Equal(c.waits, []uint32{2}) {
		t.Fatalf("waited %v seconds, want [2]", c.waits)
	}
}

func TestWaitSeconds(t *testing.T) {
	for d, want := range map[time.Duration]uint32{
		-time.Second: 0, 0: 0, time.Nanosecond: 1, 999 * time.Millisecond: 1, time.Second: 1,
		1001 * time.Millisecond: 2, 5 * time.Second: 5, 1000 * time.Hour: maxWait,
	} {
		if got := waitSeconds(d); got != want {
			t.Errorf("waitSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

func TestFrameSkipsNonFrames(t *testing.T) {
	good := []byte("0123456789abcdef")
	c := &fakeCam{steps: []step{{get: syscall.EAGAIN}, {data: nil}, {data: good}}}
	d, _ := openFake(t, c, tinyYUYV)
	d.Start(tinyYUYV)
	f, err := d.Frame(5 * time.Second)
	if err != nil || !bytes.Equal(f.Data, good) || f.Seq != 1 {
		t.Fatalf("%q seq %d %v", f.Data, f.Seq, err)
	}
	if len(c.waits) != 3 {
		t.Fatalf("%d waits", len(c.waits))
	}
}

func TestFrameErrors(t *testing.T) {
	cases := []struct {
		name string
		s    step
		gone bool
	}{
		{"poll fails with ENODEV", step{wait: syscall.ENODEV}, true},
		{"dequeue fails with EIO", step{get: syscall.EIO}, true},
		{"dequeue fails with ENODEV", step{get: syscall.ENODEV}, true},
		{"dequeue fails with ENXIO", step{get: syscall.ENXIO}, true},
		{"requeue fails with ENODEV", step{data: make([]byte, 16), release: syscall.ENODEV}, true},
		{"dequeue fails with EINVAL", step{get: syscall.EINVAL}, false},
	}
	for _, c := range cases {
		cam := &fakeCam{steps: []step{c.s}}
		d, _ := openFake(t, cam, tinyYUYV)
		d.Start(tinyYUYV)
		_, err := d.Frame(time.Second)
		if err == nil || errors.Is(err, camera.ErrGone) != c.gone || errors.Is(err, camera.ErrTimeout) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestFrameChecksTheSizeTheDriverStreams(t *testing.T) {
	cases := []struct {
		name   string
		format camera.Format
		data   []byte
		err    string // "" for a frame that passes
	}{
		{"YUYV of the right length", tinyYUYV, make([]byte, 16), ""},
		{"YUYV short", tinyYUYV, make([]byte, 12), "a broken frame"},
		{"YUYV long", tinyYUYV, make([]byte, 24), "chose another size"},
		{"MJPEG of the size asked", vgaMJPEG, jpegOf(t, 64, 48), ""},
		{"MJPEG of another size", vgaMJPEG, jpegOf(t, 32, 24), "the driver streams 32x24"},
		{"MJPEG whose header does not parse", vgaMJPEG, []byte{0xFF, 0xD8, 0xFF}, ""},
	}
	for _, c := range cases {
		cam := &fakeCam{steps: []step{{data: c.data}}}
		d, _ := openFake(t, cam, c.format)
		d.Start(c.format)
		_, err := d.Frame(time.Second)
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%s: %v", c.name, err)
		}
	}

	// An MJPEG stream is checked until a frame tells its size, then not
	// again; YUYV at every frame.
	frame := jpegOf(t, 64, 48)
	cam := &fakeCam{steps: []step{{data: []byte{0xFF, 0xD8}}, {data: frame}, {data: jpegOf(t, 32, 24)}}}
	d, _ := openFake(t, cam, vgaMJPEG)
	d.Start(vgaMJPEG)
	for i := range 3 {
		if _, err := d.Frame(time.Second); err != nil {
			t.Fatalf("frame %d: %v", i+1, err)
		}
	}
}

func TestCloseTwice(t *testing.T) {
	c := &fakeCam{}
	d, _ := openFake(t, c, tinyYUYV)
	d.Start(tinyYUYV)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if c.stops != 1 || c.closes != 1 {
		t.Fatalf("stopped %d times, closed %d times", c.stops, c.closes)
	}
	if _, err := d.Frame(time.Second); err == nil {
		t.Fatal("a frame after Close")
	}
	if err := d.Start(tinyYUYV); err == nil {
		t.Fatal("Start after Close")
	}
	// Never started: closed without stopping.
	c = &fakeCam{}
	d, _ = openFake(t, c, tinyYUYV)
	if err := d.Close(); err != nil || c.stops != 0 || c.closes != 1 {
		t.Fatalf("%v: stopped %d, closed %d", err, c.stops, c.closes)
	}
}

// Close from another goroutine waits for a Frame in progress: the
// buffers must not be unmapped while a frame is copied out of them.
func TestCloseWaitsForAFrameInProgress(t *testing.T) {
	c := &fakeCam{steps: []step{{data: make([]byte, 16), delay: 100 * time.Millisecond}}}
	d, _ := openFake(t, c, tinyYUYV)
	d.Start(tinyYUYV)
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := d.Frame(time.Second); err != nil {
			t.Errorf("frame: %v", err)
		}
	})
	time.Sleep(20 * time.Millisecond)
	d.Close()
	wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lateUse {
		t.Fatal("the camera was used after it was closed")
	}
}
