package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// touchCatcher is an invisible widget behind the screen (or over it, for the
// countdown) that receives taps on anything that is not itself tappable, so
// a touch anywhere counts as the resident being present.
type touchCatcher struct {
	widget.BaseWidget
	onTap func()
}

func newTouchCatcher(onTap func()) *touchCatcher {
	c := &touchCatcher{onTap: onTap}
	c.ExtendBaseWidget(c)
	return c
}

func (c *touchCatcher) Tapped(*fyne.PointEvent) { c.onTap() }

func (c *touchCatcher) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
