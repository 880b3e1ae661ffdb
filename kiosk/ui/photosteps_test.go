package ui

import (
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/camera/camerasim"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
)

// stillCamera runs a camera that shows one picture for ever (a folder
// camera with one JPEG), so the photo steps render the same every time.
func stillCamera(t *testing.T, kind devices.Kind, img image.Image, reg *devices.Registry) *camera.Monitor {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "frame.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	open := func() (camera.Device, error) { return camerasim.NewFolder("sim:"+string(kind), dir, 10, nil) }
	b := img.Bounds()
	m := camera.NewMonitor(kind, open, camera.Want{Size: camera.Size{Width: b.Dx(), Height: b.Dy()}}, reg, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return m
}

// picture is a plain test picture: a lit disc on a dark ground for the
// face camera, dark lines on a white page for the document camera.
func picture(w, h int, page bool) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{60, 70, 90, 255}
			dx, dy := float64(x-w/2)/float64(w/5), float64(y-h/2)/float64(h/3)
			switch {
			case page && x > w/6 && x < 5*w/6 && y > h/8 && y < 7*h/8:
				c = color.RGBA{245, 245, 240, 255}
				if (y/12)%3 == 0 && x > w/4 && x < 3*w/4 {
					c = color.RGBA{40, 40, 40, 255}
				}
			case !page && dx*dx+dy*dy < 1:
				c = color.RGBA{230, 190, 160, 255}
			}
			img.Set(x, y, c)
		}
	}
	return img
}

// TestPhotoStepsRender renders the face and material photo steps of an
// application — framing with the live picture, and review — in Chinese,
// English and elderly portrait, from cameras that show one still picture.
func TestPhotoStepsRender(t *testing.T) {
	for _, v := range []struct {
		name    string
		lang    string
		size    fyne.Size
		elderly bool
	}{
		{"zh_landscape", "zh", landscape, false},
		{"en_landscape", "en", landscape, false},
		{"elderly_portrait", "zh", portrait, true},
	} {
		t.Run(v.name, func(t *testing.T) {
			h := newHarness(t, v.size, v.lang)
			q := &uiQueue{}
			h.term.toUI, h.term.offUI = q.do, func(f func()) { f() }
			h.term.opt.Cameras = Cameras{
				Face:         stillCamera(t, devices.FaceCamera, picture(640, 480, false), h.reg),
				Document:     stillCamera(t, devices.DocumentCamera, picture(800, 600, true), h.reg),
				FaceWant:     camera.Want{Size: camera.Size{Width: 640, Height: 480}},
				DocumentWant: camera.Want{Size: camera.Size{Width: 800, Height: 600}},
				Quality:      85,
			}
			h.term.rebuild() // the demo's strip offers to try them
			withCatalog(t, h)
			withOutbox(t, h)
			deps := h.term.opt.ApplyDeps
			deps.FaceCamera, deps.DocCamera = h.term.opt.Cameras.Face, h.term.opt.Cameras.Document
			deps.FaceWant, deps.DocWant = h.term.opt.Cameras.FaceWant, h.term.opt.Cameras.DocumentWant
			if v.elderly {
				test.Tap(h.term.home.tiles[""])
			}
			step := func(name string, live bool) {
				t.Helper()
				if live {
					waitFrame(t, h, q)
				}
				q.drain()
				if got := h.win.Canvas().Size(); got != v.size {
					t.Fatalf("%s needs %v, more than the screen", name, got)
				}
				checkLayout(t, h, v.elderly)
				assertImage(t, "steps/photo_"+name+"_"+v.name+".png", h.win.Canvas())
			}
			s, _ := h.term.opt.Catalog.Service("MZ-001")
			h.term.services.startApply(s)
			h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[1], At: h.clock.Now()})
			test.Tap(button(t, h, T("capture.agree")))
			step("1_face_framing", true)
			test.Tap(button(t, h, T("capture.take")))
			step("2_face_review", false)
			test.Tap(button(t, h, T("capture.use")))
			q.drain()
			test.Tap(button(t, h, map[string]string{"zh": "到社区服务站领取", "en": "Collect at the community station"}[v.lang]))
			test.Tap(buttonsLabelled(h, T("apply.tap_to_enter"))[1])
			for _, k := range []string{"1", "3", "8", "0", "0", "1", "3", "8", "0", "0", "0"} {
				test.Tap(button(t, h, k))
			}
			test.Tap(button(t, h, T("apply.next")))
			step("3_material_framing", true)
			test.Tap(button(t, h, T("capture.take")))
			step("4_material_review", false)
		})
	}
}

// waitFrame runs queued screen changes until the preview shows a frame.
func waitFrame(t *testing.T, h *harness, q *uiQueue) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.drain()
		if p := h.term.capture.preview; p != nil && p.img.Image != nil && p.img.Image.Bounds().Dx() > 1 {
			// Drawn: the middle of the test picture is not black.
			b := p.img.Image.Bounds()
			if r, g, _, _ := p.img.Image.At(b.Dx()/2, b.Dy()/2).RGBA(); r+g > 0 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no frame in the preview")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMaterialStepNamesItAndCanBeLeft: the material photo says which paper
// it wants, and a resident without it goes on, leaving it for the counter.
func TestMaterialStepNamesItAndCanBeLeft(t *testing.T) {
	h, q, _ := cameraRig(t, landscape)
	startAt(t, h, "MZ-001")
	agreeAndUseFacePhoto(t, h, q)
	j := h.term.apply.j
	j.Set("delivery", "community")
	j.Set("phone", "13800138000")
	test.Tap(button(t, h, "下一步"))
	waitPreview(t, h, q)
	if !h.showing("请把“本人近期免冠照片”平放在拍摄区，对齐框线") {
		t.Fatalf("the material step does not name the material: %q", h.texts())
	}
	test.Tap(button(t, h, "没有这份材料"))
	if j.Step() != journey.Review || !h.showing("请核对您的申请") {
		t.Fatalf("after leaving the material: %s %q", j.Step(), h.texts())
	}
	if h.term.capture.preview != nil {
		t.Fatal("the preview outlived the material step")
	}
}
