package ui

import (
	"context"
	"image"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
)

// kit is what a screen builds with and reaches the rest of the terminal
// through: the session, the program's options, the makers of widgets
// (which count a tap as the resident's and name it for the journey
// harness), and the frame around the screen (host). A screen holds a kit,
// never the Terminal.
type kit struct {
	host
	opt  *Options
	sess *session.Session
	win  fyne.Window // for the panel's size only
	// applying is the session's apply journey, nil when there is none:
	// every step card says why staff are needed, and the call for staff
	// stands out when they are.
	applying func() *journey.Apply
	// callStaff calls a member of staff, from any screen's foot.
	callStaff func()

	// names are the stable names of controls whose labels change (a key,
	// a form field showing its value), for Inspect; made anew with each
	// screen, starting from the frame's own.
	names map[fyne.CanvasObject]string
	// reveal is what the screen being made wants scrolled into sight:
	// the field being typed, or the first with an error.
	reveal fyne.CanvasObject
	// homeBtn is the way home on the screen shown.
	homeBtn *widget.Button
}

// host is what a screen asks of the frame that shows it.
type host interface {
	// refresh shows the session's screen anew, scrolled where it was.
	refresh()
	// show goes to another screen.
	show(screen string)
	// goHome ends what the resident was doing and shows the home screen.
	goHome()
	// endSession forgets the resident and starts afresh at home.
	endSession(reason string)
	// switchElderly turns elderly mode on or off.
	switchElderly()
	// input wraps a handler of the resident's input: it first counts as
	// activity, which also hides the idle countdown.
	input(f func()) func()
	// touched counts a touch anywhere as the resident's activity.
	touched()
	// save writes to the outbox off Fyne's goroutine, in the order asked,
	// then runs done on it.
	save(what string, write func(context.Context) error, done func(error))
	// do runs f on Fyne's goroutine; async runs f off it.
	do(f func())
	async(f func())
	// showReceipt covers the screen with a printed receipt's picture, or
	// with why printing failed.
	showReceipt(img image.Image, err error)
	// tell shows a notice on the home screen for a while.
	tell(n notice)
}

// name gives a control a stable name for Inspect, where its label is not
// one (a key, a field showing what was typed into it), and returns it.
func (t *kit) name(o fyne.CanvasObject, name string) fyne.CanvasObject {
	if t.names != nil {
		t.names[o] = name
	}
	return o
}
