package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
)

// where names what the body shows, for keeping its scroll positions: the
// screen, the journey's step, and whether a text field's keyboard is open
// over the form.
func (t *Terminal) where() string {
	w := t.sess.Screen()
	if j := t.apply.j; j != nil && w == screenApplying {
		w += "/" + string(j.Step())
		if fl := j.Service().Form.Field(t.apply.editing); fl != nil && fl.Type == catalog.TypeText {
			w += "/typing"
		}
	}
	return w
}

// scrollOffsets appends the offset of every scroll region in o, in the
// order of the tree, to to.
func scrollOffsets(o fyne.CanvasObject, to []fyne.Position) []fyne.Position {
	eachScroll(o, func(s *container.Scroll) { to = append(to, s.Offset) })
	if to == nil {
		to = []fyne.Position{}
	}
	return to
}

// restoreOffsets scrolls each scroll region in o back to its offset from
// scrollOffsets, when o has as many regions as were kept (a screen built
// differently starts at the top). Call it once o is laid out: an offset
// past the content's end is cut back to it.
func restoreOffsets(o fyne.CanvasObject, kept []fyne.Position) {
	var all []*container.Scroll
	eachScroll(o, func(s *container.Scroll) { all = append(all, s) })
	if len(all) != len(kept) {
		return
	}
	for i, s := range all {
		scrollTo(s, kept[i].Y)
	}
}

func eachScroll(o fyne.CanvasObject, f func(*container.Scroll)) {
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			eachScroll(c, f)
		}
	case *container.Scroll:
		f(v)
		eachScroll(v.Content, f)
	case parent:
		for _, c := range v.children() {
			eachScroll(c, f)
		}
	}
}

// revealIn scrolls the scroll region of root that holds o, the least that
// brings o wholly into sight (its top, if it is taller than the region).
func revealIn(root fyne.CanvasObject, o fyne.CanvasObject) {
	var find func(c fyne.CanvasObject, s *container.Scroll, y float32) bool
	find = func(c fyne.CanvasObject, s *container.Scroll, y float32) bool {
		if c == o {
			if s == nil {
				return true
			}
			top, bottom := y, y+o.Size().Height
			view := s.Size().Height
			off := s.Offset.Y
			switch {
			case top < off || bottom-top > view:
				off = top
			case bottom > off+view:
				off = bottom - view
			}
			scrollTo(s, off)
			return true
		}
		switch v := c.(type) {
		case *fyne.Container:
			for _, k := range v.Objects {
				if find(k, s, y+k.Position().Y) {
					return true
				}
			}
		case *container.Scroll:
			// Positions inside are the content's, from its top.
			return find(v.Content, v, 0)
		case parent:
			for _, k := range v.children() {
				if find(k, s, y+k.Position().Y) {
					return true
				}
			}
		}
		return false
	}
	find(root, nil, 0)
}

// vscroll is a region that scrolls up and down.
func vscroll(content fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVScroll(content)
}

// dragLayer lets a finger's drag scroll the regions of the screen. Fyne's
// scroll regions take drags only on phones; on the terminal's touch panel
// a finger arrives as a mouse. The layer lies over the whole body and
// answers drags only (taps pass through it to the controls below): a drag
// scrolls the innermost region under where it began that has more to show.
type dragLayer struct {
	widget.BaseWidget
	root   fyne.CanvasObject
	target *container.Scroll // the region this drag scrolls
}

func newDragLayer(root fyne.CanvasObject) *dragLayer {
	l := &dragLayer{root: root}
	l.ExtendBaseWidget(l)
	return l
}

func (l *dragLayer) Dragged(e *fyne.DragEvent) {
	if l.target == nil {
		start := e.AbsolutePosition.Subtract(e.Dragged)
		l.target = scrollAt(l.root, start)
		if l.target == nil {
			return
		}
	}
	scrollTo(l.target, l.target.Offset.Y-e.Dragged.DY)
}

// scrollTo scrolls s to y, kept within its content (Fyne's ScrollToOffset
// takes any offset, and draws blank space past either end).
func scrollTo(s *container.Scroll, y float32) {
	y = min(y, s.Content.Size().Height-s.Size().Height)
	y = max(y, 0)
	if y != s.Offset.Y {
		s.ScrollToOffset(fyne.NewPos(s.Offset.X, y))
	}
}

func (l *dragLayer) DragEnd() { l.target = nil }

func (l *dragLayer) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// scrollAt is the innermost scroll region of root under the point (in the
// window's coordinates) whose content is taller than it.
func scrollAt(root fyne.CanvasObject, at fyne.Position) *container.Scroll {
	d := fyne.CurrentApp().Driver()
	var found *container.Scroll
	eachScroll(root, func(s *container.Scroll) {
		if !s.Visible() || s.Content == nil || s.Content.Size().Height <= s.Size().Height {
			return
		}
		p := d.AbsolutePositionForObject(s)
		sz := s.Size()
		if at.X >= p.X && at.X < p.X+sz.Width && at.Y >= p.Y && at.Y < p.Y+sz.Height {
			found = s // later ones lie inside earlier ones
		}
	})
	return found
}
