package ui

import "fyne.io/fyne/v2"

// A screen is one of the terminal's screens. It owns the part of the
// resident's session it shows — a journey, a list, the words of a
// question — and the widgets that show it: the frame (Terminal) asks it
// for its content when it is shown, and it changes its widgets in place
// for what happens while it is shown (a key typed, a status come in). It
// builds with its kit and asks the frame for the rest through the kit's
// host (kit.go): to be shown anew, to go elsewhere, to save.
type screen interface {
	// content makes the screen's widgets for the session as it stands;
	// the frame puts them between its header and its status bar.
	content(th fyne.Theme) fyne.CanvasObject
	// wipe forgets the resident. The frame calls it on every screen
	// whenever a session ends or the resident goes home, whichever
	// screen they were on: a screen added later is wiped without anyone
	// remembering to.
	wipe()
}

// wipeScreens forgets the resident on every screen.
func (t *Terminal) wipeScreens() {
	done := make(map[screen]bool)
	for _, s := range t.screens {
		if !done[s] { // one screen may show under several names
			done[s] = true
			s.wipe()
		}
	}
}
