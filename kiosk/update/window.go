package update

import (
	"fmt"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Window is the time of day an update may be installed in, as minutes
// from midnight: [From, To), across midnight when To < From.
type Window struct {
	From, To int
}

// DefaultWindow is a 24-hour hall's, unless the district sets one: the
// quietest hours.
var DefaultWindow = Window{From: 2 * 60, To: 5 * 60}

// WindowOf is the window the district's configuration gives: its
// update_window; else the hours outside service hours; else
// DefaultWindow.
func WindowOf(c protocol.TerminalConfig) (Window, error) {
	if c.UpdateWindow != "" {
		from, to, ok := protocol.ParseWindow(c.UpdateWindow)
		if !ok {
			return Window{}, fmt.Errorf("update: update_window %q is not HH:MM-HH:MM", c.UpdateWindow)
		}
		return Window{from % 1440, to % 1440}, nil
	}
	if c.ServiceHours != "" {
		open, closed, ok := protocol.ParseWindow(c.ServiceHours)
		if !ok && protocol.ValidServiceHours(c.ServiceHours) {
			return DefaultWindow, nil // served all day: "00:00-24:00"
		}
		if !ok {
			return Window{}, fmt.Errorf("update: service_hours %q is not HH:MM-HH:MM", c.ServiceHours)
		}
		w := Window{closed % 1440, open % 1440}
		if w.minutes() < MinWindow {
			// Served nearly all day ("00:00-23:59"): the hours outside
			// are too few for the timer to land in.
			return DefaultWindow, nil
		}
		return w, nil
	}
	return DefaultWindow, nil
}

// MinWindow is the shortest window, in minutes, the updater's timer
// (every 15 to 25 minutes) is sure to land in.
const MinWindow = 30

func (w Window) minutes() int { return (w.To - w.From + 1440) % 1440 }

// Contains reports whether t, on the terminal's clock, is inside the
// window.
func (w Window) Contains(t time.Time) bool {
	m := t.Hour()*60 + t.Minute()
	if w.From < w.To {
		return m >= w.From && m < w.To
	}
	return m >= w.From || m < w.To
}

func (w Window) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", w.From/60, w.From%60, w.To/60, w.To%60)
}
