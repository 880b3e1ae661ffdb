package capture

import (
	"context"
	"errors"
	"image"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
)

type fakeCamera struct {
	shots int
	fail  error
}

func (c *fakeCamera) Capture(ctx context.Context, want camera.Want, quality int) ([]byte, error) {
	if c.fail != nil {
		return nil, c.fail
	}
	c.shots++
	return []byte{0xFF, 0xD8, byte(c.shots)}, nil
}

type fakeComparer struct {
	calls int
	got   []byte
}

func (c *fakeComparer) Compare(ctx context.Context, face []byte, card image.Image) facematch.Result {
	c.calls++
	c.got = append([]byte(nil), face...)
	return facematch.Result{Verdict: facematch.Matched, Score: 0.92}
}

var ctx = context.Background()

func TestFaceConsentTakeRetakeUse(t *testing.T) {
	cam, cmp := &fakeCamera{}, &fakeComparer{}
	f := NewFace(cam, cmp, image.NewGray(image.Rect(0, 0, 8, 8)), camera.Want{}, 90, false)
	if f.Step() != Consent {
		t.Fatalf("starts at %s, want consent", f.Step())
	}
	if err := f.Take(ctx); !errors.Is(err, ErrWrongStep) || cam.shots != 0 {
		t.Fatal("a photo was taken before consent")
	}
	must(t, f.Agree())
	must(t, f.Take(ctx))
	if f.Step() != Review || f.Photo()[2] != 1 {
		t.Fatalf("after the photo: %s", f.Step())
	}
	first := f.Photo()
	must(t, f.Retake())
	if first[2] != 0 || f.Photo() != nil {
		t.Fatal("the retaken photo was not wiped")
	}
	must(t, f.Take(ctx))
	must(t, f.Use(ctx))
	if f.Step() != Done || cmp.calls != 1 || cmp.got[2] != 2 {
		t.Fatalf("use: %s, compared %d times with photo %v", f.Step(), cmp.calls, cmp.got)
	}
	if r := f.Result(); r.Verdict != facematch.Matched {
		t.Fatalf("result %+v", r)
	}
	kept := f.Photo()
	f.Wipe()
	if f.Photo() != nil || kept[2] != 0 {
		t.Fatal("Wipe kept the photo")
	}
}

func TestDeclineNeverBlocks(t *testing.T) {
	for _, at := range []Step{Consent, Framing, Review} {
		cam := &fakeCamera{}
		f := NewFace(cam, &fakeComparer{}, nil, camera.Want{}, 90, at != Consent)
		if at == Review {
			must(t, f.Take(ctx))
		}
		photo := f.Photo()
		must(t, f.Decline())
		if f.Step() != Declined || f.Result().Verdict != facematch.ByStaff || f.Photo() != nil {
			t.Fatalf("decline at %s: %s %+v", at, f.Step(), f.Result())
		}
		if photo != nil && photo[2] != 0 {
			t.Fatalf("decline at %s kept the photo's bytes", at)
		}
	}
}

func TestConsentOncePerSession(t *testing.T) {
	f := NewFace(&fakeCamera{}, nil, nil, camera.Want{}, 90, true)
	if f.Step() != Framing {
		t.Fatalf("with consent given: %s", f.Step())
	}
	must(t, f.Take(ctx))
	must(t, f.Use(ctx))
	if r := f.Result(); r.Verdict != facematch.NotCompared {
		t.Fatalf("no matcher: %+v", r)
	}
}

func TestNoOrFailingCamera(t *testing.T) {
	f := NewFace(nil, nil, nil, camera.Want{}, 90, false)
	if f.Step() != Unavailable || f.Result().Verdict != facematch.ByStaff {
		t.Fatalf("no camera: %s %+v", f.Step(), f.Result())
	}
	cam := &fakeCamera{fail: camera.ErrTimeout}
	f = NewFace(cam, nil, nil, camera.Want{}, 90, true)
	if err := f.Take(ctx); err == nil || f.Step() != Framing || f.Failure() == "" {
		t.Fatalf("failing camera: %v %s %q", err, f.Step(), f.Failure())
	}
	cam.fail = nil
	must(t, f.Take(ctx))
	if f.Failure() != "" {
		t.Fatal("the failure stayed after a good photo")
	}
}

func TestDocument(t *testing.T) {
	if d := NewDocument(nil, camera.Want{}, 90); d.Step() != Unavailable {
		t.Fatalf("no camera: %s", d.Step())
	}
	cam := &fakeCamera{}
	d := NewDocument(cam, camera.Want{}, 90)
	must(t, d.Take(ctx))
	must(t, d.Retake())
	must(t, d.Take(ctx))
	must(t, d.Use())
	if d.Step() != Done || d.Photo()[2] != 2 {
		t.Fatalf("document: %s %v", d.Step(), d.Photo())
	}
	if err := d.Take(ctx); !errors.Is(err, ErrWrongStep) {
		t.Fatal("a photo after done")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
