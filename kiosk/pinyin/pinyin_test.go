package pinyin

import (
	"slices"
	"testing"
)

func TestCandidates(t *testing.T) {
	tab := Default()
	for _, tc := range []struct {
		typed string
		first string // the first candidates, in order
		has   string // found somewhere in the list
	}{
		{"zhang", "长张", "章掌帐"},
		{"chang", "", "长常场厂"},
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
