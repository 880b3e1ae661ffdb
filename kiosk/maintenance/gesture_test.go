package maintenance

import (
	"slices"
	"testing"
	"time"
)

// A 1280×800 canvas, the terminal's screen in dp.
const screenW, screenH = 1280, 800

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// taps feeds taps to g at the given times (ms) and positions, and returns
// the indexes of the taps that completed the gesture.
func taps(g *Gesture, seq []tap) []int {
	var fired []int
	for i, tp := range seq {
		if g.Tap(tp.x, tp.y, screenW, screenH, at(tp.ms)) {
			fired = append(fired, i)
		}
	}
	return fired
}

type tap struct {
	x, y float32
	ms   int
}

func corner(ms int) tap { return tap{screenW - 20, 20, ms} }

func TestGesture(t *testing.T) {
	for _, tc := range []struct {
		name string
		seq  []tap
		want []int
	}{
		{"five quick taps", []tap{corner(0), corner(300), corner(600), corner(900), corner(1200)}, []int{4}},
		{"five taps in exactly 3s", []tap{corner(0), corner(750), corner(1500), corner(2250), corner(3000)}, []int{4}},
		{"five taps in 3.2s", []tap{corner(0), corner(800), corner(1600), corner(2400), corner(3200)}, nil},
		// The window slides: the slow first tap drops out, a sixth completes it.
		{"slow start", []tap{corner(0), corner(2500), corner(2800), corner(3100), corner(3400), corner(3700)}, []int{5}},
		{"four taps", []tap{corner(0), corner(300), corner(600), corner(900)}, nil},
		{"a tap elsewhere resets", []tap{corner(0), corner(300), corner(600), {640, 400, 700}, corner(900), corner(1200)}, nil},
		{"a tap just left of the corner", []tap{corner(0), corner(300), {screenW - CornerSide - 1, 20, 500}, corner(600), corner(900), corner(1200)}, nil},
		{"a tap just below the corner", []tap{corner(0), corner(300), {screenW - 20, CornerSide + 1, 500}, corner(600), corner(900), corner(1200)}, nil},
		{"the corner's edges count", []tap{{screenW - CornerSide, 0, 0}, {screenW, CornerSide, 100}, {screenW, 0, 200}, {screenW - CornerSide, CornerSide, 300}, corner(400)}, []int{4}},
		{"top-left does not count", []tap{{10, 10, 0}, {10, 10, 100}, {10, 10, 200}, {10, 10, 300}, {10, 10, 400}}, nil},
		{"bottom-right does not count", []tap{{screenW - 10, screenH - 10, 0}, {screenW - 10, screenH - 10, 100}, {screenW - 10, screenH - 10, 200}, {screenW - 10, screenH - 10, 300}, {screenW - 10, screenH - 10, 400}}, nil},
		{"off the canvas", []tap{{screenW + 5, 10, 0}, {screenW + 5, 10, 100}, {screenW + 5, 10, 200}, {screenW + 5, 10, 300}, {screenW + 5, 10, 400}}, nil},
		// After it fires it starts again: five more taps, not one.
		{"fires once per five", []tap{corner(0), corner(100), corner(200), corner(300), corner(400), corner(500), corner(600), corner(700), corner(800), corner(900)}, []int{4, 9}},
		// A clock that went back forgets the earlier taps.
		{"clock back", []tap{corner(5000), corner(5100), corner(5200), corner(100), corner(200)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g Gesture
			got := taps(&g, tc.seq)
			if !slices.Equal(got, tc.want) {
				t.Errorf("fired at taps %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGestureResetAndSide(t *testing.T) {
	g := Gesture{Side: 100}
	for i := range 4 {
		if g.Tap(screenW-90, 90, screenW, screenH, at(i*100)) {
			t.Fatal("fired early")
		}
	}
	g.Reset() // the screen changed
	if g.Tap(screenW-90, 90, screenW, screenH, at(400)) {
		t.Fatal("fired after a reset")
	}
	// On a canvas smaller than the corner, the corner shrinks to the
	// canvas's shorter side.
	var small Gesture
	fired := false
	for i := range 5 {
		fired = small.Tap(25, 5, 30, 20, at(i*100))
	}
	if !fired {
		t.Error("a tiny canvas never fires")
	}
	for i := range 5 {
		if small.Tap(5, 5, 30, 20, at(1000+i*100)) {
			t.Error("taps outside the shrunk corner fired")
		}
	}
}
