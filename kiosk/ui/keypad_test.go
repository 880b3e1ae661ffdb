package ui

import "testing"

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
