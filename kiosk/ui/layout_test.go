package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
)

// toggleSpy is a text that counts being shown and hidden: each time marks
// the window for a repaint.
type toggleSpy struct {
	*canvas.Text
	toggles int
}

func (s *toggleSpy) Show() { s.toggles++; s.Text.Show() }
func (s *toggleSpy) Hide() { s.toggles++; s.Text.Hide() }

// TestLayoutsDoNotToggleWhatTheyShow: Fyne runs MinSize and Layout at
// every repaint. The home screen's layout hid its hint in MinSize and
// showed it again, which marked the window for the next repaint: the
// terminal at rest redrew its whole screen sixty times a second. Laid out
// again at the same size, a layout toggles nothing.
func TestLayoutsDoNotToggleWhatTheyShow(t *testing.T) {
	hint := &toggleSpy{Text: canvas.NewText("请点击您要办理的事项", nil)}
	hint.TextSize = 30
	top := container.NewVBox(canvas.NewText("您好", nil), hint)
	tiles := canvas.NewRectangle(nil)
	tiles.SetMinSize(fyne.NewSize(400, 300))
	home := &homeLayout{hint: hint, gap: 4}
	for _, height := range []float32{1000, 320} { // room for the hint; none
		home.Layout([]fyne.CanvasObject{top, tiles}, fyne.NewSize(800, height))
		hint.toggles = 0
		for range 3 {
			home.MinSize([]fyne.CanvasObject{top, tiles})
			home.Layout([]fyne.CanvasObject{top, tiles}, fyne.NewSize(800, height))
		}
		if hint.toggles != 0 {
			t.Errorf("at a height of %v: the hint shown or hidden %d times by layouts that changed nothing", height, hint.toggles)
		}
		if want := height > 400; hint.Visible() != want {
			t.Errorf("at a height of %v the hint shows: %v", height, hint.Visible())
		}
	}
	if m := home.MinSize([]fyne.CanvasObject{top, tiles}); m.Height >= top.MinSize().Height+4+300 && hint.Visible() {
		t.Errorf("the least size counts the hint: %v", m)
	}

	strip := &toggleSpy{Text: canvas.NewText("演示", nil)}
	strip.Hide()
	strip.toggles = 0
	bar := container.New(layout.NewHBoxLayout(), strip)
	setVisible(strip, false)
	setVisible(bar, true)
	if strip.toggles != 0 {
		t.Errorf("setVisible toggled what already was as asked: %d", strip.toggles)
	}
}
