package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

func TestTypeKey(t *testing.T) {
	for _, c := range []struct {
		s, k string
		max  int
		want string
	}{
		{"138", "0", 11, "1380"},
		{"13800138000", "1", 11, "13800138000"}, // full: refused
		{"北京", keyBackspace, 0, "北"},            // a whole character off, not a byte
		{"", keyBackspace, 0, ""},
		{"ab", "c", 0, "abc"},
		{"北", "京", 1, "北"},
	} {
		if got := typeKey(c.s, c.k, c.max); got != c.want {
			t.Errorf("typeKey(%q, %q, %d) = %q, want %q", c.s, c.k, c.max, got, c.want)
		}
	}
}

// TestDigitsTypeInPlace: an 11-digit phone number on the form is 11 taps
// on keys that stay where they are; the field shows each digit as it
// comes, the form keeps its scroll position and is not made anew.
func TestDigitsTypeInPlace(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	withCatalog(t, h)
	withOutbox(t, h)
	startAt(t, h, "SB-001")
	test.Tap(button(t, h, "企业职工基本养老保险"))
	test.Tap(buttonsLabelled(h, "点此输入")[0]) // the phone
	content, one, offsets := h.term.body.Content, button(t, h, "1"), scrollOffsets(h.term.body, nil)
	for _, k := range strings.Split("13800138000", "") {
		test.Tap(button(t, h, k))
	}
	if h.term.body.Content != content || button(t, h, "1") != one {
		t.Fatal("a digit made the form anew")
	}
	if got := scrollOffsets(h.term.body, nil); !slices.Equal(got, offsets) {
		t.Fatalf("the form scrolled from %v to %v", offsets, got)
	}
	if got := h.term.apply.j.Values()["phone"]; got != "13800138000" || len(buttonsLabelled(h, got)) != 1 {
		t.Fatalf("typed %q; showing %q", got, h.texts())
	}
	test.Tap(button(t, h, "⌫"))
	if len(buttonsLabelled(h, "1380013800")) != 1 {
		t.Fatalf("⌫ not shown: %q", h.texts())
	}
}

func TestDateShape(t *testing.T) {
	for digits, want := range map[string]string{
		"": "", "2": "2", "2027": "2027", "20270": "2027-0", "202701": "2027-01",
		"2027011": "2027-01-1", "20270115": "2027-01-15",
	} {
		if got := dateShape(digits); got != want {
			t.Errorf("dateShape(%q) = %q, want %q", digits, got, want)
		}
	}
}

// TestDateTypedAsDigits: a date is its eight digits — the keypad has no
// dash, the dashes come by themselves, and the empty field says what to
// type while the keypad is open.
func TestDateTypedAsDigits(t *testing.T) {
	h := newHarness(t, portrait, "en")
	withCatalog(t, h)
	withOutbox(t, h)
	startAt(t, h, "HJ-004")
	test.Tap(buttonsLabelled(h, "Tap to enter")[1]) // the date of birth
	if len(buttonsLabelled(h, "Year, month and day as digits, e.g. 20270115")) != 1 || len(buttonsLabelled(h, "-")) != 0 {
		t.Fatalf("date keypad: %q", h.texts())
	}
	for _, k := range strings.Split("202611019", "") { // a ninth digit is refused
		test.Tap(button(t, h, k))
	}
	if got := h.term.apply.j.Values()["baby_birth"]; got != "2026-11-01" || len(buttonsLabelled(h, got)) != 1 {
		t.Fatalf("typed %q; showing %q", got, h.texts())
	}
	test.Tap(button(t, h, "⌫"))
	test.Tap(button(t, h, "⌫"))
	if got := h.term.apply.j.Values()["baby_birth"]; got != "2026-11" {
		t.Fatalf("after two ⌫: %q", got)
	}
}
