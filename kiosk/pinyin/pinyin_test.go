package pinyin

import (
	"slices"
	"strings"
	"testing"

	gopinyin "github.com/mozillazg/go-pinyin"
)

// The pages kiosk/ui/typing.go shows: 10 candidates, 6 for the elderly and
// in portrait.
const widePage, narrowPage = 10, 6

// readings is go-pinyin's list for r, the most common reading first.
func readings(r rune) []string {
	args := gopinyin.NewArgs()
	args.Heteronym = true
	return gopinyin.SinglePinyin(r, args)
}

func TestCandidates(t *testing.T) {
	tab := Default()
	for _, tc := range []struct {
		typed string
		first string // the first candidates, in order
		has   string // found somewhere in the list
	}{
		{"zhang", "长张", "章掌帐"}, // 长's main reading is zhǎng
		{"chang", "常场", "长厂"},
		{"lv", "", "绿律旅吕"},
		{"nv", "女", "女"},
		{"xing", "行", "性兴星姓"},
		{"sheng", "生", "省"},
		{"hao", "好", "号"},
		{"zh", "这中", "张"},
		{"ZHANG", "长张", "章"},
	} {
		got := tab.Candidates(tc.typed)
		if len(got) < len([]rune(tc.first)) || string(got[:len([]rune(tc.first))]) != tc.first {
			t.Errorf("%q: starts %q, want %q", tc.typed, string(got[:min(len(got), 8)]), tc.first)
		}
		for _, r := range tc.has {
			if !slices.Contains(got, r) {
				t.Errorf("%q: no %c in %q", tc.typed, r, string(got[:min(len(got), 40)]))
			}
		}
	}
}

func TestFirstPageByMainReading(t *testing.T) {
	tab := Default()
	for _, tc := range []struct {
		typed  string
		first  string // the first candidates, in order
		narrow string // on the narrow first page
		wide   string // on the wide first page
		off    string // not on the wide first page
		next   string // beginning the wide second page
	}{
		{typed: "li", narrow: "力里理利", wide: "李", off: "位列"},
		{typed: "wang", narrow: "王往网", wide: "望", off: "方"},
		{typed: "de", first: "的得", narrow: "地"},
		{typed: "di", first: "地第", off: "的提"},
		{typed: "le", first: "了"},
		{typed: "liao", first: "料", off: "了", next: "了"},
		{typed: "dai", first: "代带", off: "大"},
		{typed: "du", first: "度", narrow: "杜独", wide: "读", off: "都土", next: "都土"},
		{typed: "dou", first: "都"},
		{typed: "chang", first: "常场", off: "长", next: "长"}, // 长: zhǎng, then cháng
		{typed: "hu", narrow: "胡湖", off: "和许"},
		{typed: "huo", narrow: "或活火", off: "和化越"},
		{typed: "heng", narrow: "横衡恒"},
		{typed: "fu", narrow: "复府", off: "不还市包"},
		{typed: "wei", narrow: "为位委", off: "有于机立"},
		{typed: "ch", first: "出", off: "种重提"}, // prefixes too
		{typed: "h", narrow: "和会后", off: "行"},
	} {
		got := tab.Candidates(tc.typed)
		page := func(n int) []rune { return got[:min(n, len(got))] }
		if !strings.HasPrefix(string(got), tc.first) {
			t.Errorf("%q: starts %q, want %q", tc.typed, string(page(8)), tc.first)
		}
		for _, r := range tc.narrow {
			if !slices.Contains(page(narrowPage), r) {
				t.Errorf("%q: %c not on the first page %q", tc.typed, r, string(page(narrowPage)))
			}
		}
		for _, r := range tc.wide {
			if !slices.Contains(page(widePage), r) {
				t.Errorf("%q: %c not on the first page %q", tc.typed, r, string(page(widePage)))
			}
		}
		for _, r := range tc.off {
			if slices.Contains(page(widePage), r) {
				t.Errorf("%q: %c on the first page %q", tc.typed, r, string(page(widePage)))
			} else if !slices.Contains(got, r) {
				t.Errorf("%q: no %c", tc.typed, r)
			}
		}
		// A common other reading waits one page, not behind every rare
		// character of the syllable.
		if next := got[min(widePage, len(got)):]; !strings.HasPrefix(string(next), tc.next) {
			t.Errorf("%q: second page %q, want it to begin %q", tc.typed, string(next[:min(len(next), 8)]), tc.next)
		}
	}
}

// TestOtherReadingsOffTheFirstPage checks, for everything that can be
// typed, that a character found by a reading other than its main one is on
// the first page only after every character whose main reading fits, and
// that these come by frequency.
func TestOtherReadingsOffTheFirstPage(t *testing.T) {
	tab := Default()
	typed := map[string]bool{}
	for _, py := range tab.syllables {
		for i := 1; i <= len(py); i++ {
			typed[py[:i]] = true
		}
	}
	for p := range typed {
		got := tab.Candidates(p)
		// The exact part: characters with a reading p; then the longer
		// syllables'. In each, a main reading fits if it is p, or begins
		// with p.
		exact := 0
		for exact < len(got) && slices.Contains(readings(got[exact]), p) {
			exact++
		}
		for _, part := range []struct {
			start, end int
			fits       func(main string) bool
		}{
			{0, exact, func(main string) bool { return main == p }},
			{exact, len(got), func(main string) bool { return strings.HasPrefix(main, p) }},
		} {
			lastMain, prevRank := -1, -1
			for i := part.start; i < part.end; i++ {
				if r := got[i]; part.fits(readings(r)[0]) {
					lastMain = i
					if tab.rank[r] < prevRank {
						t.Errorf("%q: %c after a less frequent character", p, r)
					}
					prevRank = tab.rank[r]
				}
			}
			for i := part.start; i < min(part.end, widePage, lastMain); i++ {
				if r := got[i]; !part.fits(readings(r)[0]) {
					t.Errorf("%q: %c (%s) on the first page before %c (%s)", p, r, readings(r)[0], got[lastMain], readings(got[lastMain])[0])
					break
				}
			}
		}
	}
}

func TestEveryReadingTypable(t *testing.T) {
	tab := Default()
	found := map[string]map[rune]bool{}
	for _, r := range gb2312() {
		for _, py := range readings(r) {
			if found[py] == nil {
				found[py] = map[rune]bool{}
				for _, c := range tab.Candidates(py) {
					found[py][c] = true
				}
			}
			if !found[py][r] {
				t.Errorf("%c is not found by %q", r, py)
			}
		}
	}
}

func TestExactSyllableBeforeLongerOnes(t *testing.T) {
	got := Default().Candidates("zhan")
	exact := Default().bySyllable["zhan"]
	if len(got) <= len(exact) || !slices.Equal(got[:len(exact)], exact) {
		t.Fatalf("zhan: %q", string(got))
	}
	if !slices.Contains(got[len(exact):], '张') {
		t.Fatal("zhan does not go on to zhang's characters")
	}
}

func TestNothingFoundForNonsense(t *testing.T) {
	tab := Default()
	for _, typed := range []string{"", "xyz", "zhuangg", "abcdefg", "ü", "zh1"} {
		if got := tab.Candidates(typed); len(got) > 0 {
			t.Errorf("%q found %q", typed, string(got[:min(len(got), 8)]))
		}
	}
	if tab.Valid("xyz") || tab.Valid("") || !tab.Valid("zhu") || !tab.Valid("q") {
		t.Fatal("Valid")
	}
}

func TestEveryCharacterOnce(t *testing.T) {
	tab := Default()
	for py, rs := range tab.bySyllable {
		seen := map[rune]bool{}
		for _, r := range rs {
			if seen[r] {
				t.Fatalf("%s lists %c twice", py, r)
			}
			seen[r] = true
		}
	}
	if n := len(gb2312()); n != 6763 {
		t.Fatalf("GB 2312 has 6763 hanzi, got %d", n)
	}
}

func BenchmarkBuild(b *testing.B) {
	for b.Loop() {
		build()
	}
}

func BenchmarkCandidates(b *testing.B) {
	tab := Default()
	for b.Loop() {
		tab.Candidates("zh")
	}
}
