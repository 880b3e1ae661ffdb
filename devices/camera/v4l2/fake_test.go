package v4l2

// No test here touches a real camera: this machine has no /dev/video*
// and cannot load vivid or v4l2loopback. The trees below are built the
// way udev and the kernel lay out /dev and /sys for a UVC camera, and
// fakeCam stands in for the library's handle on a node.

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/blackjack/webcam"
)

// fakeNode is one /dev/videoN in a fake tree.
type fakeNode struct {
	video  string // "video0"
	usbDev string // the USB device's sysfs name ("1-2"); "" for a platform device
	vid    string
	pid    string
	serial string
	byID   string // a /dev/v4l/by-id name pointing at it, if any
	byPath string // a /dev/v4l/by-path name, if any
}

// buildTree lays out /dev and /sys under a new root as on a terminal:
//
//	/dev/videoN
//	/dev/v4l/by-id/NAME -> ../../videoN
//	/sys/class/video4linux/videoN -> ../../devices/…/1-2/1-2:1.0/video4linux/videoN
//	/sys/devices/…/1-2/{idVendor,idProduct,serial}
//	/sys/devices/…/1-2/1-2:1.0/video4linux/videoN/device -> ../../../1-2:1.0
func buildTree(t *testing.T, nodes ...fakeNode) string {
	t.Helper()
	root := t.TempDir()
	mkdir(t, filepath.Join(root, "dev"))
	mkdir(t, filepath.Join(root, "sys", "class", "video4linux"))
	for _, n := range nodes {
		write(t, filepath.Join(root, "dev", n.video), "")
		var video string
		if n.usbDev != "" {
			usb := filepath.Join(root, "sys", "devices", "pci0000:00", "0000:00:14.0", "usb1", n.usbDev)
			intf := n.usbDev + ":1.0"
			video = filepath.Join(usb, intf, "video4linux", n.video)
			mkdir(t, video)
			write(t, filepath.Join(usb, "idVendor"), n.vid+"\n")
			write(t, filepath.Join(usb, "idProduct"), n.pid+"\n")
			write(t, filepath.Join(usb, intf, "bInterfaceClass"), "0e\n")
			if n.serial != "" {
				write(t, filepath.Join(usb, "serial"), n.serial+"\n")
			}
			link(t, filepath.Join("..", "..", "..", intf), filepath.Join(video, "device"))
		} else {
			platform := filepath.Join(root, "sys", "devices", "platform", "ff680000.rkisp")
			video = filepath.Join(platform, "video4linux", n.video)
			mkdir(t, video)
			link(t, filepath.Join("..", "..", "..", "ff680000.rkisp"), filepath.Join(video, "device"))
		}
		write(t, filepath.Join(video, "name"), "camera\n")
		class := filepath.Join(root, "sys", "class", "video4linux")
		rel, err := filepath.Rel(class, video)
		if err != nil {
			t.Fatal(err)
		}
		link(t, rel, filepath.Join(class, n.video))
		for kind, name := range map[string]string{"by-id": n.byID, "by-path": n.byPath} {
			if name != "" {
				mkdir(t, filepath.Join(root, "dev", "v4l", kind))
				link(t, filepath.Join("..", "..", n.video), filepath.Join(root, "dev", "v4l", kind, name))
			}
		}
	}
	return root
}

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
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

// step is what a fake camera does for one wait: WaitForFrame returns
// wait; when that is nil, GetFrame returns get, or data; ReleaseFrame
// returns release.
type step struct {
	wait    error
	get     error
	data    []byte
	release error
	delay   time.Duration // WaitForFrame takes this long first
}

// fakeCam is a node as the library would show it.
type fakeCam struct {
	name, bus string
	formats   map[webcam.PixelFormat]string
	sizes     map[webcam.PixelFormat][]webcam.FrameSize
	openErr   error

	chosePix  webcam.PixelFormat // what SetImageFormat reports; 0: what was asked
	choseW    uint32
	choseH    uint32
	setErr    error
	startErr  error
	steps     []step
	onRelease func() // after a release: the driver fills the buffer again

	mu        sync.Mutex
	set       []uint32 // pixel format, width, height asked for
	buffers   uint32
	waits     []uint32
	current   step
	mmap      []byte // the driver's buffer, reused for every frame
	released  []uint32
	streaming bool
	stops     int
	closes    int
	closed    bool
	lateUse   bool // used after Close
}

func (c *fakeCam) use() {
	if c.closed {
		c.lateUse = true
	}
}

func (c *fakeCam) GetName() (string, error)    { return c.name, nil }
func (c *fakeCam) GetBusInfo() (string, error) { return c.bus, nil }
func (c *fakeCam) GetSupportedFormats() map[webcam.PixelFormat]string {
	out := map[webcam.PixelFormat]string{}
	for k, v := range c.formats {
		out[k] = v
	}
	return out
}
func (c *fakeCam) GetSupportedFrameSizes(f webcam.PixelFormat) []webcam.FrameSize { return c.sizes[f] }

func (c *fakeCam) SetImageFormat(f webcam.PixelFormat, w, h uint32) (webcam.PixelFormat, uint32, uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.use()
	c.set = []uint32{uint32(f), w, h}
	if c.setErr != nil {
		return 0, 0, 0, c.setErr
	}
	if c.chosePix != 0 {
		f = c.chosePix
	}
	if c.choseW != 0 {
		w, h = c.choseW, c.choseH
	}
	return f, w, h, nil
}

func (c *fakeCam) SetBufferCount(n uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buffers = n
	return nil
}

func (c *fakeCam) StartStreaming() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.use()
	if c.startErr != nil {
		return c.startErr
	}
	c.streaming = true
	return nil
}

func (c *fakeCam) WaitForFrame(seconds uint32) error {
	c.mu.Lock()
	c.use()
	c.waits = append(c.waits, seconds)
	if len(c.steps) == 0 {
		c.mu.Unlock()
		return &webcam.Timeout{}
	}
	c.current, c.steps = c.steps[0], c.steps[1:]
	delay, err := c.current.delay, c.current.wait
	c.mu.Unlock()
	time.Sleep(delay)
	return err
}

func (c *fakeCam) GetFrame() ([]byte, uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.use()
	if c.current.get != nil {
		return nil, 0, c.current.get
	}
	c.mmap = append(c.mmap[:0], c.current.data...)
	return c.mmap, 3, nil
}

func (c *fakeCam) ReleaseFrame(index uint32) error {
	c.mu.Lock()
	c.use()
	c.released = append(c.released, index)
	err := c.current.release
	c.mu.Unlock()
	if c.onRelease != nil {
		c.onRelease()
	}
	return err
}

func (c *fakeCam) StopStreaming() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.use()
	c.stops++
	c.streaming = false
	return nil
}

func (c *fakeCam) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closes++
	c.closed = true
	return nil
}

// fakeSystem opens the fake cameras by node name, under root; a node
// with no camera answers ENOENT, as one unplugged while looking.
func fakeSystem(t *testing.T, root string, cams map[string]*fakeCam) system {
	return system{root: root, open: func(path string) (handle, error) {
		if filepath.Dir(path) != filepath.Join(root, "dev") {
			t.Errorf("opened %s, not a node under the root %s", path, root)
		}
		c, ok := cams[filepath.Base(path)]
		if !ok {
			return nil, syscall.ENOENT
		}
		if c.openErr != nil {
			return nil, c.openErr
		}
		c.mu.Lock()
		c.closed = false
		c.mu.Unlock()
		return c, nil
	}}
}
