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
// a way to hand the field to the staff instead.
func (s *applyScreen) typingStep(th fyne.Theme, fl *catalog.Field) fyne.CanvasObject {
	t := s.term
	j := s.j
	lang := t.sess.Lang()
	value := j.Values()[fl.ID]
	shown := value
	if shown == "" {
		shown = T("apply.tap_keys")
	}
	count := fmt.Sprintf("%d / %d", utf8.RuneCountInString(value), fl.MaxLen)
	top := container.NewVBox(
		text(th, fl.Label.In(lang), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true),
		valueBox(th, container.NewBorder(nil, nil, nil,
			text(th, count, fynetheme.SizeNameText, theme.ColorSecondaryLabel, false),
			text(th, shown, fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, false))))
	if !fl.ASCIIOnly() {
		top.Add(s.candidates(th, fl))
	}
	keys := t.keypad(th, keypad{keys: keyboardKeys, cols: 10, press: func(k string) { s.typingKey(fl, k) },
		label: func(k string) string {
			if k == keyClear {
				return T("services.clear")
			}
			return k
		}})
	done := func() { s.editing, s.typed, s.page = "", "", 0 }
	return t.framed(th, container.NewBorder(top, nil, nil, nil, container.NewVBox(spacer(th), keys)),
		t.button(th, T("apply.by_staff_button"), false, func() {
			j.LeaveToStaff(fl.ID)
			done()
			t.rebuild()
		}),
		t.button(th, T("apply.done_typing"), true, func() { done(); t.rebuild() }))
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

// candidates is the pinyin typed so far and a page of its characters.
func (s *applyScreen) candidates(th fyne.Theme, fl *catalog.Field) fyne.CanvasObject {
	t := s.term
	typed := s.typed
	if typed == "" {
		// The hint takes the row the candidates will: the keys below must
		// not move when the first letter brings the candidates up.
		row := canvas.NewRectangle(color.Transparent)
		row.SetMinSize(fyne.NewSize(0, th.Size(theme.SizeTarget)))
		hint := text(th, T("apply.pinyin_hint"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, false)
		return container.NewStack(row, container.NewCenter(container.NewHBox(hint, layout.NewSpacer())))
	}
	per := pinyin.FirstPage
	if t.sess.Elderly() || t.portrait() {
		per = 6
	}
	all := pinyin.Default().Candidates(typed)
	pages := max(1, (len(all)+per-1)/per)
	page := min(s.page, pages-1)
	keys := []fyne.CanvasObject{t.pageKey(th, "‹", page > 0, func() { s.page = page - 1 })}
	for _, r := range all[page*per : min(len(all), (page+1)*per)] {
		keys = append(keys, t.key(th, string(r), func() {
			s.typeInto(fl, string(r))
			s.typed, s.page = "", 0
		}))
	}
	for len(keys) <= per {
		keys = append(keys, spacer(th))
	}
	keys = append(keys, t.pageKey(th, "›", page < pages-1, func() { s.page = page + 1 }))
	// What was typed, to the left of its characters, on the one row.
	return container.NewBorder(nil, nil,
		container.NewCenter(text(th, T("apply.pinyin", map[string]any{"Letters": typed}), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true)),
		nil, container.NewGridWithColumns(len(keys), keys...))
}

// pageKey turns a page of candidates; it does nothing at either end.
func (t *Terminal) pageKey(th fyne.Theme, label string, enabled bool, turn func()) fyne.CanvasObject {
	b := widget.NewButton(label, t.input(func() {
		turn()
		t.rebuild()
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
