package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// assertImage compares the canvas, painted by Fyne's software painter,
// with the golden image testdata/name. Painting a full panel is pixel
// loops that the race detector slows tenfold and that hold no goroutines
// to race: under -race the comparison is left to the plain run, which
// make test does too (every behaviour assertion around it runs in both).
func assertImage(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	if raceDetector {
		return
	}
	settle(c)
	test.AssertRendersToImage(t, name, c)
}

// settle lays the canvas out again, as the real driver does from one frame
// to the next: wrapped words learn their height from the width the first
// layout gives them, and only a second layout moves what follows them.
// Fyne's test canvas lays out once, so its pictures could show words
// overlapping that the terminal never shows, or gaps it never leaves.
func settle(c fyne.Canvas) {
	for range 2 {
		relayout(c.Content())
	}
}

func relayout(o fyne.CanvasObject) {
	switch v := o.(type) {
	case *fyne.Container:
		if v.Layout != nil {
			v.Layout.Layout(v.Objects, v.Size())
		}
		for _, c := range v.Objects {
			relayout(c)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(v)
		r.Layout(v.Size())
		for _, c := range r.Objects() {
			relayout(c)
		}
	}
}

// layoutOnly skips a test of layout arithmetic (what fits where) under the
// race detector, for the reason assertImage gives: it starts no goroutine,
// the detector only slows it, and make test runs it in the plain run.
func layoutOnly(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("layout only: run without -race (make test does)")
	}
}
