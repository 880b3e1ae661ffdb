package camera_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"sync"
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
	stop   func()
}

func startMonitor(t *testing.T, kind devices.Kind, formats []camera.Format, preview camera.Want) *rig {
	t.Helper()
	r := &rig{reg: devices.NewRegistry(kind), faults: &camerasim.Faults{}}
	open := func() (camera.Device, error) {
		return camerasim.NewPattern("sim:"+string(kind), string(kind), formats, 30, r.faults)
	}
	r.mon = camera.NewMonitor(kind, open, preview, r.reg, nil)
	r.mon.Retry, r.mon.FrameTimeout = 100*time.Millisecond, 200*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.mon.Run(ctx) })
	r.stop = func() { cancel(); wg.Wait() }
	t.Cleanup(r.stop)
	return r
}

func (r *rig) waitState(t *testing.T, kind devices.Kind, want devices.State, within time.Duration) time.Duration {
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

func TestMonitorStatesFollowTheCamera(t *testing.T) {
	r := startMonitor(t, devices.FaceCamera, camerasim.FaceFormats, camera.Want{Size: camera.Size{Width: 640, Height: 480}})
	r.waitState(t, devices.FaceCamera, devices.Online, 5*time.Second)

	var f camera.Frame
	<-r.mon.Fresh()
	if !r.mon.Latest(&f) || f.Format != (camera.Format{Pixel: camera.MJPEG, Size: camera.Size{Width: 640, Height: 480}}) {
		t.Fatalf("latest frame %v", f.Format)
	}
	seq := f.Seq
	<-r.mon.Fresh()
	if !r.mon.Latest(&f) || f.Seq <= seq {
		t.Fatalf("no newer frame after %d", seq)
	}

	r.faults.Unplug()
	r.waitState(t, devices.FaceCamera, devices.NoDevice, 5*time.Second)
	r.faults.Plug()
	back := r.waitState(t, devices.FaceCamera, devices.Online, 5*time.Second)
	t.Logf("back online %v after re-plugging", back.Round(time.Millisecond))

	r.faults.Stall()
	r.waitState(t, devices.FaceCamera, devices.HardwareError, 5*time.Second)
	r.faults.Resume()
	r.waitState(t, devices.FaceCamera, devices.Online, 5*time.Second)
}

func TestCaptureAtTheDocumentSizeThenPreviewAgain(t *testing.T) {
	r := startMonitor(t, devices.DocumentCamera, camerasim.DocumentFormats, camera.Want{Size: camera.Size{Width: 640, Height: 480}})
	r.waitState(t, devices.DocumentCamera, devices.Online, 5*time.Second)
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
