package ui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bar is a full-width strip with a coloured background (the header and the
// status bar). Its items run left to right and wrap onto a second line when
// the screen is too narrow for them, so nothing is ever cut off; with
// pushLast, the last item sits at the right end when everything fits on
// one line.
type bar struct {
	widget.BaseWidget
	bg       fyne.ThemeColorName
	items    []fyne.CanvasObject
	pushLast bool
	// fold, when set, chooses the items shown at a width inside the
	// bar's padding; the others are hidden. Nil: the visible items.
	fold func(inner float32) []fyne.CanvasObject
}

// shown is the items the bar shows inner wide.
func (b *bar) shown(inner float32) []fyne.CanvasObject {
	if b.fold != nil {
		return b.fold(inner)
	}
	var out []fyne.CanvasObject
	for _, o := range b.items {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

func newBar(bg fyne.ThemeColorName, pushLast bool, items ...fyne.CanvasObject) *bar {
	b := &bar{bg: bg, items: items, pushLast: pushLast}
	b.ExtendBaseWidget(b)
	return b
}

func (b *bar) pad() (x, y float32) {
	p := b.Theme().Size(fynetheme.SizeNamePadding)
	return 4 * p, 2 * p
}

func (b *bar) gaps() (x, y float32) {
	p := b.Theme().Size(fynetheme.SizeNamePadding)
	return 6 * p, p
}

// HeightAt returns the bar's height when it is width wide.
func (b *bar) HeightAt(width float32) float32 {
	px, py := b.pad()
	gx, gy := b.gaps()
	return flow(b.shown(width-2*px), width-2*px, gx, gy, false, fyne.Position{}) + 2*py
}

// oneLine reports whether items fit on one line of the bar inner wide.
func (b *bar) oneLine(items []fyne.CanvasObject, inner float32) bool {
	gx, gy := b.gaps()
	return flow(items, inner, gx, gy, false, fyne.Position{}) <= lineHeight(items)+0.5
}

func (b *bar) CreateRenderer() fyne.WidgetRenderer {
	r := &barRenderer{b: b, rect: canvas.NewRectangle(b.Theme().Color(b.bg, fynetheme.VariantLight))}
	return r
}

type barRenderer struct {
	b    *bar
	rect *canvas.Rectangle
}

func (r *barRenderer) Layout(size fyne.Size) {
	r.rect.Resize(size)
	px, py := r.b.pad()
	gx, gy := r.b.gaps()
	inner := size.Width - 2*px
	items := r.b.shown(inner)
	if r.b.fold != nil {
		for _, o := range r.b.items {
			setVisible(o, slices.Contains(items, o))
		}
	}
	h := flow(items, inner, gx, gy, true, fyne.NewPos(px, py))
	// One line: centre the items vertically, and push the last to the right.
	if last := len(items) - 1; last >= 0 && h <= lineHeight(items)+0.5 {
		for _, o := range items {
			o.Move(fyne.NewPos(o.Position().X, (size.Height-o.Size().Height)/2))
		}
		if r.b.pushLast {
			o := items[last]
			o.Move(fyne.NewPos(size.Width-px-o.Size().Width, o.Position().Y))
		}
	}
}

// lineHeight is the height of the tallest item.
func lineHeight(items []fyne.CanvasObject) float32 {
	var h float32
	for _, o := range items {
		h = max(h, o.MinSize().Height)
	}
	return h
}

// MinSize is the bar at its narrowest: one item a line.
func (r *barRenderer) MinSize() fyne.Size {
	px, py := r.b.pad()
	_, gy := r.b.gaps()
	var w, h float32
	n := 0
	for _, o := range r.b.items {
		if o.Visible() {
			m := o.MinSize()
			w = max(w, m.Width)
			h += m.Height
			n++
		}
	}
	if n > 1 {
		h += gy * float32(n-1)
	}
	return fyne.NewSize(w+2*px, h+2*py)
}

func (r *barRenderer) Refresh() {
	r.rect.FillColor = r.b.Theme().Color(r.b.bg, fynetheme.VariantLight)
	r.rect.Refresh()
	for _, o := range r.b.items {
		o.Refresh()
	}
	r.Layout(r.b.Size())
}

func (r *barRenderer) Objects() []fyne.CanvasObject {
	return append([]fyne.CanvasObject{r.rect}, r.b.items...)
}

func (r *barRenderer) Destroy() {}
