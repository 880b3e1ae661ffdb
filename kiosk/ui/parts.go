package ui

import (
	"image/color"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// bigButton gives a button the size of a touch target: at least one target
// high and four wide.
func bigButton(th fyne.Theme, b *widget.Button) fyne.CanvasObject {
	t := th.Size(theme.SizeTarget)
	return container.New(atLeast{min: fyne.NewSize(4*t, t)}, b)
}

// smallButton gives a button a touch target's height and at least two
// targets' width: for a row of short words (categories, paging) that
// must not take the room of big buttons.
func smallButton(th fyne.Theme, b *widget.Button) fyne.CanvasObject {
	t := th.Size(theme.SizeTarget)
	return container.New(atLeast{min: fyne.NewSize(2*t, t)}, b)
}

// newCard puts content on a white rounded card with a border and padding.
func newCard(th fyne.Theme, content fyne.CanvasObject) fyne.CanvasObject {
	p := th.Size(fynetheme.SizeNamePadding) * 6
	return container.NewStack(cardBackground(th), container.New(layout.NewCustomPaddedLayout(p, p, p*1.5, p*1.5), content))
}

func cardBackground(th fyne.Theme) fyne.CanvasObject {
	bg := canvas.NewRectangle(th.Color(theme.ColorCard, fynetheme.VariantLight))
	bg.CornerRadius = th.Size(theme.SizeCorner)
	bg.StrokeColor = th.Color(theme.ColorCardBorder, fynetheme.VariantLight)
	bg.StrokeWidth = 2
	return bg
}

// fillingCard is newCard for content that takes the room it is given (a
// step whose words scroll): its padding gives way on a small panel, so the
// words keep the height.
func fillingCard(th fyne.Theme, content fyne.CanvasObject) fyne.CanvasObject {
	p := th.Size(fynetheme.SizeNamePadding) * 6
	return container.New(roomyPadding{x: 1.5 * p, y: p, background: true}, cardBackground(th), content)
}

// linesRoom is an empty object as high as lines of text of size (and
// extra): stacked under words that change, it keeps their room, so what
// lies below them does not move.
func linesRoom(th fyne.Theme, size fyne.ThemeSizeName, lines int, extra float32) fyne.CanvasObject {
	line := fyne.MeasureText("国", th.Size(size), fyne.TextStyle{}).Height
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, float32(lines)*line+float32(lines-1)*th.Size(fynetheme.SizeNameLineSpacing)+extra))
	return r
}

// spacer is an empty gap of a few paddings.
func spacer(th fyne.Theme) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSquareSize(th.Size(fynetheme.SizeNamePadding) * 3))
	return r
}

// text is a line of text in the theme's colours.
func text(th fyne.Theme, s string, size fyne.ThemeSizeName, fg fyne.ThemeColorName, bold bool) *canvas.Text {
	t := canvas.NewText(s, th.Color(fg, fynetheme.VariantLight))
	t.TextSize = th.Size(size)
	t.TextStyle.Bold = bold
	return t
}

// wide gives a centred card with wrapped text a width to wrap in: centred,
// a wrapping label would otherwise shrink to one character a line.
func (t *kit) wide(o fyne.CanvasObject) fyne.CanvasObject {
	return container.New(atLeast{min: fyne.NewSize(t.win.Canvas().Size().Width*0.6, 0)}, o)
}

// sentence is text for residents to read from a step away: large, wrapped
// to the width it is given.
func sentence(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	// Chinese has no spaces between words: wrapped by words, a line would
	// move whole to the next after its first space.
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		l.Wrapping = fyne.TextWrapBreak
	}
	l.SizeName = fynetheme.SizeNameSubHeadingText
	return l
}

// callout is a message of several lines on a tinted, outlined box: the
// warning or success colour (kind) outlines it and colours the words, so
// a long message wraps where a banner would run off the screen.
func callout(th fyne.Theme, s string, kind fyne.ThemeColorName) fyne.CanvasObject {
	c := th.Color(kind, fynetheme.VariantLight)
	r, g, b, _ := c.RGBA()
	bg := canvas.NewRectangle(color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x1c})
	bg.StrokeColor = c
	bg.StrokeWidth = 2
	bg.CornerRadius = th.Size(fynetheme.SizeNameInputRadius)
	l := sentence(s)
	l.TextStyle.Bold = true
	l.Importance = widget.WarningImportance
	if kind == fynetheme.ColorNameSuccess {
		l.Importance = widget.SuccessImportance
	}
	return container.NewStack(bg, l)
}

// framed pads a screen and gives it the way home, the call for staff and
// the screen's own actions (navRow), at its foot.
func (t *kit) framed(th fyne.Theme, content fyne.CanvasObject, actions ...fyne.CanvasObject) fyne.CanvasObject {
	p := th.Size(fynetheme.SizeNamePadding)
	return container.NewPadded(container.NewBorder(nil, t.navRow(th, actions...), nil, nil,
		container.New(roomyPadding{x: 4 * p, y: 4 * p}, content)))
}

// message is a calm sentence with the way home.
func (t *kit) message(th fyne.Theme, s string) fyne.CanvasObject {
	l := sentence(s)
	l.Alignment = fyne.TextAlignCenter
	return t.framed(th, container.NewCenter(t.wide(newCard(th, l))))
}
