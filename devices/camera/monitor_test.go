package camera_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/camera/camerasim"
)

type rig struct {
	reg    *devices.Registry
	faults *camerasim.Faults
	mon    *camera.Monitor
	plug   chan struct{}
	open   atomic.Int32 // devices open now
	opens  atomic.Int32 // opened since the start
	stop   func()
}

// counted is a simulated camera whose opening and closing the rig counts.
type counted struct {
	camera.Device
	r    *rig
	once sync.Once
}

func (c *counted) Close() error {
	c.once.Do(func() { c.r.open.Add(-1) })
	return c.Device.Close()
}

func startMonitor(t testing.TB, kind devices.Kind, formats []camera.Format, preview camera.Want, probe time.Duration) *rig {
	t.Helper()
	r := &rig{reg: devices.NewRegistry(kind), faults: &camerasim.Faults{}, plug: make(chan struct{})}
	open := func() (camera.Device, error) {
		d, err := camerasim.NewPattern("sim:"+string(kind), string(kind), formats, 30, r.faults)
		if err != nil {
			return nil, err // unplugged
		}
		r.open.Add(1)
		r.opens.Add(1)
		return &counted{Device: d, r: r}, nil
	}
	r.mon = camera.NewMonitor(kind, open, preview, r.reg, nil)
	r.mon.Retry, r.mon.FrameTimeout, r.mon.Probe = 100*time.Millisecond, 200*time.Millisecond, probe
	r.mon.Plugged = r.plug
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.mon.Run(ctx) })
	r.stop = func() { cancel(); wg.Wait() }
	t.Cleanup(r.stop)
	return r
}

func (r *rig) waitState(t testing.TB, kind devices.Kind, want devices.State, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		for _, s := range r.reg.Snapshot() {
			if s.Kind == kind && s.State == want {
				return time.Since(start)
			}
		}
		if time.Since(start) > within {
			t.Fatalf("%s not %s within %v: %+v", kind, want, within, r.reg.Snapshot())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitClosed waits until no device is open.
func (r *rig) waitClosed(t testing.TB, within time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(within); r.open.Load() != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the camera is still open %v later", within)
		}
	}
}

var vga = camera.Want{Size: camera.Size{Width: 640, Height: 480}}

// TestTheCameraStreamsOnlyWhileWatched: a monitor checks its camera at
// start and closes it again; it streams only while someone watches, stays
// open while any watcher does, closes when the last goes, and forgets its
// last frame then.
func TestTheCameraStreamsOnlyWhileWatched(t *testing.T) {
	r := startMonitor(t, devices.FaceCamera, camerasim.FaceFormats, vga, time.Hour)
	r.waitState(t, devices.FaceCamera, devices.Online, 5*time.Second)
	r.waitClosed(t, time.Second)
	select {
	case <-r.mon.Fresh():
		t.Fatal("a frame came while nobody watched")
	case <-time.After(300 * time.Millisecond):
	}

	start := time.Now()
	first := r.mon.Watch()
	<-r.mon.Fresh()
	t.Logf("first frame %v after Watch", time.Since(start).Round(time.Millisecond))
	var f camera.Frame
	if !r.mon.Latest(&f) || f.Format != (camera.Format{Pixel: camera.MJPEG, Size: vga.Size}) {
		t.Fatalf("latest frame %v", f.Format)
	}
	second := r.mon.Watch()
	first()
	first() // a second release is no release
	seq := f.Seq
	<-r.mon.Fresh()
	if !r.mon.Latest(&f) || f.Seq <= seq || r.open.Load() != 1 {
		t.Fatalf("with one watcher left: frame %d after %d, %d open", f.Seq, seq, r.open.Load())
	}
	second()
	r.waitClosed(t, time.Second)
	if r.mon.Latest(&camera.Frame{}) {
		t.Fatal("the last frame was kept after the last watcher left")
	}
	if s := r.reg.Snapshot()[0]; s.State != devices.Online {
		t.Fatalf("closed after watching, the camera is %s", s.State)
	}
}

// TestMonitorStatesFollowTheCamera: closed, the camera is checked every
// Probe and at a hot-plug event; watched, its frames stopping are a fault.
func TestMonitorStatesFollowTheCamera(t *testing.T) {
	r := startMonitor(t, devices.FaceCamera, camerasim.FaceFormats, vga, 100*time.Millisecond)
	r.waitState(t, devices.FaceCamera, devices.Online, 5*time.Second)
	r.faults.Unplug()
	r.waitState(t, devices.FaceCamera, devices.NoDevice, 5*time.Second)
	r.faults.Plug()
	back := r.waitState(t, devices.FaceCamera, devices.Online, 5*time.Second)
	t.Logf("back online %v after re-plugging", back.Round(time.Millisecond))

	release := r.mon.Watch()
	defer release()
	<-r.mon.Fresh()
	r.faults.Stall()
	r.waitState(t, devices.FaceCamera, devices.HardwareError, 5*time.Second)
	r.faults.Resume()
	r.waitState(t, devices.FaceCamera, devices.Online, 5*time.Second)
}

// TestAHotPlugEventIsCheckedAtOnce: with the slow probe far off, the
// system's word that a camera came or went has the monitor look at once.
func TestAHotPlugEventIsCheckedAtOnce(t *testing.T) {
	r := startMonitor(t, devices.DocumentCamera, camerasim.DocumentFormats, vga, time.Hour)
	r.waitState(t, devices.DocumentCamera, devices.Online, 5*time.Second)
	r.faults.Unplug()
	r.plug <- struct{}{}
	r.waitState(t, devices.DocumentCamera, devices.NoDevice, 2*time.Second)
	r.faults.Plug()
	r.plug <- struct{}{}
	r.waitState(t, devices.DocumentCamera, devices.Online, 2*time.Second)
	if n := r.opens.Load(); n != 2 {
		t.Fatalf("%d opens: want the start's check and the re-plug's", n)
	}
}

// TestCaptureWithNobodyWatching: a still opens the camera at its size for
// the one frame and closes it again.
func TestCaptureWithNobodyWatching(t *testing.T) {
	r := startMonitor(t, devices.DocumentCamera, camerasim.DocumentFormats, vga, time.Hour)
	r.waitState(t, devices.DocumentCamera, devices.Online, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data, err := r.mon.Capture(ctx, camera.Want{}, 90)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width != 1600 {
		t.Fatalf("still %dx%d, %v", cfg.Width, cfg.Height, err)
	}
	r.waitClosed(t, time.Second)
}

func TestCaptureAtTheDocumentSizeThenPreviewAgain(t *testing.T) {
	r := startMonitor(t, devices.DocumentCamera, camerasim.DocumentFormats, vga, time.Hour)
	release := r.mon.Watch()
	defer release()
	r.waitState(t, devices.DocumentCamera, devices.Online, 5*time.Second)
	<-r.mon.Fresh()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data, err := r.mon.Capture(ctx, camera.Want{}, 90) // the largest
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != 1600 || cfg.Height != 1200 {
		t.Fatalf("still %dx%d, %v; want the camera's largest, 1600x1200", cfg.Width, cfg.Height, err)
	}
	// The preview comes back at its own size.
	var f camera.Frame
	deadline := time.Now().Add(5 * time.Second)
	for !(r.mon.Latest(&f) && f.Format.Size.Width == 640) {
		if time.Now().After(deadline) {
			t.Fatalf("preview did not come back: %v", f.Format)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := r.reg.Snapshot()[0]; s.State != devices.Online {
		t.Fatalf("after a capture the camera is %s", s.State)
	}
}

// BenchmarkWatchToFirstFrame: from a photo step asking for the simulated
// camera (closed) to its first frame — the open, the format, the stream's
// start and one frame at 30 a second.
func BenchmarkWatchToFirstFrame(b *testing.B) {
	r := startMonitor(b, devices.FaceCamera, camerasim.FaceFormats, vga, time.Hour)
	r.waitState(b, devices.FaceCamera, devices.Online, 5*time.Second)
	for b.Loop() {
		b.StopTimer()
		r.waitClosed(b, 5*time.Second)
		fresh := r.mon.Fresh()
		b.StartTimer()
		release := r.mon.Watch()
		<-fresh
		b.StopTimer()
		release()
		b.StartTimer()
	}
}
