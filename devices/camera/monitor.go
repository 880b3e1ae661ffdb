package camera

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Opener opens the camera anew each time: after re-plugging, its
// /dev/videoN may have changed, so it is found again by its stable id.
type Opener func() (Device, error)

// Monitor owns one camera. It streams only while someone watches it
// (Watch: a photo step's preview, a technician's camera test) or a still
// is taken (Capture); the rest of the time the camera is closed — its
// light off — and the monitor only checks that it is there: a short open
// and query, without streaming, when it starts, when the system tells of
// a camera plugged in or out (Plugged), and every Probe (every minute
// while it is missing or failing). It reports the camera's state to the
// registry: online; noDevice while unplugged; hardwareError when it does
// not open, or its frames stop, and who must act. One goroutine, Run,
// owns the device.
type Monitor struct {
	kind    devices.Kind
	open    Opener
	preview Want
	reg     *devices.Registry
	log     *slog.Logger

	// Retry is the wait between attempts to open a camera someone
	// watches; FrameTimeout how long a frame may take before the camera
	// counts as stalled; Probe how often a closed camera is checked.
	Retry, FrameTimeout, Probe time.Duration
	// Plugged, when set, tells of cameras plugged in or out: the monitor
	// checks its own at each.
	Plugged <-chan struct{}

	mu       sync.Mutex
	latest   Frame
	fresh    chan struct{} // closed and replaced at each new frame
	watchers int
	healthy  bool          // the last check or stream went well
	wake     chan struct{} // the watchers changed (cap 1)

	captures  chan capture
	streaming atomic.Bool // frames flow now: the camera's light is on
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

// NewMonitor watches the camera open opens; it streams at preview while
// watched.
func NewMonitor(kind devices.Kind, open Opener, preview Want, reg *devices.Registry, log *slog.Logger) *Monitor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Monitor{kind: kind, open: open, preview: preview, reg: reg, log: log,
		Retry: time.Second, FrameTimeout: 2 * time.Second, Probe: 10 * time.Minute,
		fresh: make(chan struct{}), wake: make(chan struct{}, 1), captures: make(chan capture)}
}

// missingProbe is how often a camera that is missing or failing is
// checked while nobody watches it, when no hot-plug event comes.
const missingProbe = time.Minute

func (m *Monitor) report(state devices.State, actor devices.Actor, reason string) {
	m.mu.Lock()
	m.healthy = state == devices.Online
	m.mu.Unlock()
	m.reg.Report(devices.Status{Kind: m.kind, State: state, Actor: actor, Reason: reason})
}

// reportOpen reports a camera that did not open.
func (m *Monitor) reportOpen(err error) {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrGone) {
		m.report(devices.NoDevice, devices.Technician, "camera not connected")
	} else {
		m.report(devices.HardwareError, devices.Technician, err.Error())
	}
}

// Watch streams the camera until release is called. Watchers add up; the
// camera closes when the last one releases, and its last frame is
// forgotten, so the next watcher never sees an earlier resident.
func (m *Monitor) Watch() (release func()) {
	m.mu.Lock()
	m.watchers++
	m.mu.Unlock()
	m.poke()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			m.watchers--
			m.mu.Unlock()
			m.poke()
		})
	}
}

func (m *Monitor) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Streaming reports whether the camera streams now: its light is on.
func (m *Monitor) Streaming() bool { return m.streaming.Load() }

func (m *Monitor) watched() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.watchers > 0
}

// Run checks the camera, streams it while watched and takes stills,
// until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	probe := time.NewTimer(0) // check at once
	defer probe.Stop()
	for ctx.Err() == nil {
		if m.watched() {
			m.streamWhileWatched(ctx)
			m.forget()
			probe.Reset(m.nextProbe())
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-m.wake:
		case <-m.Plugged:
			m.check()
			probe.Reset(m.nextProbe())
		case <-probe.C:
			m.check()
			probe.Reset(m.nextProbe())
		case c := <-m.captures:
			jpeg, err := m.stillAlone(c)
			c.reply <- captured{jpeg, err}
		}
	}
}

func (m *Monitor) nextProbe() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.healthy {
		return m.Probe
	}
	return min(m.Probe, missingProbe)
}

// check opens the camera, reads what it offers and closes it: present
// and able to stream the preview, or not.
func (m *Monitor) check() {
	dev, err := m.open()
	if err != nil {
		m.reportOpen(err)
		return
	}
	defer dev.Close()
	format, err := Negotiate(dev.Info().Formats, m.preview)
	if err != nil {
		m.report(devices.HardwareError, devices.Technician, err.Error())
		return
	}
	m.report(devices.Online, devices.NoOne, format.String())
}

// streamWhileWatched opens the camera and streams it until nobody
// watches, opening it again after a failure.
func (m *Monitor) streamWhileWatched(ctx context.Context) {
	for ctx.Err() == nil && m.watched() {
		dev, err := m.open()
		if err != nil {
			m.reportOpen(err)
			m.pause(ctx, m.Retry)
			continue
		}
		err = m.stream(ctx, dev)
		dev.Close()
		switch {
		case ctx.Err() != nil, errors.Is(err, errUnwatched):
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
		m.pause(ctx, m.Retry)
	}
}

// pause waits d, or less when the watchers change or ctx ends.
func (m *Monitor) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-m.wake:
	case <-t.C:
	}
}

// stallsBeforeReopen is how many frame timeouts in a row make the monitor
// close the camera and open it again, which brings back many a stuck UVC
// camera.
const stallsBeforeReopen = 3

// errUnwatched ends a stream nobody watches any more.
var errUnwatched = errors.New("camera: nobody watches")

func (m *Monitor) stream(ctx context.Context, dev Device) error {
	format, err := Negotiate(dev.Info().Formats, m.preview)
	if err != nil {
		return err
	}
	if err := dev.Start(format); err != nil {
		return err
	}
	m.streaming.Store(true)
	defer m.streaming.Store(false)
	m.report(devices.Online, devices.NoOne, format.String())
	stalls := 0
	for ctx.Err() == nil {
		if !m.watched() {
			return errUnwatched
		}
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

// forget wipes the last frame once nobody watches.
func (m *Monitor) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.latest.Data)
	m.latest = Frame{}
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
// largest) as a JPEG of quality. A preview pauses while the camera
// switches to a larger format and comes back after; when nobody watches,
// the camera opens for the still alone and closes again.
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

// still takes a capture while the preview streams. When the still needs
// another format than the preview's, the preview device is closed and the
// camera opened again in that format (the one way every driver supports);
// reopened says so.
func (m *Monitor) still(dev Device, preview Format, c capture) (jpeg []byte, reopened bool, err error) {
	format, err := Negotiate(dev.Info().Formats, c.want)
	if err != nil {
		return nil, false, err
	}
	if format == preview {
		jpeg, err = m.shoot(dev, c, 0)
		return jpeg, false, err
	}
	dev.Close()
	jpeg, err = m.stillAlone(c)
	return jpeg, true, err
}

// stillAlone opens the camera in the still's format for the one still.
func (m *Monitor) stillAlone(c capture) ([]byte, error) {
	dev, err := m.open()
	if err != nil {
		m.reportOpen(err)
		return nil, err
	}
	defer dev.Close()
	format, err := Negotiate(dev.Info().Formats, c.want)
	if err != nil {
		return nil, err
	}
	if err := dev.Start(format); err != nil {
		return nil, err
	}
	m.streaming.Store(true)
	defer m.streaming.Store(false)
	return m.shoot(dev, c, framesToSettle)
}

// shoot takes the frame after skip and encodes it as the still.
func (m *Monitor) shoot(dev Device, c capture, skip int) ([]byte, error) {
	var f Frame
	var err error
	for i := 0; i <= skip; i++ {
		if f, err = dev.Frame(m.FrameTimeout); err != nil {
			return nil, err
		}
	}
	return Still(f, c.want.Size, c.quality)
}
