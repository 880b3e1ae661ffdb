// Package capture is the resident's photo steps as plain state machines:
// the face photo (consent first, then framing, the photo, review, the
// comparison with the card photo) and document photos (framing, the
// photo, accept or retake). Screens render a flow's step and send it the
// resident's choices; the flows hold no Fyne and are tested without a
// display.
//
// Face capture is sensitive personal information: the resident sees what
// is taken and why before the first face photo of a session, and may
// decline; declining never blocks the service — the application then says
// "identity to be verified by staff".
package capture

import (
	"context"
	"errors"
	"image"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
)

// Camera takes still photos: a camera.Monitor.
type Camera interface {
	Capture(ctx context.Context, want camera.Want, quality int) ([]byte, error)
}

// Comparer compares a face photo with the card photo: a facematch.Matcher.
type Comparer interface {
	Compare(ctx context.Context, faceJPEG []byte, card image.Image) facematch.Result
}

// Step is where a flow stands.
type Step string

const (
	Consent     Step = "consent"     // the face flow asks first
	Framing     Step = "framing"     // the live preview, waiting for "take the photo"
	Review      Step = "review"      // the photo shown large: use it or take it again
	Done        Step = "done"        // the photo is kept
	Declined    Step = "declined"    // no face photo: staff verify the resident
	Unavailable Step = "unavailable" // no working camera: staff take over
)

// ErrWrongStep is an input the flow's step does not take (a double tap
// that arrives after the screen moved on).
var ErrWrongStep = errors.New("capture: not at this step")

// Face is the face-photo flow.
type Face struct {
	cam     Camera
	compare Comparer
	card    image.Image
	want    camera.Want
	quality int

	step    Step
	photo   []byte
	result  facematch.Result
	failure string // why the last capture failed, for the screen
}

// NewFace starts a face flow. consented says the resident already agreed in
// this session (the consent screen comes once a session); cam nil means no
// working face camera. card is the card photo (nil when not decoded).
func NewFace(cam Camera, compare Comparer, card image.Image, want camera.Want, quality int, consented bool) *Face {
	f := &Face{cam: cam, compare: compare, card: card, want: want, quality: quality, step: Consent}
	switch {
	case cam == nil:
		f.step = Unavailable
		f.result = facematch.Result{Verdict: facematch.ByStaff, Reason: "no face camera"}
	case consented:
		f.step = Framing
	}
	return f
}

// Step is where the flow stands.
func (f *Face) Step() Step { return f.step }

// Failure is why the last capture failed ("" when it did not).
func (f *Face) Failure() string { return f.failure }

// Agree is the resident's consent.
func (f *Face) Agree() error {
	if f.step != Consent {
		return ErrWrongStep
	}
	f.step = Framing
	return nil
}

// Decline is the resident's refusal: no photo, and staff verify them.
func (f *Face) Decline() error {
	if f.step != Consent && f.step != Framing && f.step != Review {
		return ErrWrongStep
	}
	f.wipe()
	f.step = Declined
	f.result = facematch.Result{Verdict: facematch.ByStaff, Reason: "the resident declined the face photo"}
	return nil
}

// Take takes the photo. A camera that fails leaves the flow framing with
// the failure, so the resident may try again or decline.
func (f *Face) Take(ctx context.Context) error {
	if f.step != Framing {
		return ErrWrongStep
	}
	photo, err := f.cam.Capture(ctx, f.want, f.quality)
	if err != nil {
		f.failure = err.Error()
		return err
	}
	f.photo, f.failure, f.step = photo, "", Review
	return nil
}

// Retake goes back to framing.
func (f *Face) Retake() error {
	if f.step != Review {
		return ErrWrongStep
	}
	f.wipe()
	f.step = Framing
	return nil
}

// Use keeps the photo and compares it with the card photo.
func (f *Face) Use(ctx context.Context) error {
	if f.step != Review {
		return ErrWrongStep
	}
	f.result = facematch.Result{Verdict: facematch.NotCompared, Reason: "no matcher configured"}
	if f.compare != nil {
		f.result = f.compare.Compare(ctx, f.photo, f.card)
	}
	f.step = Done
	return nil
}

// Photo is the photo under review or kept (JPEG); nil otherwise.
func (f *Face) Photo() []byte { return f.photo }

// Result is the identity verdict once the flow has ended.
func (f *Face) Result() facematch.Result { return f.result }

// Wipe forgets the photo: the session ended.
func (f *Face) Wipe() {
	f.wipe()
	f.card = nil
}

func (f *Face) wipe() {
	clear(f.photo)
	f.photo = nil
}

// Document is the flow for one document photo.
type Document struct {
	cam     Camera
	want    camera.Want
	quality int

	step    Step
	photo   []byte
	failure string
}

// NewDocument starts a document flow; cam nil means no document camera.
func NewDocument(cam Camera, want camera.Want, quality int) *Document {
	d := &Document{cam: cam, want: want, quality: quality, step: Framing}
	if cam == nil {
		d.step = Unavailable
	}
	return d
}

func (d *Document) Step() Step      { return d.step }
func (d *Document) Failure() string { return d.failure }
func (d *Document) Photo() []byte   { return d.photo }

// Take photographs the document.
func (d *Document) Take(ctx context.Context) error {
	if d.step != Framing {
		return ErrWrongStep
	}
	photo, err := d.cam.Capture(ctx, d.want, d.quality)
	if err != nil {
		d.failure = err.Error()
		return err
	}
	d.photo, d.failure, d.step = photo, "", Review
	return nil
}

// Retake goes back to framing.
func (d *Document) Retake() error {
	if d.step != Review {
		return ErrWrongStep
	}
	clear(d.photo)
	d.photo, d.step = nil, Framing
	return nil
}

// Use keeps the photo.
func (d *Document) Use() error {
	if d.step != Review {
		return ErrWrongStep
	}
	d.step = Done
	return nil
}

// Wipe forgets the photo.
func (d *Document) Wipe() {
	clear(d.photo)
	d.photo = nil
}
