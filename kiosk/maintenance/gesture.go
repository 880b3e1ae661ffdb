package maintenance

import "time"

// The hidden gesture that brings up the technician's PIN pad: GestureTaps
// taps in the screen's top-right corner within GestureWindow. A resident
// tapping about never does that by chance, and nothing on screen hints
// at it.
const (
	GestureTaps   = 5
	GestureWindow = 3 * time.Second
	// CornerSide is the side, in the canvas's units (dp), of the square
	// in the top-right corner that counts: one touch target of the
	// standard theme (theme.SizeTarget), so a finger hits it on purpose.
	CornerSide = 56
)

// Gesture detects the hidden gesture from the screen's taps. It is plain
// Go so the screen only forwards taps: Tap with where the tap was, the
// canvas's size and when. The zero value is ready to use with CornerSide;
// it is not safe for concurrent use (taps arrive on the UI goroutine).
type Gesture struct {
	// Side is the corner square's side; CornerSide when 0.
	Side float32
	taps []time.Time // corner taps of the current run, oldest first
}

// Tap records a tap at (x, y) on a canvas width × height (y grows
// downwards, as in Fyne) at the time at. It reports whether this tap
// completes the gesture; the run then starts again. A tap anywhere else
// ends the run.
func (g *Gesture) Tap(x, y, width, height float32, at time.Time) bool {
	side := g.Side
	if side <= 0 {
		side = CornerSide
	}
	side = min(side, width, height)
	inCorner := x >= width-side && x <= width && y >= 0 && y <= side
	if !inCorner {
		g.Reset()
		return false
	}
	// A clock that went back makes earlier taps meaningless.
	if n := len(g.taps); n > 0 && at.Before(g.taps[n-1]) {
		g.Reset()
	}
	g.taps = append(g.taps, at)
	for len(g.taps) > 0 && at.Sub(g.taps[0]) > GestureWindow {
		g.taps = g.taps[1:]
	}
	if len(g.taps) >= GestureTaps {
		g.Reset()
		return true
	}
	return false
}

// Reset forgets the taps so far; the screen calls it when it changes.
func (g *Gesture) Reset() { g.taps = g.taps[:0] }
