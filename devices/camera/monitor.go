package camera

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Opener opens the camera anew each time: after re-plugging, its
// /dev/videoN may have changed, so it is found again by its stable id.
type Opener func() (Device, error)

// Monitor keeps one camera open and streaming at its preview format,
// reports its state to the registry (online; noDevice while unplugged and
// back within seconds of re-plugging; hardwareError when frames stop),
// keeps the latest frame for previews, and takes still captures. One
// goroutine, Run, owns the device.
type Monitor struct {
	kind    devices.Kind
	open    Opener
	preview Want
	reg     *devices.Registry
	log     *slog.Logger

	// Retry is the wait between attempts to open a missing camera;
	// FrameTimeout how long a frame may take before the camera counts as
	// stalled.
	Retry, FrameTimeout time.Duration

	mu     sync.Mutex
	latest Frame
	fresh  chan struct{} // closed and replaced at each new frame

	captures chan capture
}

type capture struct {
	want    Want
	quality int
	reply   chan captured
}

type captured struct {
	jpeg []byte
	err  error
}

// NewMonitor watches the camera open opens, streaming at preview.
func NewMonitor(kind devices.Kind, open Opener, preview Want, reg *devices.Registry, log *slog.Logger) *Monitor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Monitor{kind: kind, open: open, preview: preview, reg: reg, log: log,
		Retry: time.Second, FrameTimeout: 2 * time.Second,
		fresh: make(chan struct{}), captures: make(chan capture)}
}

func (m *Monitor) report(state devices.State, actor devices.Actor, reason string) {
	m.reg.Report(devices.Status{Kind: m.kind, State: state, Actor: actor, Reason: reason})
}

// Run opens the camera, streams and reports until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	for ctx.Err() == nil {
		dev, err := m.open()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrGone) {
				m.report(devices.NoDevice, devices.Technician, "camera not connected")
			} else {
				m.report(devices.HardwareError, devices.Technician, err.Error())
			}
			if !sleep(ctx, m.Retry) {
				return
			}
			continue
		}
		err = m.stream(ctx, dev)
		dev.Close()
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errReopen):
			continue // back to the preview at once
		case errors.Is(err, ErrGone):
			m.log.Warn("camera gone", "kind", m.kind)
			m.report(devices.NoDevice, devices.Technician, "camera unplugged")
		default:
			m.log.Warn("camera failed", "kind", m.kind, "err", err)
			m.report(devices.HardwareError, devices.Technician, err.Error())
		}
		if !sleep(ctx, m.Retry) {
			return
		}
	}
}

// stallsBeforeReopen is how many frame timeouts in a row make the monitor
// close the camera and open it again, which brings back many a stuck UVC
// camera.
const stallsBeforeReopen = 3

func (m *Monitor) stream(ctx context.Context, dev Device) error {
	format, err := Negotiate(dev.Info().Formats, m.preview)
	if err != nil {
		return err
	}
	if err := dev.Start(format); err != nil {
		return err
	}
	m.report(devices.Online, devices.NoOne, format.String())
	stalls := 0
	for ctx.Err() == nil {
		select {
		case c := <-m.captures:
			jpeg, reopened, err := m.still(dev, format, c)
			c.reply <- captured{jpeg, err}
			if reopened {
				return errReopen
			}
			if err != nil {
				return err
			}
			continue
		default:
		}
		f, err := dev.Frame(m.FrameTimeout)
		switch {
		case errors.Is(err, ErrTimeout):
			stalls++
			m.report(devices.HardwareError, devices.Device, "no frames from the camera")
			if stalls >= stallsBeforeReopen {
				return fmt.Errorf("camera: no frames for %v", time.Duration(stalls)*m.FrameTimeout)
			}
			continue
		case err != nil:
			return err
		}
		if stalls > 0 {
			stalls = 0
			m.report(devices.Online, devices.NoOne, format.String())
		}
		m.keep(f)
	}
	return ctx.Err()
}

// keep copies a frame as the latest, into a buffer reused from frame to
// frame, and wakes whoever waits for one.
func (m *Monitor) keep(f Frame) {
	m.mu.Lock()
	m.latest.Data = append(m.latest.Data[:0], f.Data...)
	m.latest.Format, m.latest.Seq, m.latest.Time = f.Format, f.Seq, f.Time
	close(m.fresh)
	m.fresh = make(chan struct{})
	m.mu.Unlock()
}

// Latest copies the newest frame into dst (reusing dst.Data) when it is
// newer than the one dst holds, and reports whether it was.
func (m *Monitor) Latest(dst *Frame) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.latest.Data == nil || (m.latest.Seq == dst.Seq && m.latest.Time.Equal(dst.Time)) {
		return false
	}
	dst.Data = append(dst.Data[:0], m.latest.Data...)
	dst.Format, dst.Seq, dst.Time = m.latest.Format, m.latest.Seq, m.latest.Time
	return true
}

// Fresh returns a channel that is closed when the next frame arrives.
func (m *Monitor) Fresh() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fresh
}

// Capture takes a still: a frame at want's size (zero: the camera's
// largest) as a JPEG of quality. The preview pauses while the camera
// switches to a larger format and comes back after.
func (m *Monitor) Capture(ctx context.Context, want Want, quality int) ([]byte, error) {
	c := capture{want: want, quality: quality, reply: make(chan captured, 1)}
	select {
	case m.captures <- c:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case r := <-c.reply:
		return r.jpeg, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// framesToSettle are skipped after a format change: the first frames of a
// UVC camera come before its exposure has settled.
const framesToSettle = 3

// errReopen ends a stream whose device a capture closed to change format:
// the monitor opens it again for the preview.
var errReopen = errors.New("camera: reopen for the preview")

// still takes a capture on the monitor's goroutine. When the still needs
// another format than the preview's, the preview device is closed and the
// camera opened again in that format (the one way every driver supports);
// reopened says so.
func (m *Monitor) still(dev Device, preview Format, c capture) (jpeg []byte, reopened bool, err error) {
	format, err := Negotiate(dev.Info().Formats, c.want)
	if err != nil {
		return nil, false, err
	}
	skip := 0
	if format != preview {
		dev.Close()
		reopened = true
		if dev, err = m.open(); err != nil {
			return nil, true, err
		}
		defer dev.Close()
		if err := dev.Start(format); err != nil {
			return nil, true, err
		}
		skip = framesToSettle
	}
	var f Frame
	for i := 0; i <= skip; i++ {
		if f, err = dev.Frame(m.FrameTimeout); err != nil {
			return nil, reopened, err
		}
	}
	jpeg, err = Still(f, c.want.Size, c.quality)
	return jpeg, reopened, err
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
