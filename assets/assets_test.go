package assets

import (
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// nameCharacters are characters that appear in residents' names and that
// smaller character sets (GB2312) lack.
const nameCharacters = "镕堃喆昇赟玥珺祎犇淼垚鑫燊彧"

type face struct {
	name string
	font *sfnt.Font
	buf  sfnt.Buffer
}

func loadFaces(t *testing.T) []*face {
	t.Helper()
	var faces []*face
	for name, data := range map[string][]byte{"regular": FontRegular, "bold": FontBold} {
		f, err := sfnt.Parse(data)
		if err != nil {
			t.Fatalf("parse %s font: %v", name, err)
		}
		faces = append(faces, &face{name: name, font: f})
	}
	return faces
}

// missing returns the runes of s that have no glyph in f.
func (f *face) missing(t *testing.T, runes []rune) []rune {
	t.Helper()
	var out []rune
	for _, r := range runes {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			continue
		}
		idx, err := f.font.GlyphIndex(&f.buf, r)
		if err != nil {
			t.Fatalf("%s: glyph index of %U: %v", f.name, r, err)
		}
		if idx == 0 {
			out = append(out, r)
		}
	}
	return out
}

func TestFontCoversTranslations(t *testing.T) {
	var runes []rune
	entries, err := fs.ReadDir(Translations, TranslationsDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 2 {
		t.Fatalf("want at least zh_Hans and en translations, have %d files", len(entries))
	}
	for _, e := range entries {
		data, err := Translations.ReadFile(TranslationsDir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		var messages map[string]string
		if err := json.Unmarshal(data, &messages); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, m := range messages {
			runes = append(runes, []rune(m)...)
		}
	}
	for _, f := range loadFaces(t) {
		if m := f.missing(t, runes); len(m) > 0 {
			t.Errorf("%s font lacks %q used by the translations", f.name, string(m))
		}
	}
}

// The catalog's guides are shown in the embedded font too.
func TestFontCoversCatalog(t *testing.T) {
	var doc any
	if err := json.Unmarshal(Catalog, &doc); err != nil {
		t.Fatalf("catalog/catalog.json: %v", err)
	}
	var runes []rune
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			runes = append(runes, []rune(v)...)
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if len(runes) < 1000 {
		t.Fatalf("only %d characters in the catalog", len(runes))
	}
	for _, f := range loadFaces(t) {
		if m := f.missing(t, runes); len(m) > 0 {
			t.Errorf("%s font lacks %q used by the catalog", f.name, string(m))
		}
	}
}

func TestFontCoversNameCharacters(t *testing.T) {
	for _, f := range loadFaces(t) {
		if m := f.missing(t, []rune(nameCharacters)); len(m) > 0 {
			t.Errorf("%s font lacks name characters %q", f.name, string(m))
		}
	}
}

// gbkRunes decodes every two-byte GBK sequence, so the list is GBK's own,
// leaving out the user-defined areas that map to private use.
func gbkRunes(t *testing.T) []rune {
	t.Helper()
	dec := simplifiedchinese.GBK.NewDecoder()
	var runes []rune
	for lead := 0x81; lead <= 0xFE; lead++ {
		for trail := 0x40; trail <= 0xFE; trail++ {
			if trail == 0x7F {
				continue
			}
			out, err := dec.Bytes([]byte{byte(lead), byte(trail)})
			if err != nil {
				continue
			}
			s := []rune(string(out))
			if len(s) != 1 || s[0] == unicode.ReplacementChar || (s[0] >= 0xE000 && s[0] <= 0xF8FF) {
				continue
			}
			runes = append(runes, s[0])
		}
	}
	return runes
}

// absentFromNotoCJK lists the GBK characters that Noto Sans CJK itself lacks
// in every face, so the subset cannot have them; on the terminal Fyne falls
// back to the system's fonts for them.
const absentFromNotoCJK = "≒"

func TestFontCoversGBK(t *testing.T) {
	var runes []rune
	for _, r := range gbkRunes(t) {
		if !strings.ContainsRune(absentFromNotoCJK, r) {
			runes = append(runes, r)
		}
	}
	if len(runes) < 21000 {
		t.Fatalf("GBK enumeration found only %d characters", len(runes))
	}
	for r := rune(0x20); r < 0x7F; r++ {
		runes = append(runes, r)
	}
	runes = append(runes, []rune("，。、；：？！“”‘’（）《》【】…—·￥０１２３４５６７８９")...)
	for _, f := range loadFaces(t) {
		if m := f.missing(t, runes); len(m) > 0 {
			shown := string(m)
			if len(m) > 40 {
				shown = string(m[:40]) + "…"
			}
			t.Errorf("%s font lacks %d of %d characters: %s", f.name, len(m), len(runes), shown)
		}
	}
}

// The exception list must stay exact: once the font has one of them, it goes.
func TestFontExceptionsAreStillAbsent(t *testing.T) {
	for _, f := range loadFaces(t) {
		if m := f.missing(t, []rune(absentFromNotoCJK)); len(m) != len([]rune(absentFromNotoCJK)) {
			t.Errorf("%s font now has some of %q: shorten absentFromNotoCJK", f.name, absentFromNotoCJK)
		}
	}
}

func TestIconsAreSVG(t *testing.T) {
	for _, name := range []string{"apply", "query", "rate", "complain", "elderly", "staff"} {
		data, err := Icon(name)
		if err != nil {
			t.Errorf("icon %s: %v", name, err)
			continue
		}
		if !strings.Contains(string(data), "<svg") {
			t.Errorf("icon %s is not SVG", name)
		}
	}
}
