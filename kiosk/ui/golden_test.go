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
	test.AssertRendersToImage(t, name, c)
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
