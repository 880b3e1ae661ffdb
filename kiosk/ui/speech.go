package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// The spoken guidance on screen: each screen and step has its prompt; it
// plays by itself when the voice policy says (elderly mode, by default),
// and the header's 🔊 button plays it again on any screen.

// prompts are the prompt of each place the terminal shows (where), by
// the place's start: "applying/form/typing" is the form's.
var prompts = []struct{ where, id string }{
	{"home", "home"},
	{screenApply, "services"},
	{screenGuide, "guide"},
	{screenApplying + "/" + string(journey.Card), "card"},
	{screenApplying + "/" + string(journey.Face), "face"},
	{screenApplying + "/" + string(journey.Form), "form"},
	{screenApplying + "/" + string(journey.Materials), "materials"},
	{screenApplying + "/" + string(journey.Review), "review"},
	{screenApplying + "/" + string(journey.Receipt), "receipt"},
	{screenApplying + "/" + string(journey.Rating), "rating"},
	{screenApplying + "/" + string(journey.StaffHelp), "staff_help"},
	{screenApplying + "/" + string(journey.Issuing), "certificate_issuing"},
	{screenApplying + "/" + string(journey.Printed), "certificate_printed"},
	{screenQuery, "query"},
	{screenRate, "rate"},
	{screenComplain, "complain"},
	{screenStaff, "staff"},
}

// promptOf is the prompt of a place, or "" (the technician's screens say
// nothing).
func promptOf(where string) string {
	for _, p := range prompts {
		if where == p.where || strings.HasPrefix(where, p.where+"/") {
			return p.id
		}
	}
	return ""
}

// say plays a prompt now; by itself only when the policy says it speaks,
// asked (the 🔊 button) always.
func (t *Terminal) say(id string, asked bool) {
	// The prompts are recorded in Mandarin: an English session is silent.
	if id == "" || t.opt.Speak == nil || t.sess.Lang() != "zh" {
		return
	}
	if !asked && !t.opt.Voice.Speaks(t.sess.Elderly(), t.opt.Now()) {
		return
	}
	t.spoken = append(t.spoken, id)
	if len(t.spoken) > 32 {
		t.spoken = t.spoken[len(t.spoken)-32:]
	}
	t.opt.Speak(id)
}

// sayAgain plays the prompt of what is shown: the 🔊 button.
func (t *Terminal) sayAgain() {
	id := promptOf(t.where())
	if t.countdown != nil && t.countdown.root.Visible() {
		id = "idle"
	}
	t.say(id, true)
}

// speakerButton is the header's 🔊 button: nil when the terminal has no
// voice, or the session is in English.
func (t *Terminal) speakerButton(th fyne.Theme) fyne.CanvasObject {
	if t.opt.Speak == nil || t.sess.Lang() != "zh" {
		return nil
	}
	// The speaker alone: a word beside it would not fit a small panel's
	// header in elderly mode, and the speaker is understood without one.
	b := widget.NewButtonWithIcon("", fynetheme.VolumeUpIcon(), t.input(t.sayAgain))
	t.kit.name(b, "speaker")
	return container.New(atLeast{min: fyne.NewSquareSize(th.Size(theme.SizeTarget))}, b)
}
