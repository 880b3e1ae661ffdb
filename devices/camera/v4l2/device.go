package v4l2

import (
	"bytes"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/blackjack/webcam"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// bufferCount is how many mmap buffers the driver fills in turn: enough
// that the camera keeps sending while one frame is copied out, few enough
// that a frame is not old when it is read (the library's default is 256).
const bufferCount = 4

// maxWait caps one wait: the library takes whole seconds and multiplies
// them by 1000 in 32 bits. Longer timeouts wait in turns.
const maxWait = 3600

// device is one opened camera. Its methods are serialised: Close waits
// for a Frame in progress (at most its timeout) rather than unmapping the
// buffers under it.
type device struct {
	mu   sync.Mutex
	h    handle // nil once closed
	info camera.Info
	node string // the node's path under the system's root, to see if it is gone

	format  camera.Format
	started bool
	checked bool   // a frame showed the driver streams format's size
	buf     []byte // the last frame, copied out of the driver's buffer
	seq     uint64
}

func newDevice(h handle, info camera.Info, node string) *device {
	return &device{h: h, info: info, node: node}
}

func (d *device) Info() camera.Info { return d.info }

var errClosed = errors.New("closed")

// Start sets the format and starts streaming. A device streams in one
// format for its life: to change it, close it and open the camera again,
// as the camera monitor does (UVC refuses a new format while buffers are
// allocated).
func (d *device) Start(f camera.Format) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.h == nil:
		return fmt.Errorf("v4l2: %s: %w", d.info.Path, errClosed)
	case d.started:
		return fmt.Errorf("v4l2: %s: already streaming %v; close and open again for another format", d.info.Path, d.format)
	case !slices.Contains(d.info.Formats, f):
		return fmt.Errorf("v4l2: %s does not offer %v", d.info.Path, f)
	}
	pix, w, h, err := d.h.SetImageFormat(webcam.PixelFormat(f.Pixel), uint32(f.Size.Width), uint32(f.Size.Height))
	if err != nil {
		return d.fail("set format "+f.String(), err)
	}
	// Drivers adjust a format they cannot do to one they can, and say so
	// rather than fail. webcam v0.6.1 reports the pixel format the driver
	// chose but echoes back the size that was asked for, so the size is
	// checked again on the first frames (checkFrame).
	if got := (camera.Format{Pixel: camera.PixelFormat(pix), Size: camera.Size{Width: int(w), Height: int(h)}}); got != f {
		return fmt.Errorf("v4l2: %s: asked for %v, the driver chose %v", d.info.Path, f, got)
	}
	if err := d.h.SetBufferCount(bufferCount); err != nil {
		return d.fail("buffers", err)
	}
	if err := d.h.StartStreaming(); err != nil {
		return d.fail("start streaming", err)
	}
	d.format, d.started, d.checked, d.seq = f, true, false, 0
	return nil
}

// Frame waits for the next frame and copies it into the device's buffer:
// the driver's mmap buffer goes back to the driver at once, to be filled
// again. The library waits in whole seconds, so timeout is rounded up to
// the next second (a 200 ms timeout may wait a second).
func (d *device) Frame(timeout time.Duration) (camera.Frame, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case d.h == nil:
		return camera.Frame{}, fmt.Errorf("v4l2: %s: %w", d.info.Path, errClosed)
	case !d.started:
		return camera.Frame{}, fmt.Errorf("v4l2: %s: not streaming", d.info.Path)
	}
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		err := d.h.WaitForFrame(waitSeconds(left))
		var t *webcam.Timeout
		switch {
		case errors.As(err, &t):
			if left > maxWait*time.Second {
				continue // one capped wait of a longer timeout
			}
			return camera.Frame{}, fmt.Errorf("v4l2: %s: %w", d.info.Path, camera.ErrTimeout)
		case err != nil:
			return camera.Frame{}, d.fail("wait for a frame", err)
		}
		data, index, err := d.h.GetFrame()
		if errors.Is(err, syscall.EAGAIN) {
			// Woken with no frame ready: wait again for what is left.
			if !time.Now().Before(deadline) {
				return camera.Frame{}, fmt.Errorf("v4l2: %s: %w", d.info.Path, camera.ErrTimeout)
			}
			continue
		}
		if err != nil {
			return camera.Frame{}, d.fail("dequeue a frame", err)
		}
		at := time.Now()
		d.buf = append(d.buf[:0], data...)
		if err := d.h.ReleaseFrame(index); err != nil {
			return camera.Frame{}, d.fail("requeue a buffer", err)
		}
		if len(d.buf) == 0 {
			// An empty buffer (a frame the driver dropped): not a frame.
			if !time.Now().Before(deadline) {
				return camera.Frame{}, fmt.Errorf("v4l2: %s: %w", d.info.Path, camera.ErrTimeout)
			}
			continue
		}
		if !d.checked {
			ok, err := checkFrame(d.format, d.buf)
			if err != nil {
				return camera.Frame{}, fmt.Errorf("v4l2: %s: %w", d.info.Path, err)
			}
			// YUYV is checked on every frame (a length, cheap); MJPEG
			// once a frame's header could be read.
			d.checked = ok && d.format.Pixel == camera.MJPEG
		}
		d.seq++
		return camera.Frame{Format: d.format, Data: d.buf, Seq: d.seq, Time: at}, nil
	}
}

// waitSeconds is the wait the library takes: whole seconds, rounded up.
func waitSeconds(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(min((d+time.Second-1)/time.Second, maxWait))
}

// checkFrame checks that a frame is of format's size: the library does
// not report the size the driver chose, the frame shows it. ok is false
// when the frame could not tell (an MJPEG frame whose header does not
// parse; the decoder will say what is wrong with it).
func checkFrame(f camera.Format, data []byte) (ok bool, err error) {
	switch f.Pixel {
	case camera.YUYV:
		want := f.Size.Pixels() * 2
		switch {
		case len(data) < want:
			return false, fmt.Errorf("a broken frame: YUYV %v needs %d bytes, the frame has %d", f.Size, want, len(data))
		case len(data) > want:
			return false, fmt.Errorf("the driver streams frames of %d bytes, larger than YUYV %v (%d): it chose another size", len(data), f.Size, want)
		}
		return true, nil
	case camera.MJPEG:
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return false, nil
		}
		if got := (camera.Size{Width: cfg.Width, Height: cfg.Height}); got != f.Size {
			return false, fmt.Errorf("asked for MJPEG %v, the driver streams %v", f.Size, got)
		}
		return true, nil
	}
	return true, nil
}

// fail wraps an error from the driver. A camera pulled out answers
// ENODEV (its node is unregistered) or EIO (its queue is marked broken),
// and its node disappears: each of these makes the error camera.ErrGone.
// The last check matters because the library turns some errnos into bare
// strings (StartStreaming's).
func (d *device) fail(what string, err error) error {
	if gone(err) || !exists(d.node) {
		return fmt.Errorf("v4l2: %s: %s: %w (%v)", d.info.Path, what, camera.ErrGone, err)
	}
	return fmt.Errorf("v4l2: %s: %s: %w", d.info.Path, what, err)
}

func gone(err error) bool {
	return errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Close stops streaming and closes the node. It is safe to call twice:
// the library would close the descriptor number again, which by then may
// belong to another file.
func (d *device) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.h == nil {
		return nil
	}
	h := d.h
	d.h = nil
	var errs []error
	if d.started {
		d.started = false
		if err := h.StopStreaming(); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("v4l2: %s: stop streaming: %w", d.info.Path, err))
		}
	}
	if err := h.Close(); err != nil {
		errs = append(errs, fmt.Errorf("v4l2: close %s: %w", d.info.Path, err))
	}
	return errors.Join(errs...)
}

var _ camera.Device = (*device)(nil)
