package ui

import (
	"encoding/json"
	"fmt"
	"image/color"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/assets"
	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
)

// parent is a widget of ours that holds other objects (the header's bar):
// the inspection walks into them as into a container.
type parent interface {
	children() []fyne.CanvasObject
}

func (b *bar) children() []fyne.CanvasObject { return b.items }

// filled is a tappable widget of ours that says what colour it is drawn in.
type filled interface {
	fill() color.Color
}

func (t *tile) fill() color.Color { return t.Theme().Color(t.bg, fynetheme.VariantLight) }

// Inspect lists what is on screen and where each tappable thing is, in the
// window's pixels, for the demo's journey harness (kiosk/inspect). It walks
// the window's objects as Fyne's hit test does: later objects lie over
// earlier ones, and a tap goes to the topmost tappable under it. Call it on
// Fyne's goroutine.
func (t *Terminal) Inspect() inspect.Snapshot {
	c := t.win.Canvas()
	s := inspect.Snapshot{
		Screen:    t.sess.Screen(),
		Lang:      t.sess.Lang(),
		Elderly:   t.sess.Elderly(),
		Canvas:    t.pixelSize(c, c.Size()),
		Countdown: t.countdown != nil && t.countdown.root.Visible(),
		Touches:   t.touches,
		Spoken:    slices.Clone(t.spoken),
	}
	if content := c.Content(); content != nil {
		s.MinSize = t.pixelSize(c, content.MinSize())
	}
	if b := t.body; b != nil && b.Content != nil {
		need, have := b.Content.MinSize(), b.Size()
		s.Overflow = t.pixelSize(c, fyne.NewSize(max(0, need.Width-have.Width), max(0, need.Height-have.Height)))
	}
	if j := t.apply.j; j != nil && s.Screen == screenApplying {
		s.Step = string(j.Step())
	}
	for name, cam := range map[string]LiveCamera{"face": t.opt.Cameras.Face, "document": t.opt.Cameras.Document} {
		if cam != nil && cam.Streaming() {
			s.Streaming = append(s.Streaming, name)
		}
	}
	slices.Sort(s.Streaming)
	w := walker{t: t, c: c, keys: labelKeys(t.sess.Lang())}
	all := fyne.NewSize(float32(1<<20), float32(1<<20))
	root := c.Content()
	if s.Countdown {
		root = t.countdown.root // it hides everything under it
	}
	w.walk(root, fyne.Position{}, fyne.Position{}, all, nil)
	for _, o := range c.Overlays().List() {
		w.walk(o, fyne.Position{}, fyne.Position{}, all, nil)
	}
	s.Texts = w.texts
	seen := make(map[string]int)
	for _, f := range w.found {
		if f.covered || f.kind == "" {
			continue
		}
		x, y := c.PixelCoordinateForPosition(f.pos)
		x2, y2 := c.PixelCoordinateForPosition(f.pos.Add(f.size))
		id := f.id
		if seen[id]++; seen[id] > 1 {
			id = fmt.Sprintf("%s#%d", id, seen[id])
		}
		tp := inspect.Tappable{
			ID: id, Label: f.label, Kind: f.kind, Fill: f.fill, Disabled: f.disabled, Hidden: f.hidden,
			Rect: inspect.Rect{X: x, Y: y, W: x2 - x, H: y2 - y},
		}
		if f.scroll != nil {
			sx, sy := c.PixelCoordinateForPosition(f.scrollPos)
			sx2, sy2 := c.PixelCoordinateForPosition(f.scrollPos.Add(f.scroll.Size()))
			tp.Scroll = &inspect.Rect{X: sx, Y: sy, W: sx2 - sx, H: sy2 - sy}
		}
		s.Tappables = append(s.Tappables, tp)
	}
	return s
}

func (t *Terminal) pixelSize(c fyne.Canvas, sz fyne.Size) inspect.Size {
	w, h := c.PixelCoordinateForPosition(fyne.NewPos(sz.Width, sz.Height))
	return inspect.Size{W: w, H: h}
}

// walker collects the tappables and the words on screen.
type walker struct {
	t     *Terminal
	c     fyne.Canvas
	keys  map[string]string // label -> translation key, for labels that are one
	found []*seenTap
	texts []string
}

type seenTap struct {
	id, label, kind, fill     string
	disabled, covered, hidden bool
	pos                       fyne.Position
	size                      fyne.Size
	scroll                    *container.Scroll // the innermost scroll region it is in
	scrollPos                 fyne.Position     // where that region is
}

// walk visits o, whose parent is at base; what is visible is clipped to
// the rectangle at clip of size clipSize (a scroll region's window, sc).
func (w *walker) walk(o fyne.CanvasObject, base, clip fyne.Position, clipSize fyne.Size, sc *container.Scroll) {
	if o == nil || !o.Visible() {
		return
	}
	pos := base.Add(o.Position())
	size := o.Size()
	// What of o shows inside the clip; a tappable scrolled out of sight is
	// still listed, hidden, so the harness can drag it into sight.
	x1, y1 := max(pos.X, clip.X), max(pos.Y, clip.Y)
	x2, y2 := min(pos.X+size.Width, clip.X+clipSize.Width), min(pos.Y+size.Height, clip.Y+clipSize.Height)
	hidden := x2 <= x1 || y2 <= y1
	if hidden && sc == nil {
		return
	}
	shown, shownSize := fyne.NewPos(x1, y1), fyne.NewSize(x2-x1, y2-y1)
	var partly bool // a tappable in a scroll region, not wholly in sight
	if _, ok := o.(fyne.Tappable); ok && sc != nil && !hidden {
		// Less than a pixel cut off is layout rounding, not out of sight.
		partly = shownSize.Width < size.Width-1 || shownSize.Height < size.Height-1
	}
	switch v := o.(type) {
	case *fyne.Container:
		for _, child := range v.Objects {
			w.walk(child, pos, clip, clipSize, sc)
		}
		return
	case *container.Scroll:
		if hidden {
			return
		}
		w.walk(v.Content, pos, shown, shownSize, v)
		return
	case parent:
		for _, child := range v.children() {
			w.walk(child, pos, clip, clipSize, sc)
		}
		return
	}
	if hidden {
		if _, ok := o.(fyne.Tappable); !ok {
			return
		}
	}
	switch v := o.(type) {
	case *canvas.Text:
		if s := strings.TrimSpace(v.Text); s != "" {
			w.texts = append(w.texts, s)
		}
		return
	case *widget.Label:
		if s := strings.TrimSpace(v.Text); s != "" {
			w.texts = append(w.texts, s)
		}
		return
	}
	if _, ok := o.(fyne.Tappable); !ok {
		return
	}
	// A tap goes to the topmost tappable: this one hides every earlier
	// one whose middle it covers.
	for _, f := range w.found {
		if hidden {
			break
		}
		if f.hidden {
			continue // out of sight: the harness drags it into view first
		}
		cx, cy := f.pos.X+f.size.Width/2, f.pos.Y+f.size.Height/2
		if cx >= shown.X && cx < shown.X+shownSize.Width && cy >= shown.Y && cy < shown.Y+shownSize.Height {
			f.covered = true
		}
	}
	f := &seenTap{pos: shown, size: shownSize, hidden: hidden || partly, scroll: sc, scrollPos: clip}
	if f.hidden {
		f.pos, f.size = pos, size // where it would be, to drag it into sight
	}
	switch v := o.(type) {
	case *widget.Button:
		f.kind, f.label, f.disabled = "button", v.Text, v.Disabled()
		f.fill = hexColour(buttonFill(w.t.th, v))
	case *tile:
		f.kind, f.label, f.fill, f.id = "tile", v.title, hexColour(v.fill()), v.id
	case *corner:
		f.kind, f.id = "corner", "corner" // the maintenance gesture's
	case *touchCatcher:
		// Not a control: it takes taps on the space between controls,
		// and hides what lies under it (the countdown's).
	default:
		f.kind = "widget"
		if l, ok := o.(interface{ label() string }); ok {
			f.label = l.label()
		}
		if fl, ok := o.(filled); ok {
			f.fill = hexColour(fl.fill())
		}
	}
	if f.id == "" {
		f.id = w.t.kit.names[o]
	}
	if f.id == "" {
		if key, ok := w.keys[f.label]; ok {
			f.id = key
		} else {
			f.id = f.kind + ":" + f.label
		}
	}
	w.found = append(w.found, f)
}

// buttonFill is the colour a button's background is drawn in, as Fyne's
// button renderer chooses it; nil for a button without one.
func buttonFill(th fyne.Theme, b *widget.Button) color.Color {
	if th == nil {
		return nil
	}
	v := fynetheme.VariantLight
	if b.Importance == widget.LowImportance {
		return nil
	}
	if b.Disabled() {
		return th.Color(fynetheme.ColorNameDisabledButton, v)
	}
	switch b.Importance {
	case widget.HighImportance:
		return th.Color(fynetheme.ColorNamePrimary, v)
	case widget.DangerImportance:
		return th.Color(fynetheme.ColorNameError, v)
	case widget.WarningImportance:
		return th.Color(fynetheme.ColorNameWarning, v)
	case widget.SuccessImportance:
		return th.Color(fynetheme.ColorNameSuccess, v)
	}
	return th.Color(fynetheme.ColorNameButton, v)
}

func hexColour(c color.Color) string {
	if c == nil {
		return ""
	}
	r, g, b, a := c.RGBA()
	if a == 0 {
		return ""
	}
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// labelKeys maps each label of the language's translations to its key,
// leaving out labels that more than one key has: an id must name one thing.
func labelKeys(lang string) map[string]string {
	keys := make(map[string]string)
	l, ok := languages[lang]
	if !ok {
		return keys
	}
	// The file go-i18n reads for the locale: kiosk.zh_Hans.json.
	file := "kiosk." + strings.ReplaceAll(string(l.locale), "-", "_") + ".json"
	data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + file)
	if err != nil {
		return keys
	}
	var strs map[string]string
	if json.Unmarshal(data, &strs) != nil {
		return keys
	}
	dup := make(map[string]bool)
	for k, v := range strs {
		if _, ok := keys[v]; ok {
			dup[v] = true
		}
		keys[v] = k
	}
	for v := range dup {
		delete(keys, v)
	}
	return keys
}
