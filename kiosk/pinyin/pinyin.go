// Package pinyin turns letters typed on the terminal's on-screen keyboard
// into Chinese characters: the resident types the pinyin of one character
// ("zhang", "lv" for lü) and picks it from the candidates.
//
// The characters offered are those of GB 2312 (6,763 characters, which
// cover almost all names and addresses); the most frequent ones come first,
// then level 1 of GB 2312 in its own order (by pinyin), then level 2. A
// character outside GB 2312 (a rare name character) cannot be typed here:
// the form then offers the staff's help instead. The readings come from
// github.com/mozillazg/go-pinyin, every reading of a character counted, so
// 长 is found by "zhang" and by "chang".
//
// Frequency counts in full only under a character's main reading, the
// first that go-pinyin lists (the most common one). The first FirstPage
// places of a syllable go to the characters whose main reading it is; one
// typed by another of its readings comes after them or, when they fill
// the first page, by frequency from the second on. So "liao" offers 料 and
// 聊 before 了 (le), and "di" 地 and 第 before 的 (de), which heads the
// second page.
package pinyin

import (
	"slices"
	"sort"
	"strings"
	"sync"

	gopinyin "github.com/mozillazg/go-pinyin"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// MaxTyped is the longest pinyin of one character ("zhuang", "shuang").
const MaxTyped = 6

// FirstPage is the most candidates a page shows (kiosk/ui: 10, or 6 for
// the elderly and in portrait): the places kept for characters typed by
// their main reading.
const FirstPage = 10

// Table finds characters by their pinyin.
type Table struct {
	bySyllable map[string][]rune // each list in the order offered
	syllables  []string          // sorted, for prefix search
	rank       map[rune]int      // by frequency, then GB 2312: lower first
	main       map[rune]string   // the most common reading
}

// Default is the table of GB 2312's characters, built on first use
// (about 10 ms).
var Default = sync.OnceValue(build)

func build() *Table {
	rank := map[rune]int{}
	for i, r := range []rune(frequent) {
		if _, ok := rank[r]; !ok {
			rank[r] = i
		}
	}
	next := len(rank)
	args := gopinyin.NewArgs()
	args.Heteronym = true
	hanzi := gb2312()
	t := &Table{bySyllable: map[string][]rune{}, rank: rank, main: make(map[rune]string, len(hanzi))}
	for _, r := range hanzi {
		if _, ok := rank[r]; !ok {
			rank[r] = next
			next++
		}
		pys := gopinyin.SinglePinyin(r, args)
		if len(pys) > 0 {
			t.main[r] = pys[0] // go-pinyin lists the most common reading first
		}
		for _, py := range pys {
			if !slices.Contains(t.bySyllable[py], r) {
				t.bySyllable[py] = append(t.bySyllable[py], r)
			}
		}
	}
	for py, rs := range t.bySyllable {
		sort.SliceStable(rs, func(i, j int) bool { return rank[rs[i]] < rank[rs[j]] })
		mainFirst(rs, func(r rune) bool { return t.main[r] == py })
		t.syllables = append(t.syllables, py)
	}
	sort.Strings(t.syllables)
	return t
}

// mainFirst moves to the front of rs, which is in the order offered, its
// first FirstPage characters for which isMain holds: a frequent character
// typed by a rare reading (了 by "liao") must not take a first-page place
// from the characters this reading is for. The others keep their order
// after them, so a common other reading (长 by "chang") is on the next page
// rather than behind every rarer character of the syllable.
func mainFirst(rs []rune, isMain func(rune) bool) {
	n := 0
	for i := 0; i < len(rs) && n < FirstPage; i++ {
		if r := rs[i]; isMain(r) {
			copy(rs[n+1:i+1], rs[n:i])
			rs[n] = r
			n++
		}
	}
}

// gb2312 lists GB 2312's hanzi in code order: level 1 (rows 16–55,
// ordered by pinyin) then level 2 (rows 56–87, by radical).
func gb2312() []rune {
	dec := simplifiedchinese.GBK.NewDecoder()
	var out []rune
	for hi := 0xB0; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			s, err := dec.String(string([]byte{byte(hi), byte(lo)}))
			if err != nil {
				continue
			}
			r := []rune(s)
			if len(r) == 1 && r[0] >= 0x4E00 && r[0] <= 0x9FFF {
				out = append(out, r[0])
			}
		}
	}
	return out
}

// Candidates returns the characters whose pinyin is typed, and after them
// those whose pinyin begins with it (so "zh" already offers 中 and 张),
// each character once. In both parts the first FirstPage places go to the
// characters whose main reading is typed (begins with it, in the second
// part). typed is lower-case a–z, v standing for ü.
func (t *Table) Candidates(typed string) []rune {
	typed = strings.ToLower(typed)
	if typed == "" || len(typed) > MaxTyped {
		return nil
	}
	out := slices.Clone(t.bySyllable[typed])
	seen := map[rune]bool{}
	for _, r := range out {
		seen[r] = true
	}
	// Then the characters of longer syllables with the typed prefix, in
	// the order offered whatever their syllable, those whose main reading
	// has the prefix first ("ch" offers 常 before 重, zhòng).
	var longer []rune
	i := sort.SearchStrings(t.syllables, typed)
	for ; i < len(t.syllables) && strings.HasPrefix(t.syllables[i], typed); i++ {
		for _, r := range t.bySyllable[t.syllables[i]] {
			if !seen[r] {
				seen[r] = true
				longer = append(longer, r)
			}
		}
	}
	sort.SliceStable(longer, func(i, j int) bool { return t.rank[longer[i]] < t.rank[longer[j]] })
	mainFirst(longer, func(r rune) bool { return strings.HasPrefix(t.main[r], typed) })
	return append(out, longer...)
}

// Valid reports whether typed could begin some character's pinyin, so the
// keyboard can refuse a letter that leads nowhere.
func (t *Table) Valid(typed string) bool {
	typed = strings.ToLower(typed)
	i := sort.SearchStrings(t.syllables, typed)
	return typed != "" && i < len(t.syllables) && strings.HasPrefix(t.syllables[i], typed)
}
