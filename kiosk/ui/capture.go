package ui

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/kiosk/capture"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// screenCapture shows the photo steps: the face photo (with consent), then
// a document photo.
const screenCapture = "capture"

// Cameras is what the photo screens need: the two cameras (nil when the
// terminal has none), the comparison with the card photo, and what to ask
// of each camera.
type Cameras struct {
	Face, Document         LiveCamera
	Matcher                capture.Comparer
	FaceWant, DocumentWant camera.Want
	Quality                int
}

// photoSession is the photo steps of one resident's session.
type photoSession struct {
	face      *capture.Face
	doc       *capture.Document
	docs      int  // document photos kept
	consented bool // the resident agreed to a face photo this session
	busy      bool // a photo is being taken
}

// startCaptureDemo runs the photo steps as a resident would meet them.
func (t *Terminal) startCaptureDemo() {
	c := t.opt.Cameras
	t.photos.face = capture.NewFace(liveOrNil(c.Face), c.Matcher, nil, c.FaceWant, c.Quality, t.photos.consented)
	t.sess.Show(screenCapture, t.opt.Now())
	if t.photos.face.Step() == capture.Unavailable {
		t.faceEnded() // no face camera: staff verify; on to the documents
		return
	}
	t.rebuild()
}

// liveOrNil keeps a missing camera nil as a capture.Camera.
func liveOrNil(c LiveCamera) capture.Camera {
	if c == nil {
		return nil
	}
	return c
}

// endPhotos forgets every photo of the session.
func (t *Terminal) endPhotos() {
	if t.photos.face != nil {
		t.photos.face.Wipe()
	}
	if t.photos.doc != nil {
		t.photos.doc.Wipe()
	}
	t.photos = photoSession{}
}

// captureScreen renders the step the photo flows are at.
func (t *Terminal) captureScreen(th fyne.Theme) fyne.CanvasObject {
	f, d := t.photos.face, t.photos.doc
	switch {
	case f != nil && f.Step() == capture.Consent:
		return t.consentScreen(th)
	case f != nil && (f.Step() == capture.Framing || f.Step() == capture.Review):
		return t.photoStep(th, t.opt.Cameras.Face, faceGuide, f.Step(), f.Photo(), f.Failure())
	case d != nil && (d.Step() == capture.Framing || d.Step() == capture.Review):
		return t.photoStep(th, t.opt.Cameras.Document, pageGuide, d.Step(), d.Photo(), d.Failure())
	case d != nil && d.Step() == capture.Unavailable:
		return t.message(th, T("capture.unavailable"))
	}
	return t.message(th, T("capture.unavailable"))
}

func (t *Terminal) consentScreen(th fyne.Theme) fyne.CanvasObject {
	title := text(th, T("capture.consent.title"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)
	lines := container.NewVBox(title, spacer(th))
	for _, key := range []string{"capture.consent.what", "capture.consent.why", "capture.consent.keep", "capture.consent.decline"} {
		lines.Add(sentence("· " + T(key)))
	}
	agree := widget.NewButton(T("capture.agree"), t.input(func() {
		t.photos.face.Agree()
		t.photos.consented = true
		t.rebuild()
	}))
	agree.Importance = widget.HighImportance
	decline := widget.NewButton(T("capture.decline"), t.input(func() {
		t.photos.face.Decline()
		t.faceEnded()
	}))
	// The choice stays in sight under the words, which scroll if they
	// must (elderly sizes on a short panel).
	choice := container.NewVBox(spacer(th), container.NewGridWithColumns(2, bigButton(th, agree), bigButton(th, decline)))
	return t.framed(th, newCard(th, container.NewBorder(nil, choice, nil, nil, vscroll(lines))))
}

// photoStep is framing (the live preview and "take the photo") or review
// (the photo large, "use it" or "take it again").
func (t *Terminal) photoStep(th fyne.Theme, cam LiveCamera, g guide, step capture.Step, photo []byte, failure string) fyne.CanvasObject {
	hintKey := "capture.face.hint"
	if g == pageGuide {
		hintKey = "capture.document.hint"
	}
	target := th.Size(theme.SizeTarget)
	var view fyne.CanvasObject
	var buttons []fyne.CanvasObject
	if step == capture.Review {
		hintKey = "capture.review"
		img := canvas.NewImageFromImage(decodeJPEG(photo))
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSize(8*target, 6*target))
		view = img
		use := widget.NewButton(T("capture.use"), t.input(t.usePhoto))
		use.Importance = widget.HighImportance
		buttons = append(buttons, bigButton(th, use), bigButton(th, widget.NewButton(T("capture.retake"), t.input(t.retakePhoto))))
	} else {
		t.preview = newPreview(cam, g, fyne.NewSize(8*target, 6*target), t.do)
		view = t.preview.root
		take := widget.NewButton(T("capture.take"), t.input(t.takePhoto))
		take.Importance = widget.HighImportance
		buttons = append(buttons, bigButton(th, take))
		if g == faceGuide {
			buttons = append(buttons, bigButton(th, widget.NewButton(T("capture.decline"), t.input(func() {
				t.photos.face.Decline()
				t.faceEnded()
			}))))
		}
	}
	top := container.NewVBox(text(th, T(hintKey), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true))
	if failure != "" {
		top.Add(banner(th, T("capture.failed"), fynetheme.ColorNameWarning))
	}
	return t.framed(th, container.NewBorder(top, container.NewGridWithColumns(len(buttons), buttons...), nil, nil, view))
}

// framed pads a screen and gives it the way home, the call for staff and
// the screen's own actions (navRow), at its foot.
func (t *Terminal) framed(th fyne.Theme, content fyne.CanvasObject, actions ...fyne.CanvasObject) fyne.CanvasObject {
	p := th.Size(fynetheme.SizeNamePadding)
	return container.NewPadded(container.NewBorder(nil, t.navRow(th, actions...), nil, nil,
		container.New(layout.NewCustomPaddedLayout(4*p, 4*p, 4*p, 4*p), content)))
}

// message is a calm sentence with the way home.
func (t *Terminal) message(th fyne.Theme, s string) fyne.CanvasObject {
	l := sentence(s)
	l.Alignment = fyne.TextAlignCenter
	return t.framed(th, container.NewCenter(t.wide(newCard(th, l))))
}

// goHome ends whatever the resident was doing — a journey, photos, a
// query — forgetting all of it, and shows the home screen.
func (t *Terminal) goHome() {
	t.endApply()
	t.endPhotos()
	t.forgetHelp()
	t.show(t.restScreen())
}

// takePhoto takes the still off Fyne's goroutine: the camera may reopen at
// a larger size for it.
func (t *Terminal) takePhoto() {
	if t.photos.busy {
		return
	}
	t.photos.busy = true
	f, d := t.photos.face, t.photos.doc
	t.async(func() {
		ctx := context.Background()
		var err error
		if d != nil {
			err = d.Take(ctx)
		} else {
			err = f.Take(ctx)
		}
		t.do(func() {
			t.photos.busy = false
			if err != nil {
				t.opt.Log.Warn("photo failed", "err", err)
			}
			t.rebuild()
		})
	})
}

func (t *Terminal) retakePhoto() {
	if d := t.photos.doc; d != nil {
		d.Retake()
	} else {
		t.photos.face.Retake()
	}
	t.rebuild()
}

func (t *Terminal) usePhoto() {
	if d := t.photos.doc; d != nil {
		d.Use()
		if j := t.apply.j; j != nil {
			t.photos.doc = nil
			j.DocumentDone()
			t.rebuild()
			return
		}
		t.photos.docs++
		t.photosEnded()
		return
	}
	f := t.photos.face
	t.photos.busy = true
	t.async(func() {
		f.Use(context.Background()) // the comparison may take seconds
		t.do(func() {
			t.photos.busy = false
			t.faceEnded()
		})
	})
}

// faceEnded moves from the face photo (taken, declined or impossible) to
// the document photo.
func (t *Terminal) faceEnded() {
	if j := t.apply.j; j != nil {
		j.FaceDone()
		t.rebuild()
		return
	}
	c := t.opt.Cameras
	t.photos.doc = capture.NewDocument(liveOrNil(c.Document), c.DocumentWant, c.Quality)
	t.rebuild()
}

// photosEnded says what was captured and goes home, forgetting the photos:
// in the demo nothing is kept.
func (t *Terminal) photosEnded() {
	verdict := facematch.ByStaff
	if t.photos.face != nil {
		verdict = t.photos.face.Result().Verdict
	}
	docs := t.photos.docs
	t.endPhotos()
	t.notice = notice{key: "demo.captured", args: map[string]any{"Verdict": T("capture.verdict." + string(verdict)), "Docs": docs},
		kind: fynetheme.ColorNameSuccess, until: t.opt.Now().Add(10 * time.Second)}
	t.show(session.Home)
}

func decodeJPEG(data []byte) image.Image {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return image.NewGray(image.Rect(0, 0, 4, 3))
	}
	return img
}
