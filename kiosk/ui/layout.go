package ui

import (
	"fyne.io/fyne/v2"
)

// heightAt is implemented by parts whose height depends on the width they
// get (they wrap onto more lines when narrow).
type heightAt interface {
	HeightAt(width float32) float32
}

func heightOf(o fyne.CanvasObject, width float32) float32 {
	if h, ok := o.(heightAt); ok {
		return h.HeightAt(width)
	}
	return o.MinSize().Height
}

// frameLayout stacks the bars at the top (the header, and in demo mode the
// strip of demo actions), a body and a status bar: the bars take the height
// they need at the window's width, the body the rest. The last two objects
// are the body and the status bar; all before them are top bars.
type frameLayout struct{}

func (frameLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	tops, body, status := objs[:len(objs)-2], objs[len(objs)-2], objs[len(objs)-1]
	y := float32(0)
	for _, top := range tops {
		h := heightOf(top, size.Width)
		top.Move(fyne.NewPos(0, y))
		top.Resize(fyne.NewSize(size.Width, h))
		y += h
	}
	sh := heightOf(status, size.Width)
	status.Move(fyne.NewPos(0, size.Height-sh))
	status.Resize(fyne.NewSize(size.Width, sh))
	body.Move(fyne.NewPos(0, y))
	body.Resize(fyne.NewSize(size.Width, max(0, size.Height-y-sh)))
}

// designWidth is the width of the widest screen the terminal is made for
// (1920 in landscape). The bars wrap onto more lines on narrower screens;
// the tests lay every screen out at 1920×1080 and 1080×1920 to prove that
// it still fits.
const designWidth = 1920

// MinSize is the body's minimum with the bars as tall as they are on the
// widest screen. Measuring the bars at their narrowest (one item a line)
// would ask for a window taller than the screens the terminal runs on.
func (frameLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	tops, body, status := objs[:len(objs)-2], objs[len(objs)-2], objs[len(objs)-1]
	m := body.MinSize()
	w := max(m.Width, status.MinSize().Width)
	h := m.Height + heightOf(status, designWidth)
	for _, top := range tops {
		w = max(w, top.MinSize().Width)
		h += heightOf(top, designWidth)
	}
	return fyne.NewSize(w, h)
}

// tileGrid lays out equal tiles in three columns on a landscape screen and
// two on a portrait one, filling the space.
type tileGrid struct{ gap float32 }

func (g tileGrid) columns(size fyne.Size, n int) int {
	if size.Width >= size.Height*1.2 {
		return min(3, n)
	}
	return min(2, n)
}

func (g tileGrid) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) == 0 {
		return
	}
	cols := g.columns(size, len(objs))
	rows := (len(objs) + cols - 1) / cols
	cw := (size.Width - g.gap*float32(cols-1)) / float32(cols)
	ch := (size.Height - g.gap*float32(rows-1)) / float32(rows)
	for i, o := range objs {
		r, c := i/cols, i%cols
		o.Move(fyne.NewPos(float32(c)*(cw+g.gap), float32(r)*(ch+g.gap)))
		o.Resize(fyne.NewSize(cw, ch))
	}
}

// MinSize is the smallest size in which the tiles fit two across and two
// down, so the window's minimum never exceeds a small windowed screen; the
// real arrangement is chosen in Layout.
func (g tileGrid) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var cell fyne.Size
	for _, o := range objs {
		cell = cell.Max(o.MinSize())
	}
	return fyne.NewSize(2*cell.Width+g.gap, 2*cell.Height+g.gap)
}

// atLeast gives its one object at least a minimum size: touch targets.
type atLeast struct{ min fyne.Size }

func (l atLeast) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l atLeast) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := l.min
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}

// flow places items left to right and wraps them onto new lines when the
// width runs out; every line is as tall as its tallest item.
func flow(items []fyne.CanvasObject, width, gapX, gapY float32, place bool, origin fyne.Position) float32 {
	x, y, lineH := float32(0), float32(0), float32(0)
	for _, o := range items {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		if x > 0 && x+m.Width > width {
			x, y = 0, y+lineH+gapY
			lineH = 0
		}
		lineH = max(lineH, m.Height)
		if place {
			o.Move(origin.AddXY(x, y))
			o.Resize(m)
		}
		x += m.Width + gapX
	}
	return y + lineH
}

// flowLayout places items left to right and wraps them onto more lines
// when the width runs out, like words. Its height depends on the width it
// was last given; until it has been laid out once it assumes the width
// of a portrait screen, the narrowest the terminal runs on.
type flowLayout struct {
	gap   float32
	width float32
}

func (l *flowLayout) lines(objs []fyne.CanvasObject, width float32) (height float32, place func()) {
	var x, y, lineH float32
	type spot struct {
		o   fyne.CanvasObject
		pos fyne.Position
	}
	var spots []spot
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		if x > 0 && x+m.Width > width {
			x, y, lineH = 0, y+lineH+l.gap, 0
		}
		spots = append(spots, spot{o, fyne.NewPos(x, y)})
		x += m.Width + l.gap
		lineH = max(lineH, m.Height)
	}
	return y + lineH, func() {
		for _, s := range spots {
			s.o.Move(s.pos)
			s.o.Resize(s.o.MinSize())
		}
	}
}

func (l *flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	_, place := l.lines(objs, size.Width)
	place()
}

func (l *flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	width := l.width
	if width <= 0 {
		width = 1080 - 200 // a portrait screen less the screen's margins
	}
	var widest float32
	for _, o := range objs {
		widest = max(widest, o.MinSize().Width)
	}
	h, _ := l.lines(objs, max(width, widest))
	return fyne.NewSize(widest, h)
}
