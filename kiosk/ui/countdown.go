package ui

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// countdown covers the screen, wholly, when the resident has been quiet for
// the idle time: "are you still there?", the seconds left in large figures,
// and a large button to go on. A touch anywhere on it counts as an answer.
type countdown struct {
	root    *fyne.Container
	seconds *canvas.Text
	body    *canvas.Text
	// repaint marks the window for drawing: showing or hiding a container
	// does not, and a window at rest draws nothing it was not told of.
	repaint func(fyne.CanvasObject)
}

func newCountdown(th fyne.Theme, onTouch func(), repaint func(fyne.CanvasObject)) *countdown {
	c := &countdown{repaint: repaint}
	fg := th.Color(fynetheme.ColorNameForeground, fynetheme.VariantLight)
	heading := th.Size(fynetheme.SizeNameHeadingText)

	title := canvas.NewText(T("countdown.title"), fg)
	title.TextStyle.Bold = true
	title.TextSize = heading
	title.Alignment = fyne.TextAlignCenter

	c.seconds = canvas.NewText("", th.Color(fynetheme.ColorNamePrimary, fynetheme.VariantLight))
	c.seconds.TextStyle.Bold = true
	c.seconds.TextSize = heading * 2.5
	c.seconds.Alignment = fyne.TextAlignCenter

	c.body = canvas.NewText("", fg)
	c.body.TextSize = th.Size(fynetheme.SizeNameText)
	c.body.Alignment = fyne.TextAlignCenter

	clear := canvas.NewText(T("countdown.clear"), th.Color(theme.ColorSecondaryLabel, fynetheme.VariantLight))
	clear.TextSize = th.Size(fynetheme.SizeNameText)
	clear.Alignment = fyne.TextAlignCenter

	cont := widget.NewButton(T("countdown.continue"), onTouch)
	cont.Importance = widget.HighImportance

	card := newCard(th, container.NewVBox(title, c.seconds, c.body, clear, spacer(th), bigButton(th, cont)))
	// Opaque: whoever walks up while the terminal waits for an answer
	// must not read the resident's name or form behind the question.
	scrim := canvas.NewRectangle(th.Color(fynetheme.ColorNameBackground, fynetheme.VariantLight))
	c.root = container.NewStack(scrim, newTouchCatcher(onTouch), container.NewCenter(card))
	c.root.Hide()
	return c
}

// show displays the countdown with left remaining.
func (c *countdown) show(left time.Duration) {
	secs := int(left / time.Second)
	c.seconds.Text = strconv.Itoa(secs)
	c.body.Text = T("countdown.body", map[string]any{"Seconds": secs})
	c.seconds.Refresh()
	c.body.Refresh()
	if !c.root.Visible() {
		c.root.Show()
		c.repaint(c.root)
	}
}

func (c *countdown) hide() {
	if c.root.Visible() {
		c.root.Hide()
		c.repaint(c.root)
	}
}
