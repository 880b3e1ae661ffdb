package theme

import (
	"crypto/sha256"
	"image/color"
	"math"
	"os"
	"testing"
	"unsafe"

	"fyne.io/fyne/v2"
	fynetheme "fyne.io/fyne/v2/theme"

	"github.com/yizhan-kiosk/yizhan/assets"
)

func TestContrastFormula(t *testing.T) {
	for _, tc := range []struct {
		a, b color.Color
		want float64
	}{
		{color.White, color.Black, 21},
		{color.White, color.White, 1},
		{rgb(0x777777), color.White, 4.48}, // the well-known "just fails" grey
		{rgb(0x0000FF), color.White, 8.59},
	} {
		if got := Contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("Contrast(%v, %v) = %.2f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestEveryTextPairHasContrast(t *testing.T) {
	for _, mode := range []Mode{Standard, Elderly} {
		th := New(mode)
		for _, p := range TextPairs {
			fg, bg := th.Color(p.Text, fynetheme.VariantLight), th.Color(p.Background, fynetheme.VariantLight)
			if _, ok := palette[p.Text]; !ok {
				t.Errorf("text colour %s is not in the palette", p.Text)
			}
			if _, ok := palette[p.Background]; !ok {
				t.Errorf("background %s is not in the palette", p.Background)
			}
			if r := Contrast(fg, bg); r < 4.5 {
				t.Errorf("mode %d: %s on %s has contrast %.2f, want ≥ 4.5", mode, p.Text, p.Background, r)
			}
		}
	}
}

func TestThemeIgnoresDarkVariant(t *testing.T) {
	th := New(Standard)
	for n := range palette {
		if th.Color(n, fynetheme.VariantDark) != th.Color(n, fynetheme.VariantLight) {
			t.Errorf("%s changes with the system's dark mode", n)
		}
	}
}

func TestElderlySizes(t *testing.T) {
	el, std := New(Elderly), New(Standard)
	for _, n := range []fyne.ThemeSizeName{fynetheme.SizeNameHeadingText, fynetheme.SizeNameSubHeadingText, SizeTitle, SizeTileTitle} {
		if s := el.Size(n); s < 30 {
			t.Errorf("elderly main text %s = %v dp, want ≥ 30", n, s)
		}
	}
	for _, n := range []fyne.ThemeSizeName{fynetheme.SizeNameText, fynetheme.SizeNameCaptionText, SizeTileHint, SizeStatusText} {
		if s := el.Size(n); s < 18 {
			t.Errorf("elderly body text %s = %v dp, want ≥ 18", n, s)
		}
	}
	if s := el.Size(SizeTarget); s < 60 {
		t.Errorf("elderly touch target = %v dp, want ≥ 60", s)
	}
	for n, s := range standardSizes {
		if e := el.Size(n); e < s {
			t.Errorf("elderly %s = %v is smaller than standard %v", n, e, s)
		}
	}
	if len(standardSizes) != len(elderlySizes) {
		t.Errorf("standard has %d sizes, elderly %d: each must set the same names", len(standardSizes), len(elderlySizes))
	}
	if std.Size(SizeTarget) < 48 {
		t.Errorf("standard touch target = %v dp, want ≥ 48", std.Size(SizeTarget))
	}
}

func TestFontIsTheEmbeddedFace(t *testing.T) {
	th := New(Standard)
	if th.Font(fyne.TextStyle{}).Name() != "NotoSansSC-Subset-Regular.otf" {
		t.Errorf("regular font = %s", th.Font(fyne.TextStyle{}).Name())
	}
	if th.Font(fyne.TextStyle{Bold: true}).Name() != "NotoSansSC-Subset-Bold.otf" {
		t.Errorf("bold font = %s", th.Font(fyne.TextStyle{Bold: true}).Name())
	}
}

// TestReleaseFontPages: the fonts' pages can be released and read back
// whole (a new theme scope parses them again).
func TestReleaseFontPages(t *testing.T) {
	before := sha256.Sum256(assets.FontRegular)
	if err := ReleaseFontPages(); err != nil {
		t.Fatal(err)
	}
	if after := sha256.Sum256(assets.FontRegular); after != before {
		t.Fatal("the font's bytes changed once released")
	}
	b := make([]byte, 3*os.Getpagesize())
	inner := pageAligned(b[5:])
	if len(inner) != os.Getpagesize() && len(inner) != 2*os.Getpagesize() || uintptr(unsafe.Pointer(&inner[0]))%uintptr(os.Getpagesize()) != 0 {
		t.Fatalf("%d bytes, not whole pages", len(inner))
	}
}
