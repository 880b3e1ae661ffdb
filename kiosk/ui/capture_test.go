package ui

import (
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/camera/camerasim"
)

// uiQueue stands in for fyne.Do in tests: changes of the screen wait in a
// queue the test goroutine runs, so no other goroutine touches the window.
type uiQueue struct {
	mu sync.Mutex
	fs []func()
}

func (q *uiQueue) do(f func()) {
	q.mu.Lock()
	q.fs = append(q.fs, f)
	q.mu.Unlock()
}

func (q *uiQueue) run() int {
	q.mu.Lock()
	fs := q.fs
	q.fs = nil
	q.mu.Unlock()
	for _, f := range fs {
		f()
	}
	return len(fs)
}

// drain runs queued changes, and those they queue, until none is left.
func (q *uiQueue) drain() {
	for q.run() > 0 {
	}
}

// cameraLights counts the simulated cameras open now, by kind: a camera
// open is a camera whose light is on.
type cameraLights struct{ face, doc atomic.Int32 }

// on says which cameras are open.
func (l *cameraLights) on() (face, doc bool) { return l.face.Load() > 0, l.doc.Load() > 0 }

// litDevice is a simulated camera that counts itself open until closed.
type litDevice struct {
	camera.Device
	open *atomic.Int32
	once sync.Once
}

func (d *litDevice) Close() error {
	d.once.Do(func() { d.open.Add(-1) })
	return d.Device.Close()
}

// startCamera runs a simulated camera behind a real monitor; open counts
// it while it is open.
func startCamera(t testing.TB, kind devices.Kind, formats []camera.Format, reg *devices.Registry, open *atomic.Int32) *camera.Monitor {
	opener := func() (camera.Device, error) {
		d, err := camerasim.NewPattern("sim:"+string(kind), string(kind), formats, 30, nil)
		if err != nil {
			return nil, err
		}
		open.Add(1)
		return &litDevice{Device: d, open: open}, nil
	}
	m := camera.NewMonitor(kind, opener, camera.Want{Size: camera.Size{Width: 640, Height: 480}}, reg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return m
}

// waitLights waits until the cameras open are those wanted.
func waitLights(t *testing.T, h *harness, face, doc bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		f, d := h.lit.on()
		if f == face && d == doc {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("cameras open: face %v, document %v; want %v, %v (showing %q)", f, d, face, doc, h.texts())
		}
	}
}

func withCameras(t *testing.T, h *harness) *uiQueue {
	q := &uiQueue{}
	h.term.toUI = q.do
	h.term.offUI = func(f func()) { f() }
	h.term.opt.Cameras = Cameras{
		Face:     startCamera(t, devices.FaceCamera, camerasim.FaceFormats, h.reg, &h.lit.face),
		Document: startCamera(t, devices.DocumentCamera, camerasim.DocumentFormats, h.reg, &h.lit.doc),
		FaceWant: camera.Want{Size: camera.Size{Width: 640, Height: 480}},
		Quality:  85,
	}
	h.term.rebuild()
	return q
}

func button(t *testing.T, h *harness, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(h.win.Canvas().Content(), fyne.Position{}, func(o fyne.CanvasObject, _ fyne.Position) {
		if b, ok := o.(*widget.Button); ok && b.Text == label {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no %q button; showing %q", label, h.texts())
	}
	return found
}

// agreeAndUseFacePhoto consents to the face photo, takes it and uses it.
func agreeAndUseFacePhoto(t *testing.T, h *harness, q *uiQueue) {
	t.Helper()
	test.Tap(button(t, h, "同意拍摄"))
	takeAndUsePhoto(t, h, q)
}

// takeAndUsePhoto waits for the preview, takes the photo and uses it.
func takeAndUsePhoto(t *testing.T, h *harness, q *uiQueue) {
	t.Helper()
	waitPreview(t, h, q)
	test.Tap(button(t, h, "拍照"))
	q.run()
	test.Tap(button(t, h, "使用这张照片"))
	q.run()
}

// waitPreview runs queued screen changes until the preview shows a frame.
func waitPreview(t *testing.T, h *harness, q *uiQueue) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.run()
		if p := h.term.capture.preview; p != nil && p.img.Image.Bounds().Dx() == 640 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no frame in the preview")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPhotoStepsTakeReviewAndUse(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	q := withCameras(t, h)
	waitLights(t, h, false, false) // checked at start, then closed
	test.Tap(h.term.demoCapture)
	if !h.showing("拍摄人脸照片前，请您知悉") || !h.showing("不影响办理") {
		t.Fatalf("no consent screen: %q", h.texts())
	}
	waitLights(t, h, false, false) // asked, not yet agreed
	assertImage(t, "capture_consent_zh_landscape.png", h.win.Canvas())
	test.Tap(button(t, h, "同意拍摄"))
	waitPreview(t, h, q)
	if !h.showing("请正对摄像头") {
		t.Fatalf("no face framing: %q", h.texts())
	}
	waitLights(t, h, true, false)
	if dir := os.Getenv("YIZHAN_UI_SHOTS"); dir != "" {
		savePNG(t, filepath.Join(dir, "capture_framing.png"), h.win.Canvas().Capture())
	}
	test.Tap(button(t, h, "拍照"))
	q.run()
	if !h.showing("请确认照片是否清晰") || len(h.term.capture.face.Photo()) == 0 {
		t.Fatalf("no review: %q", h.texts())
	}
	waitLights(t, h, false, false) // between steps the light is off
	if dir := os.Getenv("YIZHAN_UI_SHOTS"); dir != "" {
		savePNG(t, filepath.Join(dir, "capture_review.png"), h.win.Canvas().Capture())
	}
	test.Tap(button(t, h, "重拍"))
	waitPreview(t, h, q)
	test.Tap(button(t, h, "拍照"))
	q.run()
	face := h.term.capture.face.Photo()
	test.Tap(button(t, h, "使用这张照片"))
	q.run()
	waitPreview(t, h, q)
	if !h.showing("请把材料平放在拍摄区") {
		t.Fatalf("no document framing: %q", h.texts())
	}
	waitLights(t, h, false, true)
	test.Tap(button(t, h, "拍照"))
	q.run()
	test.Tap(button(t, h, "使用这张照片"))
	q.run()
	if h.term.sess.Screen() != "home" || !h.showing("已拍照，将由工作人员核对") || !h.showing("材料照片 1 张") {
		t.Fatalf("after the photos: %s %q", h.term.sess.Screen(), h.texts())
	}
	if h.term.capture.face != nil || face[0] != 0 || h.term.capture.preview != nil {
		t.Fatal("the photos or the preview outlived the steps")
	}
	waitLights(t, h, false, false)
}

func TestDeclineGoesToStaffVerification(t *testing.T) {
	h := newHarness(t, portrait, "en")
	q := withCameras(t, h)
	test.Tap(h.term.demoCapture)
	checkLayout(t, h, false)
	test.Tap(button(t, h, "No, ask the staff"))
	waitPreview(t, h, q)
	checkLayout(t, h, false)
	test.Tap(button(t, h, "Take the photo"))
	q.run()
	test.Tap(button(t, h, "Use this photo"))
	q.run()
	if !h.showing("identity checked by the staff") {
		t.Fatalf("after declining: %q", h.texts())
	}
}

func TestConsentScreenFitsElderlyPortrait(t *testing.T) {
	layoutOnly(t)
	for _, lang := range []string{"zh", "en"} {
		h := newHarness(t, portrait, lang)
		withCameras(t, h)
		test.Tap(h.term.home.tiles[""]) // elderly mode
		test.Tap(h.term.demoCapture)
		h.win.Resize(portrait)
		checkLayout(t, h, true)
	}
}

func TestIdleEndsThePhotoSteps(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	q := withCameras(t, h)
	test.Tap(h.term.demoCapture)
	test.Tap(button(t, h, "同意拍摄"))
	waitPreview(t, h, q)
	test.Tap(button(t, h, "拍照"))
	q.run()
	photo := h.term.capture.face.Photo()
	test.Tap(button(t, h, "重拍"))
	waitPreview(t, h, q)
	waitLights(t, h, true, false)
	h.tick(h.term.opt.Config.Idle.Timeout.Duration + h.term.opt.Config.Idle.Countdown.Duration + 2*time.Second)
	h.tick(time.Second)
	if h.term.capture.face != nil || photo[0] != 0 || h.term.capture.preview != nil {
		t.Fatal("the idle timeout left the photo or the preview")
	}
	waitLights(t, h, false, false) // the idle timeout turned the light off
}

func savePNG(t *testing.T, path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	png.Encode(f, img)
}
