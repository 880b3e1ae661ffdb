package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
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

// captureScreen is the photo steps — consent, then the face photo and the
// document photos, each framed over the live preview and reviewed — as
// the apply journey's face and material steps and as the demo's own
// capture screen (F5). It owns the session's photos.
type captureScreen struct {
	kit     *kit
	apply   *applyScreen // the journey the photos are for, if any
	preview *preview     // the live preview on screen, if any
	photoSession
}

// photoSession is the photos of one resident's session.
type photoSession struct {
	face      *capture.Face
	doc       *capture.Document
	docs      int  // document photos kept
	consented bool // the resident agreed to a face photo this session
	busy      bool // a photo is being taken
	// material names the document being photographed for an
	// application, and leave goes on without it; both unset for the
	// demo's trial photos.
	material string
	leave    func()
}

// startDemo runs the photo steps as a resident would meet them.
func (s *captureScreen) startDemo() {
	t := s.kit
	c := t.opt.Cameras
	s.face = capture.NewFace(liveOrNil(c.Face), c.Matcher, nil, c.FaceWant, c.Quality, s.consented)
	t.sess.Show(screenCapture, t.opt.Now())
	if s.face.Step() == capture.Unavailable {
		s.faceEnded() // no face camera: staff verify; on to the documents
		return
	}
	t.refresh()
}

// liveOrNil keeps a missing camera nil as a capture.Camera.
func liveOrNil(c LiveCamera) capture.Camera {
	if c == nil {
		return nil
	}
	return c
}

// wipe forgets every photo of the session.
func (s *captureScreen) wipe() {
	if s.face != nil {
		s.face.Wipe()
	}
	if s.doc != nil {
		s.doc.Wipe()
	}
	s.photoSession = photoSession{}
}

// content renders the step the photo flows are at.
func (s *captureScreen) content(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	f, d := s.face, s.doc
	switch {
	case f != nil && f.Step() == capture.Consent:
		return s.consent(th)
	case f != nil && (f.Step() == capture.Framing || f.Step() == capture.Review):
		return s.photoStep(th, t.opt.Cameras.Face, faceGuide, f.Step(), f.Photo(), f.Failure())
	case d != nil && (d.Step() == capture.Framing || d.Step() == capture.Review):
		return s.photoStep(th, t.opt.Cameras.Document, pageGuide, d.Step(), d.Photo(), d.Failure())
	case d != nil && d.Step() == capture.Unavailable:
		return t.message(th, T("capture.unavailable"))
	}
	return t.message(th, T("capture.unavailable"))
}

func (s *captureScreen) consent(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	title := text(th, T("capture.consent.title"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)
	// The four points in one block of text, a line each, without a
	// label's margins between them: on a short panel in elderly mode all
	// of them are in sight above the choice, not only the first two.
	var points []string
	for _, key := range []string{"capture.consent.what", "capture.consent.why", "capture.consent.keep", "capture.consent.decline"} {
		points = append(points, "· "+T(key))
	}
	lines := container.NewVBox(title, sentence(strings.Join(points, "\n")))
	agree := widget.NewButton(T("capture.agree"), t.input(func() {
		s.face.Agree()
		s.consented = true
		t.refresh()
	}))
	agree.Importance = widget.HighImportance
	decline := widget.NewButton(T("capture.decline"), t.input(func() {
		s.face.Decline()
		s.faceEnded()
	}))
	// The choice stays in sight at the foot of the screen, like every
	// step's; the words scroll above it if they must (elderly sizes on a
	// short panel).
	return t.framed(th, fillingCard(th, vscroll(lines)), bigButton(th, agree), bigButton(th, decline))
}

// photoStep is framing (the live preview and "take the photo") or review
// (the photo large, "use it" or "take it again").
func (s *captureScreen) photoStep(th fyne.Theme, cam LiveCamera, g guide, step capture.Step, photo []byte, failure string) fyne.CanvasObject {
	t := s.kit
	hintKey := "capture.face.hint"
	if g == pageGuide {
		hintKey = "capture.document.hint"
	}
	named := g == pageGuide && s.material != "" && step != capture.Review
	target := th.Size(theme.SizeTarget)
	var view fyne.CanvasObject
	var buttons []fyne.CanvasObject
	if step == capture.Review {
		hintKey = "capture.review"
		img := canvas.NewImageFromImage(decodeJPEG(photo))
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(previewMin(target))
		view = img
		use := widget.NewButton(T("capture.use"), t.input(s.use))
		use.Importance = widget.HighImportance
		buttons = append(buttons, bigButton(th, use), bigButton(th, widget.NewButton(T("capture.retake"), t.input(s.retake))))
	} else {
		s.preview = newPreview(cam, g, previewMin(target), t.do)
		view = s.preview.root
		take := widget.NewButton(T("capture.take"), t.input(s.take))
		take.Importance = widget.HighImportance
		buttons = append(buttons, bigButton(th, take))
		if g == faceGuide {
			buttons = append(buttons, bigButton(th, widget.NewButton(T("capture.decline"), t.input(func() {
				s.face.Decline()
				s.faceEnded()
			}))))
		}
		if g == pageGuide && s.leave != nil {
			buttons = append(buttons, bigButton(th, widget.NewButton(T("capture.no_material"), t.input(s.leave))))
		}
	}
	hint := T(hintKey)
	if named { // which paper, in the catalog's words
		hint = T("capture.document.named", map[string]any{"Name": s.material})
	}
	top := container.NewVBox(text(th, hint, fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true))
	if failure != "" {
		top.Add(banner(th, T("capture.failed"), fynetheme.ColorNameWarning))
	}
	if t.portrait() {
		return t.framed(th, container.NewBorder(top, container.NewGridWithColumns(len(buttons), buttons...), nil, nil, view))
	}
	// On a landscape panel the buttons stand right of the picture, in
	// the room its 4:3 leaves, and the picture keeps the height.
	return t.framed(th, container.NewBorder(top, nil, nil, container.NewVBox(buttons...), view))
}

// take takes the still off Fyne's goroutine: the camera may reopen at
// a larger size for it.
func (s *captureScreen) take() {
	t := s.kit
	if s.busy {
		return
	}
	s.busy = true
	f, d := s.face, s.doc
	t.async(func() {
		ctx := context.Background()
		var err error
		if d != nil {
			err = d.Take(ctx)
		} else {
			err = f.Take(ctx)
		}
		t.do(func() {
			s.busy = false
			if err != nil {
				t.opt.Log.Warn("photo failed", "err", err)
			}
			t.refresh()
		})
	})
}

func (s *captureScreen) retake() {
	t := s.kit
	if d := s.doc; d != nil {
		d.Retake()
	} else {
		s.face.Retake()
	}
	t.refresh()
}

func (s *captureScreen) use() {
	t := s.kit
	if d := s.doc; d != nil {
		d.Use()
		if j := s.apply.j; j != nil {
			s.doc = nil
			j.DocumentDone()
			t.refresh()
			return
		}
		s.docs++
		s.ended()
		return
	}
	f := s.face
	s.busy = true
	t.async(func() {
		f.Use(context.Background()) // the comparison may take seconds
		t.do(func() {
			s.busy = false
			s.faceEnded()
		})
	})
}

// faceEnded moves from the face photo (taken, declined or impossible) to
// the document photo.
func (s *captureScreen) faceEnded() {
	t := s.kit
	if j := s.apply.j; j != nil {
		j.FaceDone()
		t.refresh()
		return
	}
	c := t.opt.Cameras
	s.doc = capture.NewDocument(liveOrNil(c.Document), c.DocumentWant, c.Quality)
	t.refresh()
}

// ended says what was captured and goes home, forgetting the photos:
// in the demo nothing is kept.
func (s *captureScreen) ended() {
	t := s.kit
	verdict := facematch.ByStaff
	if s.face != nil {
		verdict = s.face.Result().Verdict
	}
	docs := s.docs
	s.wipe()
	t.tell(notice{key: "demo.captured", args: map[string]any{"Verdict": T("capture.verdict." + string(verdict)), "Docs": docs},
		kind: fynetheme.ColorNameSuccess, until: t.opt.Now().Add(10 * time.Second)})
	t.show(session.Home)
}

// stopPreview stops the live preview, if one is on screen: the frame
// calls it whenever the screen is made anew.
func (s *captureScreen) stopPreview() {
	if s.preview != nil {
		s.kit.opt.Log.Info("preview stopped", "fps", fmt.Sprintf("%.1f", s.preview.stop()))
		s.preview = nil
	}
}

// previewMin is the least room the preview or the photo asks for: it
// grows into what the screen has, and on a small panel (1280×720, with the
// header and the action buttons) a face still shows at this size.
func previewMin(target float32) fyne.Size {
	return fyne.NewSize(4*target, 3*target)
}

func decodeJPEG(data []byte) image.Image {
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return image.NewGray(image.Rect(0, 0, 4, 3))
	}
	return img
}
