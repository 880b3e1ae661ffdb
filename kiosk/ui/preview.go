package ui

import (
	"context"
	"image"
	"image/color"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/kiosk/capture"
)

// LiveCamera is a camera as the screens use it: streamed while watched,
// its latest frame for the live preview, and still photos. camera.Monitor
// is one.
type LiveCamera interface {
	capture.Camera
	Watch() (release func())
	Streaming() bool // its light is on
	Latest(dst *camera.Frame) bool
	Fresh() <-chan struct{}
}

// preview shows a camera's frames as they come. Frames are decoded off
// Fyne's goroutine into two buffers used in turn: one is on screen while
// the next frame is decoded into the other, and a buffer is written again
// only after the frame that replaced it is on screen. Nothing is allocated
// for the pictures after the first frames.
type preview struct {
	img     *canvas.Image
	guide   *fyne.Container // over the picture, laid out on it
	opening *widget.Label   // "opening the camera", while it takes long
	root    fyne.CanvasObject
	cancel  context.CancelFunc
	done    sync.WaitGroup

	started time.Time
	shown   atomic.Int64 // frames put on screen
}

// guide is the framing drawn over a preview: an oval for a face, a page
// outline for a document.
type guide int

const (
	faceGuide guide = iota
	pageGuide
)

// newPreview starts showing cam's frames; do runs a change of the screen
// on Fyne's goroutine (fyne.Do).
func newPreview(cam LiveCamera, g guide, size fyne.Size, do func(func())) *preview {
	p := &preview{img: canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 4, 3))), started: time.Now()}
	p.img.FillMode = canvas.ImageFillContain
	p.img.ScaleMode = canvas.ImageScaleFastest
	p.img.SetMinSize(size)
	bg := canvas.NewRectangle(color.Gray{Y: 30})
	p.guide = newGuide(g, p.img)
	p.opening = widget.NewLabel(T("capture.opening"))
	p.opening.Importance = widget.HighImportance
	p.opening.Hide()
	p.root = container.NewStack(bg, p.img, p.guide, container.NewCenter(p.opening))
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.done.Go(func() { p.run(ctx, cam, do) })
	return p
}

// slowOpening is how long a camera may take to show its first frame
// before the preview says it is being opened (UVC cameras take 0.3–1.5 s).
const slowOpening = 300 * time.Millisecond

func (p *preview) run(ctx context.Context, cam LiveCamera, do func(func())) {
	release := cam.Watch() // the camera streams, its light on, only now
	defer release()
	if !p.awaitFirst(ctx, cam, do) {
		return
	}
	var frame camera.Frame
	var decoders [2]camera.Decoder
	shown := make(chan struct{})
	close(shown) // nothing on screen yet
	for i := 0; ; i ^= 1 {
		if !cam.Latest(&frame) {
			select {
			case <-ctx.Done():
				return
			case <-cam.Fresh():
			}
			i ^= 1 // no buffer was used
			continue
		}
		// The buffer about to be written was replaced on screen by the
		// last frame; wait until that frame really is on screen.
		select {
		case <-ctx.Done():
			return
		case <-shown:
		}
		img, err := decoders[i].Decode(frame)
		if err != nil {
			continue // a damaged frame: the next one comes in a moment
		}
		next := make(chan struct{})
		shown = next
		first := p.shown.Load() == 0
		do(func() {
			if first {
				p.opening.Hide()
			}
			resized := p.img.Image.Bounds() != img.Bounds()
			p.img.Image = img
			p.img.Refresh()
			if resized { // the guide follows the picture, not the box around it
				p.guide.Refresh()
			}
			p.shown.Add(1)
			close(next)
		})
	}
}

// awaitFirst waits for the camera's first frame, saying the camera is
// being opened when that takes longer than slowOpening; false when ctx
// ends first.
func (p *preview) awaitFirst(ctx context.Context, cam LiveCamera, do func(func())) bool {
	slow := time.NewTimer(slowOpening)
	defer slow.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-slow.C:
			do(func() {
				p.opening.Show()
				p.root.Refresh() // the label, hidden till now, was never drawn: a shown container does not ask for it
			})
		case <-cam.Fresh():
			return true
		}
	}
}

// stop ends the preview's goroutine and returns how many frames it showed
// a second.
func (p *preview) stop() (fps float64) {
	p.cancel()
	p.done.Wait()
	return float64(p.shown.Load()) / time.Since(p.started).Seconds()
}

func newGuide(g guide, on *canvas.Image) *fyne.Container {
	var shape fyne.CanvasObject
	switch g {
	case faceGuide:
		c := canvas.NewCircle(color.Transparent)
		c.StrokeColor, c.StrokeWidth = color.RGBA{255, 255, 255, 220}, 6
		shape = c
	default:
		r := canvas.NewRectangle(color.Transparent)
		r.StrokeColor, r.StrokeWidth = color.RGBA{255, 255, 255, 220}, 6
		shape = r
	}
	return container.New(guideLayout{g: g, on: on}, shape)
}

// guideLayout places the guide on the picture as it is shown (fitted in
// its box, keeping its proportions): an upright oval in the middle for a
// face, a page with an A4's proportions for a document.
type guideLayout struct {
	g  guide
	on *canvas.Image
}

func (l guideLayout) Layout(objs []fyne.CanvasObject, box fyne.Size) {
	size, origin := box, fyne.Position{}
	if b := l.on.Image.Bounds(); b.Dx() > 0 && b.Dy() > 0 && box.Width > 0 && box.Height > 0 {
		scale := min(box.Width/float32(b.Dx()), box.Height/float32(b.Dy()))
		size = fyne.NewSize(float32(b.Dx())*scale, float32(b.Dy())*scale)
		origin = fyne.NewPos((box.Width-size.Width)/2, (box.Height-size.Height)/2)
	}
	var w, h float32
	if l.g == faceGuide {
		h = size.Height * 0.7
		w = h * 0.72
	} else {
		h = size.Height * 0.85
		w = h / 1.414
		if w > size.Width*0.85 {
			w = size.Width * 0.85
			h = w * 1.414
		}
	}
	objs[0].Resize(fyne.NewSize(w, h))
	objs[0].Move(origin.Add(fyne.NewPos((size.Width-w)/2, (size.Height-h)/2)))
}

func (guideLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }
