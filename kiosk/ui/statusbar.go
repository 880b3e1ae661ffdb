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
	kinds   []devices.Kind // the devices in the bar's order
	// healthy stands for the devices that work when the bar is too
	// narrow to name each one on one line (a small panel).
	healthy *statusItem
	clock   *canvas.Text
	id      *canvas.Text // the terminal's id
	// relayout asks the frame to lay the bar out again when its text
	// changed how many lines it needs.
	relayout func()
}

// statusItem is a coloured dot and a line of text.
type statusItem struct {
	box  *fyne.Container
	dot  *canvas.Rectangle
	text *canvas.Text
	ok   bool
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
	s.ok = ok
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
	s := &statusBar{
		th: th, network: newStatusItem(th), devices: make(map[devices.Kind]*statusItem), kinds: kinds,
		healthy: newStatusItem(th), clock: statusText(th, ""), relayout: relayout,
		id: statusText(th, T("status.terminal", map[string]any{"ID": terminalID})),
	}
	items := []fyne.CanvasObject{s.id, s.network.box}
	for _, k := range kinds {
		it := newStatusItem(th)
		s.devices[k] = it
		items = append(items, it.box)
	}
	items = append(items, s.healthy.box, s.clock)
	s.bar = newBar(theme.ColorStatusBar, true, items...)
	s.bar.fold = s.fold
	return s
}

// fold names every device when the bar has room for them all on one line;
// otherwise the devices that work give their places to one "devices OK",
// so the bar keeps one line on a small panel and a fault still shows by
// name.
func (s *statusBar) fold(inner float32) []fyne.CanvasObject {
	all := []fyne.CanvasObject{s.id, s.network.box}
	folded := []fyne.CanvasObject{s.id, s.network.box}
	working := 0
	for _, k := range s.kinds {
		it := s.devices[k]
		all = append(all, it.box)
		if it.ok {
			working++
		} else {
			folded = append(folded, it.box)
		}
	}
	all = append(all, s.clock)
	if working == 0 || s.bar.oneLine(all, inner) {
		return all
	}
	return append(folded, s.healthy.box, s.clock)
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
	healthy := T("status.devices_ok")
	for _, it := range s.devices {
		if !it.ok {
			healthy = T("status.other_devices_ok")
		}
	}
	s.healthy.set(s.th, healthy, true)
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
// Nothing is redrawn when nothing changed: at rest the link is read every
// minute.
func (s *statusBar) setLink(l LinkStatus) {
	label := T("status.offline")
	if l.Online {
		label = T("status.online")
	}
	label += " · " + T("status.queued", map[string]any{"Count": l.Queued})
	if label == s.network.text.Text && l.Online == s.network.ok {
		return
	}
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
