package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/assets"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// tile is a large coloured button of the home screen: an icon, a word and a
// short line saying what it does. It darkens while pressed, so a resident
// sees their touch land.
type tile struct {
	widget.BaseWidget
	id          string // the translation key of its title: its name for the journey harness
	icon        fyne.Resource
	title, hint string
	bg          fyne.ThemeColorName
	onTap       func()
	pressed     bool
}

func newTile(icon, title, hint string, bg fyne.ThemeColorName, onTap func()) *tile {
	t := &tile{icon: iconResource(icon), title: title, hint: hint, bg: bg, onTap: onTap}
	t.ExtendBaseWidget(t)
	return t
}

// iconResource wraps an embedded SVG icon; a missing icon draws nothing
// rather than stopping the terminal.
func iconResource(name string) fyne.Resource {
	data, err := assets.Icon(name)
	if err != nil {
		return nil
	}
	return fyne.NewStaticResource(name+".svg", data)
}

func (t *tile) Tapped(*fyne.PointEvent) {
	t.setPressed(false)
	if t.onTap != nil {
		t.onTap()
	}
}

// MouseDown and MouseUp show the press; touch screens send them as a mouse.
func (t *tile) MouseDown(*desktop.MouseEvent) { t.setPressed(true) }
func (t *tile) MouseUp(*desktop.MouseEvent)   { t.setPressed(false) }

func (t *tile) setPressed(p bool) {
	if t.pressed != p {
		t.pressed = p
		t.Refresh()
	}
}

func (t *tile) CreateRenderer() fyne.WidgetRenderer {
	r := &tileRenderer{
		t:     t,
		bg:    canvas.NewRectangle(color.Transparent),
		shade: canvas.NewRectangle(color.Transparent),
		title: canvas.NewText(t.title, color.White),
		hint:  canvas.NewText(t.hint, color.White),
	}
	if t.icon != nil {
		r.icon = canvas.NewImageFromResource(t.icon)
		r.icon.FillMode = canvas.ImageFillContain
	} else {
		r.icon = canvas.NewImageFromImage(nil)
	}
	r.title.TextStyle.Bold = true
	r.title.Alignment = fyne.TextAlignCenter
	r.hint.Alignment = fyne.TextAlignCenter
	r.Refresh()
	return r
}

type tileRenderer struct {
	t           *tile
	bg, shade   *canvas.Rectangle
	icon        *canvas.Image
	title, hint *canvas.Text
}

func (r *tileRenderer) th() fyne.Theme { return r.t.Theme() }

func (r *tileRenderer) Refresh() {
	th := r.th()
	corner := th.Size(theme.SizeCorner)
	r.bg.FillColor = th.Color(r.t.bg, fynetheme.VariantLight)
	r.bg.CornerRadius = corner
	r.shade.CornerRadius = corner
	if r.t.pressed {
		r.shade.FillColor = th.Color(theme.ColorScrim, fynetheme.VariantLight)
	} else {
		r.shade.FillColor = color.Transparent
	}
	on := th.Color(theme.ColorOnTile, fynetheme.VariantLight)
	r.title.Text, r.title.Color, r.title.TextSize = r.t.title, on, th.Size(theme.SizeTileTitle)
	r.hint.Text, r.hint.Color, r.hint.TextSize = r.t.hint, on, th.Size(theme.SizeTileHint)
	for _, o := range r.Objects() {
		o.Refresh()
	}
	r.Layout(r.t.Size())
}

func (r *tileRenderer) gap() float32 { return r.th().Size(fynetheme.SizeNamePadding) * 2 }

// minIcon is the smallest the icon is drawn when a tile is short of room;
// below it, the icon is not drawn.
const minIcon = 32

func (r *tileRenderer) Layout(size fyne.Size) {
	r.bg.Resize(size)
	r.shade.Resize(size)
	gap := r.gap()
	pad := r.th().Size(fynetheme.SizeNameInnerPadding) * 2
	// Words wider than the tile (English at elderly sizes on a portrait
	// panel) are drawn smaller rather than widen the screen.
	th := r.th()
	r.title.TextSize, r.hint.TextSize = th.Size(theme.SizeTileTitle), th.Size(theme.SizeTileHint)
	for _, t := range []*canvas.Text{r.title, r.hint} {
		if w := t.MinSize().Width; w > size.Width-2*pad && w > 0 {
			t.TextSize *= (size.Width - 2*pad) / w
		}
	}
	// A short tile (a small panel, the demo's own row above) gives up its
	// icon first, then its hint: the title, what the tile does, stays.
	icon, title, hint := r.iconSize(), r.title.MinSize(), r.hint.MinSize()
	room := size.Height - 2*pad - title.Height
	r.hint.Hidden = room < hint.Height
	if r.hint.Hidden {
		hint = fyne.Size{}
	} else {
		room -= hint.Height
	}
	r.icon.Hidden = room < minIcon+gap
	if r.icon.Hidden {
		icon, gap = fyne.Size{}, 0
	} else if room-gap < icon.Height {
		icon = fyne.NewSquareSize(room - gap)
	}
	total := icon.Height + gap + title.Height + hint.Height
	y := (size.Height - total) / 2
	r.icon.Move(fyne.NewPos((size.Width-icon.Width)/2, y))
	r.icon.Resize(icon)
	y += icon.Height + gap
	r.title.Move(fyne.NewPos(0, y))
	r.title.Resize(fyne.NewSize(size.Width, title.Height))
	y += title.Height
	r.hint.Move(fyne.NewPos(0, y))
	r.hint.Resize(fyne.NewSize(size.Width, hint.Height))
}

func (r *tileRenderer) iconSize() fyne.Size {
	return fyne.NewSquareSize(r.th().Size(theme.SizeTileIcon))
}

func (r *tileRenderer) MinSize() fyne.Size {
	title, hint := r.title.MinSize(), r.hint.MinSize()
	pad := r.th().Size(fynetheme.SizeNameInnerPadding) * 2
	// The words shrink to the tile (Layout), down to two thirds of their
	// size: a tile asks for no more width than that, and for no more
	// height than its title's with half its padding (the icon and the
	// hint give way, and on a small panel the margins narrow).
	w := max(minIcon, title.Width*2/3, hint.Width*2/3) + 2*pad
	h := title.Height + pad
	target := r.th().Size(theme.SizeTarget)
	return fyne.NewSize(max(w, target), max(h, target))
}

func (r *tileRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.icon, r.title, r.hint, r.shade}
}

func (r *tileRenderer) Destroy() {}
