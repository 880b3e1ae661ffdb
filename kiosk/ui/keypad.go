package ui

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
)

// keyBackspace takes the last character off what is typed.
const keyBackspace = "⌫"

// keypad is the terminal's one keypad: the digits of a form field, a
// call-back number, the technician's PIN, the letters of a service search
// and the pinyin keyboard are all one. Each key is a touch target named
// key:<k> for the journey harness; what it does is press's, or, for a pad
// that types into a value (get and set), the key is added while the value
// is shorter than max and ⌫ takes the last character off.
//
// A key shows what it changed in place where it can (press or changed
// report true): the keys stay the very objects under the finger, and
// nothing else on the screen moves or is made anew. Otherwise the screen
// is refreshed.
type keypad struct {
	keys  []string
	label func(k string) string // the key's label; nil: the key itself
	cols  int                   // keys a row; 0: lines that flow with the width
	// press is what a key does, reporting whether it showed the change
	// in place; nil: type into the value.
	press func(k string) (shown bool)
	get   func() string
	set   func(string)
	max   int
	after []fyne.CanvasObject // the pad's own actions (done, enter, clear)
	// changed runs after a key typed into the value; it shows the new
	// value in place and reports true, or reports false for the screen
	// to be made anew (nil: made anew).
	changed func() (shown bool)
}

// typeKey is what typing k does to s: ⌫ takes the last character off, any
// other key is added while s has fewer than max characters (0: no limit).
func typeKey(s, k string, max int) string {
	if k == keyBackspace {
		_, n := utf8.DecodeLastRuneInString(s)
		return s[:len(s)-n]
	}
	if max > 0 && utf8.RuneCountInString(s)+utf8.RuneCountInString(k) > max {
		return s
	}
	return s + k
}

// digitKeys are the digits in a phone's order, for flowing pads.
var digitKeys = strings.Split("1 2 3 4 5 6 7 8 9 0", " ")

func (t *kit) keypad(th fyne.Theme, p keypad) fyne.CanvasObject {
	objs := make([]fyne.CanvasObject, 0, len(p.keys)+len(p.after))
	for _, k := range p.keys {
		label := k
		if p.label != nil {
			label = p.label(k)
		}
		objs = append(objs, t.keyShown(th, "key:"+k, label, func() bool {
			if p.press != nil {
				return p.press(k)
			}
			p.set(typeKey(p.get(), k, p.max))
			return p.changed != nil && p.changed()
		}))
	}
	objs = append(objs, p.after...)
	if p.cols > 0 {
		return container.NewGridWithColumns(p.cols, objs...)
	}
	gap := th.Size(fynetheme.SizeNamePadding)
	return container.New(&flowLayout{gap: gap, width: t.win.Canvas().Size().Width - 40*gap}, objs...)
}
