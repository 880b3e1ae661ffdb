package ui

import (
	"fmt"
	"image/color"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/pinyin"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// The keyboard's keys, in rows of ten so every key is the same size.
// keyBackspace and keyClear are actions; the rest are typed.
var keyboardKeys = strings.Fields("1 2 3 4 5 6 7 8 9 0  Q W E R T Y U I O P  A S D F G H J K L -  Z X C V B N M · " + keyBackspace + " " + keyClear)

const (
	keyClear = "clear"
)

// typingStep types one text field of the form on a full-screen keyboard:
// the value in large text, the pinyin typed so far with its characters to
// pick (or letters and digits as they are, for a certificate number), and
// a way to hand the field to the staff instead. On a landscape panel the
// value and the characters stand left of the keys, so the keyboard keeps
// the height of a small panel; on a portrait one, above them.
func (s *applyScreen) typingStep(th fyne.Theme, fl *catalog.Field) fyne.CanvasObject {
	t := s.term
	j := s.j
	lang := t.sess.Lang()
	value := j.Values()[fl.ID]
	shown := text(th, value, fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, false)
	if value == "" && s.typed == "" {
		shown = text(th, T("apply.tap_keys"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, false)
	}
	// Right of the value, how much of the field is used, or, while a
	// character is being typed, its pinyin so far.
	right := text(th, fmt.Sprintf("%d / %d", utf8.RuneCountInString(value), fl.MaxLen), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false)
	if s.typed != "" {
		right = text(th, T("apply.pinyin", map[string]any{"Letters": s.typed}), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true)
	}
	// Beside the keys (landscape), the label is a size smaller: the
	// column must be no taller than the keys on a small panel.
	labelSize := fynetheme.SizeNameHeadingText
	if !t.portrait() {
		labelSize = fynetheme.SizeNameSubHeadingText
	}
	label := text(th, fl.Label.In(lang), labelSize, fynetheme.ColorNameForeground, true)
	// The box keeps the height of a line of the value whatever it shows
	// (the hint is smaller), so the keys under it never move.
	box := valueBox(th, container.NewBorder(nil, nil, nil, container.NewCenter(right),
		container.NewStack(linesRoom(th, fynetheme.SizeNameHeadingText, 1, 0), tailOf(shown))))
	top := container.NewVBox(label, box)
	keys := t.keypad(th, keypad{keys: keyboardKeys, cols: 10, press: func(k string) { s.typingKey(fl, k) },
		label: func(k string) string {
			if k == keyClear {
				return T("services.clear")
			}
			return k
		}})
	var body fyne.CanvasObject
	if t.portrait() {
		if !fl.ASCIIOnly() {
			top.Add(s.candidates(th, fl, 1))
		}
		body = container.NewBorder(top, nil, nil, nil, container.NewVBox(spacer(th), keys))
	} else {
		if !fl.ASCIIOnly() {
			top.Add(s.candidates(th, fl, 2))
		}
		p := th.Size(fynetheme.SizeNamePadding)
		body = container.New(sideBySide{gap: 4 * p, share: 0.36}, top, keys)
	}
	done := func() { s.editing, s.typed, s.page = "", "", 0 }
	return t.framed(th, body,
		t.button(th, T("apply.by_staff_button"), false, func() {
			j.LeaveToStaff(fl.ID)
			done()
			t.refresh()
		}),
		t.button(th, T("apply.done_typing"), true, func() { done(); t.refresh() }))
}

// valueBox shows what is being typed on a white outlined box, slimmer
// than a card: the keyboard needs the height.
func valueBox(th fyne.Theme, content fyne.CanvasObject) fyne.CanvasObject {
	bg := canvas.NewRectangle(th.Color(theme.ColorCard, fynetheme.VariantLight))
	bg.CornerRadius = th.Size(theme.SizeCorner)
	bg.StrokeColor = th.Color(theme.ColorCardBorder, fynetheme.VariantLight)
	bg.StrokeWidth = 2
	p := th.Size(fynetheme.SizeNamePadding) * 2
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(p, p, 2*p, 2*p), content))
}

// candidates is a page of the characters the pinyin typed so far may
// stand for, in rows (one above the keys, two beside them), each row
// ending in a key that turns the page. Before the first letter the hint
// holds their place: the keys must not move when the characters come.
func (s *applyScreen) candidates(th fyne.Theme, fl *catalog.Field, rows int) fyne.CanvasObject {
	t := s.term
	target := th.Size(theme.SizeTarget)
	gap := th.Size(fynetheme.SizeNamePadding)
	if s.typed == "" {
		room := canvas.NewRectangle(color.Transparent)
		room.SetMinSize(fyne.NewSize(0, float32(rows)*target+float32(rows-1)*gap))
		hint := sentence(T("apply.pinyin_hint"))
		hint.Importance = widget.LowImportance
		if rows == 1 {
			hint.Alignment = fyne.TextAlignCenter
		}
		return container.NewStack(room, hint)
	}
	per := pinyin.FirstPage
	if t.sess.Elderly() || rows == 1 && t.portrait() {
		per = 6
	}
	all := pinyin.Default().Candidates(s.typed)
	pages := max(1, (len(all)+per-1)/per)
	page := min(s.page, pages-1)
	shown := all[page*per : min(len(all), (page+1)*per)]
	var keys []fyne.CanvasObject
	row := func(chars []rune, turn fyne.CanvasObject) {
		for _, r := range chars {
			keys = append(keys, t.key(th, string(r), func() {
				s.typeInto(fl, string(r))
				s.typed, s.page = "", 0
			}))
		}
		for n := len(chars); n < per/rows; n++ {
			keys = append(keys, spacer(th))
		}
		keys = append(keys, turn)
	}
	back := t.pageKey(th, "‹", page > 0, func() { s.page = page - 1 })
	next := t.pageKey(th, "›", page < pages-1, func() { s.page = page + 1 })
	if rows == 1 {
		keys = append(keys, back)
		row(shown, next)
	} else {
		half := per / 2
		row(shown[:min(half, len(shown))], back)
		row(shown[min(half, len(shown)):], next)
	}
	cols := per/rows + 1
	if rows == 1 {
		cols++ // the row starts with the key back, too
	}
	return container.NewGridWithColumns(cols, keys...)
}

// pageKey turns a page of candidates; it does nothing at either end.
func (t *Terminal) pageKey(th fyne.Theme, label string, enabled bool, turn func()) fyne.CanvasObject {
	b := widget.NewButton(label, t.input(func() {
		turn()
		t.refresh()
	}))
	if !enabled {
		b.Disable()
	}
	target := th.Size(theme.SizeTarget)
	return container.New(atLeast{min: fyne.NewSize(target, target)}, b)
}

// typingKey is a key of the keyboard pressed: a letter goes to the pinyin
// (or as it is into a certificate number), the rest into the value.
func (s *applyScreen) typingKey(fl *catalog.Field, k string) {
	j := s.j
	value := j.Values()[fl.ID]
	switch {
	case k == keyClear:
		s.typed, s.page = "", 0
		j.Set(fl.ID, "")
	case k == keyBackspace && s.typed != "":
		s.typed, s.page = typeKey(s.typed, k, 0), 0
	case k == keyBackspace:
		j.Set(fl.ID, typeKey(value, k, 0))
	case k >= "A" && k <= "Z" && len(k) == 1 && !fl.ASCIIOnly():
		next := s.typed + strings.ToLower(k)
		if len(next) <= pinyin.MaxTyped && pinyin.Default().Valid(next) {
			s.typed, s.page = next, 0
		}
	default:
		s.typeInto(fl, k)
	}
}

// typeInto adds typed to the field's value, up to its length.
func (s *applyScreen) typeInto(fl *catalog.Field, typed string) {
	j := s.j
	j.Set(fl.ID, typeKey(j.Values()[fl.ID], typed, fl.MaxLen))
}
