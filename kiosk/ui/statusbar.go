package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// LinkStatus is the terminal's connection to the district as the status bar
// shows it.
type LinkStatus struct {
	Online bool
	Queued int // records waiting to upload
}

// statusBar is the strip at the bottom of every screen: terminal id, the
// link to the district, each device's state, and the date and time.
type statusBar struct {
	bar     *bar
	th      fyne.Theme
	network *statusItem
	devices map[devices.Kind]*statusItem
	clock   *canvas.Text
	// relayout asks the frame to lay the bar out again when its text
	// changed how many lines it needs.
	relayout func()
}

// statusItem is a coloured dot and a line of text.
type statusItem struct {
	box  *fyne.Container
	dot  *canvas.Rectangle
	text *canvas.Text
}

func newStatusItem(th fyne.Theme) *statusItem {
	size := th.Size(theme.SizeStatusText)
	dot := canvas.NewRectangle(th.Color(theme.ColorStatusOK, fynetheme.VariantLight))
	dot.CornerRadius = size * 0.3
	dot.SetMinSize(fyne.NewSquareSize(size * 0.6))
	text := statusText(th, "")
	return &statusItem{box: container.NewHBox(container.NewCenter(dot), text), dot: dot, text: text}
}

func (s *statusItem) set(th fyne.Theme, label string, ok bool) {
	s.text.Text = label
	if ok {
		s.dot.FillColor = th.Color(theme.ColorStatusOK, fynetheme.VariantLight)
		s.text.Color = th.Color(theme.ColorOnStatusBar, fynetheme.VariantLight)
	} else {
		s.dot.FillColor = th.Color(theme.ColorStatusAlert, fynetheme.VariantLight)
		s.text.Color = th.Color(theme.ColorStatusAlert, fynetheme.VariantLight)
	}
	s.dot.Refresh()
	s.text.Refresh()
}

func statusText(th fyne.Theme, s string) *canvas.Text {
	t := canvas.NewText(s, th.Color(theme.ColorOnStatusBar, fynetheme.VariantLight))
	t.TextSize = th.Size(theme.SizeStatusText)
	return t
}

func newStatusBar(th fyne.Theme, terminalID string, kinds []devices.Kind, relayout func()) *statusBar {
	s := &statusBar{th: th, network: newStatusItem(th), devices: make(map[devices.Kind]*statusItem), relayout: relayout}
	items := []fyne.CanvasObject{
		statusText(th, T("status.terminal", map[string]any{"ID": terminalID})),
		s.network.box,
	}
	for _, k := range kinds {
		it := newStatusItem(th)
		s.devices[k] = it
		items = append(items, it.box)
	}
	s.clock = statusText(th, "")
	items = append(items, s.clock)
	s.bar = newBar(theme.ColorStatusBar, true, items...)
	return s
}

// setDevices shows each device's state.
func (s *statusBar) setDevices(states []devices.Status) {
	for _, st := range states {
		it, ok := s.devices[st.Kind]
		if !ok {
			continue
		}
		label := T("device."+string(st.Kind)) + " " + T("state."+st.State.String())
		it.set(s.th, label, st.State == devices.Online || st.State == devices.Busy)
	}
	s.changed()
}

// changed redraws the bar, and has the frame lay it out again if it now
// needs more or fewer lines.
func (s *statusBar) changed() {
	if w := s.bar.Size().Width; w > 0 && s.bar.HeightAt(w) != s.bar.Size().Height && s.relayout != nil {
		s.relayout()
		return
	}
	s.bar.Refresh()
}

// setLink shows the link to the district and the queue.
func (s *statusBar) setLink(l LinkStatus) {
	label := T("status.offline")
	if l.Online {
		label = T("status.online")
	}
	label += " · " + T("status.queued", map[string]any{"Count": l.Queued})
	s.network.set(s.th, label, l.Online)
	s.changed()
}

// setClock shows now, to the minute.
func (s *statusBar) setClock(now time.Time) {
	text := formatClock(now)
	if text != s.clock.Text {
		s.clock.Text = text
		s.clock.Refresh()
		s.changed()
	}
}

func formatClock(now time.Time) string {
	return T("clock.format", map[string]any{
		"Year":    now.Year(),
		"Month":   int(now.Month()),
		"Day":     now.Day(),
		"MM":      fmt.Sprintf("%02d", int(now.Month())),
		"DD":      fmt.Sprintf("%02d", now.Day()),
		"Weekday": T(fmt.Sprintf("weekday.%d", int(now.Weekday()))),
		"Time":    now.Format("15:04"),
	})
}
