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
	t := s.kit
	j := s.j
	lang := t.sess.Lang()
	// Beside the keys (landscape), the label is a size smaller: the
	// column must be no taller than the keys on a small panel.
	labelSize := fynetheme.SizeNameHeadingText
	if !t.portrait() {
		labelSize = fynetheme.SizeNameSubHeadingText
	}
	label := text(th, fl.Label.In(lang), labelSize, fynetheme.ColorNameForeground, true)
	v := &typingView{th: th, s: s, fl: fl, rows: 2,
		value: text(th, "", fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, false),
		right: text(th, "", fynetheme.SizeNameText, theme.ColorSecondaryLabel, false),
		tail:  &tailFit{},
		cands: container.NewStack(),
	}
	if t.portrait() {
		v.rows = 1
	}
	// The box keeps the height of a line of the value whatever it shows
	// (the hint is smaller), so the keys under it never move.
	v.shown = container.New(v.tail, v.value)
	v.box = valueBox(th, container.NewBorder(nil, nil, nil, container.NewCenter(v.right),
		container.NewStack(linesRoom(th, fynetheme.SizeNameHeadingText, 1, 0), v.shown)))
	top := container.NewVBox(label, v.box)
	if !fl.ASCIIOnly() {
		top.Add(v.cands)
	}
	v.update()
	keys := t.keypad(th, keypad{keys: keyboardKeys, cols: 10,
		press: func(k string) bool { s.typingKey(fl, k); v.update(); return true },
		label: func(k string) string {
			if k == keyClear {
				return T("services.clear")
			}
			return k
		}})
	var body fyne.CanvasObject
	if t.portrait() {
		body = container.NewBorder(top, nil, nil, nil, container.NewVBox(spacer(th), keys))
	} else {
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

// typingView is what the keyboard changes as it is typed on: the value,
// what stands right of it, and the characters to pick. A key changes them
// in place; the keys themselves stay.
type typingView struct {
	th    fyne.Theme
	s     *applyScreen
	fl    *catalog.Field
	rows  int // rows of characters to pick: one above the keys, two beside
	value *canvas.Text
	right *canvas.Text
	tail  *tailFit
	shown *fyne.Container   // the value, its tail in sight
	box   fyne.CanvasObject // the value and what stands right of it
	cands *fyne.Container   // the characters to pick, or the hint
}

// update shows the field's value (or, before anything is typed, what to
// do), right of it how much of the field is used or, while a character
// is being typed, its pinyin so far, and the characters it may stand for.
func (v *typingView) update() {
	th, s := v.th, v.s
	value := s.j.Values()[v.fl.ID]
	v.value.Text, v.value.TextSize, v.value.Color = value, th.Size(fynetheme.SizeNameHeadingText), th.Color(fynetheme.ColorNameForeground, fynetheme.VariantLight)
	if value == "" && s.typed == "" {
		v.value.Text, v.value.TextSize, v.value.Color = T("apply.tap_keys"), th.Size(fynetheme.SizeNameSubHeadingText), th.Color(theme.ColorSecondaryLabel, fynetheme.VariantLight)
	}
	v.tail.full = v.value.Text
	v.right.Text = fmt.Sprintf("%d / %d", utf8.RuneCountInString(value), v.fl.MaxLen)
	v.right.TextSize, v.right.Color, v.right.TextStyle.Bold = th.Size(fynetheme.SizeNameText), th.Color(theme.ColorSecondaryLabel, fynetheme.VariantLight), false
	if s.typed != "" {
		v.right.Text = T("apply.pinyin", map[string]any{"Letters": s.typed})
		v.right.TextSize, v.right.Color, v.right.TextStyle.Bold = th.Size(fynetheme.SizeNameSubHeadingText), th.Color(fynetheme.ColorNameForeground, fynetheme.VariantLight), true
	}
	if !v.fl.ASCIIOnly() {
		v.cands.Objects = []fyne.CanvasObject{s.candidates(th, v.fl, v.rows, v.update)}
	}
	v.box.Refresh() // lays the value and its right out anew
	v.cands.Refresh()
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
// Picking a character or turning the page shows it with changed.
func (s *applyScreen) candidates(th fyne.Theme, fl *catalog.Field, rows int, changed func()) fyne.CanvasObject {
	t := s.kit
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
			keys = append(keys, t.keyShown(th, "key:"+string(r), string(r), func() bool {
				s.typeInto(fl, string(r))
				s.typed, s.page = "", 0
				changed()
				return true
			}))
		}
		for n := len(chars); n < per/rows; n++ {
			keys = append(keys, spacer(th))
		}
		keys = append(keys, turn)
	}
	back := t.pageKey(th, "‹", page > 0, func() { s.page = page - 1; changed() })
	next := t.pageKey(th, "›", page < pages-1, func() { s.page = page + 1; changed() })
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

// pageKey turns a page of candidates, and shows it itself; it does
// nothing at either end.
func (t *kit) pageKey(th fyne.Theme, label string, enabled bool, turn func()) fyne.CanvasObject {
	b := widget.NewButton(label, t.input(turn))
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
