package ui

import (
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// receiptView covers the screen with a picture of the last receipt the
// virtual printer printed (demo mode), or with why it could not print.
type receiptView struct {
	root *fyne.Container
}

func newReceiptView(th fyne.Theme, screen fyne.Size, img image.Image, failure string, onClose func()) *receiptView {
	v := &receiptView{}
	title := text(th, T("receipt.title"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)
	title.Alignment = fyne.TextAlignCenter
	var body fyne.CanvasObject
	if img != nil {
		pic := canvas.NewImageFromImage(img)
		pic.FillMode = canvas.ImageFillContain
		pic.ScaleMode = canvas.ImageScaleFastest
		// As tall as the screen allows with the title, the button and
		// the card's padding, keeping the paper's proportions.
		p := th.Size(fynetheme.SizeNamePadding)
		chrome := title.MinSize().Height + th.Size(theme.SizeTarget) + 12*p + 3*p + 3*p + 8*p
		b := img.Bounds()
		h := max(0, min(screen.Height*0.62, screen.Height-chrome, float32(b.Dy())))
		w := h * float32(b.Dx()) / float32(b.Dy())
		pic.SetMinSize(fyne.NewSize(w, h))
		body = pic
	} else {
		msg := text(th, T("receipt.failed"), fynetheme.SizeNameText, fynetheme.ColorNameError, true)
		msg.Alignment = fyne.TextAlignCenter
		why := text(th, failure, fynetheme.SizeNameCaptionText, theme.ColorSecondaryLabel, false)
		why.Alignment = fyne.TextAlignCenter
		body = container.NewVBox(msg, why)
	}
	closeBtn := widget.NewButton(T("receipt.close"), onClose)
	closeBtn.Importance = widget.HighImportance
	card := newCard(th, container.NewVBox(title, container.NewCenter(body), spacer(th), bigButton(th, closeBtn)))
	scrim := canvas.NewRectangle(th.Color(theme.ColorScrim, fynetheme.VariantLight))
	v.root = container.NewStack(scrim, newTouchCatcher(func() {}), container.NewCenter(card))
	return v
}
