package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
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
// are the body and the status bar; all before them are top bars. The
// strip shows where stripShown says, for the window's height.
type frameLayout struct {
	strip      fyne.CanvasObject
	stripShown func(height float32) bool
}

func (l frameLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	tops, body, status := objs[:len(objs)-2], objs[len(objs)-2], objs[len(objs)-1]
	if l.strip != nil {
		setVisible(l.strip, l.stripShown(size.Height))
	}
	y := float32(0)
	for _, top := range tops {
		if !top.Visible() {
			continue
		}
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
		if !top.Visible() {
			continue
		}
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
// With slack, the object may get that much less width than it asks: a
// key of a keypad, whose label then has less padding round it than a
// button takes, so a row of ten keys on a small panel is not as wide as
// ten of its widest label ("清空") with a button's padding.
type atLeast struct {
	min   fyne.Size
	slack float32
}

func (l atLeast) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (l atLeast) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := l.min
	for _, o := range objs {
		m = m.Max(o.MinSize().SubtractWidthHeight(l.slack, 0))
	}
	return m
}

// flow places items left to right and wraps them onto new lines when the
// width runs out; every line is as tall as its tallest item.
func flow(items []fyne.CanvasObject, width, gapX, gapY float32, place bool, origin fyne.Position) float32 {
	x, y, lineH := float32(0), float32(0), float32(0)
	for _, o := range items {
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

// setVisible shows or hides o, and does nothing when it already is as
// asked. Layouts use it: they run at every repaint, and hiding a canvas
// object marks the window for another even when it was hidden already —
// a layout that did so would repaint the whole screen for ever.
func setVisible(o fyne.CanvasObject, shown bool) {
	switch {
	case shown && !o.Visible():
		o.Show()
	case !shown && o.Visible():
		o.Hide()
	}
}

// homeLayout puts the home screen's top (the greeting, then the hint or
// the banners, in a VBox) over its tiles, which take the rest. On a short
// panel the hint gives way, so the tiles keep the height of their titles.
//
// MinSize shows and hides nothing, and Layout only what changes
// (setVisible).
type homeLayout struct {
	hint fyne.CanvasObject // in the top; nil when banners took its place
	gap  float32
}

func (l *homeLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	top, tiles := objs[0], objs[1]
	without, with := l.topHeights(top)
	h := without
	if l.hint != nil {
		fits := with+l.gap+tiles.MinSize().Height <= size.Height
		setVisible(l.hint, fits)
		if fits {
			h = with
		}
	}
	top.Move(fyne.NewPos(0, 0))
	top.Resize(fyne.NewSize(size.Width, h))
	tiles.Move(fyne.NewPos(0, h+l.gap))
	tiles.Resize(fyne.NewSize(size.Width, max(0, size.Height-h-l.gap)))
}

// MinSize leaves the hint out: it is shown only where there is room.
func (l *homeLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	top, tiles := objs[0], objs[1]
	without, _ := l.topHeights(top)
	t := tiles.MinSize()
	return fyne.NewSize(max(top.MinSize().Width, t.Width), without+l.gap+t.Height)
}

// topHeights is the top's least height without the hint and with it,
// worked out from its VBox — its visible rows and the padding between
// them — whether the hint shows now or not.
func (l *homeLayout) topHeights(top fyne.CanvasObject) (without, with float32) {
	m := top.MinSize().Height
	box, ok := top.(*fyne.Container)
	if l.hint == nil || !ok {
		return m, m
	}
	var rows float32
	n := 0
	for _, o := range box.Objects {
		if o.Visible() {
			rows += o.MinSize().Height
			n++
		}
	}
	var pad float32
	if n > 1 {
		pad = (m - rows) / float32(n-1)
	}
	hint := l.hint.MinSize().Height + pad
	if l.hint.Visible() {
		return m - hint, m
	}
	return m, m + hint
}

// roomyPadding pads its objects by up to x on the left and right and y
// above and below, and by as little as a quarter of that where a small
// panel has no more room for what they would show (a scroll region's
// whole content): margins give way before anything a resident reads or
// taps. With background, the first object is a background that fills the
// whole (a card's).
type roomyPadding struct {
	x, y       float32
	background bool
}

func (l roomyPadding) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if l.background && len(objs) > 0 {
		objs[0].Move(fyne.NewPos(0, 0))
		objs[0].Resize(size)
		objs = objs[1:]
	}
	for _, o := range objs {
		// A card gives up its margins for the words it scrolls; the
		// screen's own margins, only where its parts would not fit.
		want := o.MinSize()
		if l.background {
			want = wantSize(o)
		}
		px := min(l.x, max(l.x/4, (size.Width-want.Width)/2))
		py := min(l.y, max(l.y/4, (size.Height-want.Height)/2))
		o.Move(fyne.NewPos(px, py))
		o.Resize(fyne.NewSize(max(0, size.Width-2*px), max(0, size.Height-2*py)))
	}
}

func (l roomyPadding) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if l.background && len(objs) > 0 {
		objs = objs[1:]
	}
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m.AddWidthHeight(l.x/2, l.y/2)
}

// wantSize is the room o would use if it had it: for a scroll region, its
// whole content; through roomy paddings, with the padding; through other
// containers, their minimum and what the regions in them would add;
// otherwise its minimum.
func wantSize(o fyne.CanvasObject) fyne.Size {
	switch v := o.(type) {
	case *container.Scroll:
		if v.Content != nil {
			return v.MinSize().Max(v.Content.MinSize())
		}
	case *fyne.Container:
		if l, ok := v.Layout.(roomyPadding); ok {
			objs := v.Objects
			if l.background && len(objs) > 0 {
				objs = objs[1:]
			}
			var m fyne.Size
			for _, c := range objs {
				m = m.Max(wantSize(c))
			}
			return m.AddWidthHeight(2*l.x, 2*l.y).Max(v.MinSize())
		}
		// Any other container (a border round a scroll region, a stack):
		// what its parts would use beyond their minimum, one above another.
		m := v.MinSize()
		for _, c := range v.Objects {
			if c.Visible() {
				m.Height += max(0, wantSize(c).Height-c.MinSize().Height)
			}
		}
		return m
	}
	return o.MinSize()
}

// sideBySide puts two parts next to each other at the top: the left takes
// share of the width, or more if it needs it, or less if the right would
// not get its own. The left is as tall as it needs; the right (a keypad)
// grows by up to half its height where the panel has room.
type sideBySide struct {
	gap   float32
	share float32
}

func (l sideBySide) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	left, right := objs[0], objs[1]
	lm, rm := left.MinSize(), right.MinSize()
	lw := max(lm.Width, min(l.share*size.Width, size.Width-rm.Width-l.gap))
	left.Move(fyne.NewPos(0, 0))
	left.Resize(fyne.NewSize(lw, lm.Height))
	right.Move(fyne.NewPos(lw+l.gap, 0))
	right.Resize(fyne.NewSize(max(0, size.Width-lw-l.gap), max(rm.Height, min(size.Height, 1.5*rm.Height))))
}

func (l sideBySide) MinSize(objs []fyne.CanvasObject) fyne.Size {
	lm, rm := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(lm.Width+l.gap+rm.Width, max(lm.Height, rm.Height))
}

// tailFit lays out one line of text (its one object), showing as much of
// the end of full as its width holds, after "…": what was typed last
// stays in sight. Set full, then refresh the container.
type tailFit struct{ full string }

func (l *tailFit) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	t := objs[0].(*canvas.Text)
	runes := []rune(l.full)
	shown := l.full
	for i := 1; i < len(runes) && fyne.MeasureText(shown, t.TextSize, t.TextStyle).Width > size.Width; i++ {
		shown = "…" + string(runes[i:])
	}
	if t.Text != shown {
		t.Text = shown
		t.Refresh()
	}
	h := t.MinSize().Height
	t.Move(fyne.NewPos(0, (size.Height-h)/2))
	t.Resize(fyne.NewSize(size.Width, h))
}

// MinSize is one line high and as wide as "…" and the last character.
func (l *tailFit) MinSize(objs []fyne.CanvasObject) fyne.Size {
	t := objs[0].(*canvas.Text)
	runes := []rune(l.full)
	last := ""
	if len(runes) > 0 {
		last = string(runes[len(runes)-1])
	}
	return fyne.NewSize(fyne.MeasureText("…"+last, t.TextSize, t.TextStyle).Width, t.MinSize().Height)
}
