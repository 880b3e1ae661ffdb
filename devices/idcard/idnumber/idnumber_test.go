package idnumber

import "testing"

func TestValid(t *testing.T) {
	for _, ok := range []string{"11010519491231002X", "11010519491231002x", "440524188001010014"} {
		if !Valid(ok) {
			t.Errorf("%s refused", ok)
		}
	}
	for _, bad := range []string{"110105194912310021", "11010519491331002X", "1101051949123100", "11010519491231002Y", "A10105194912310021"} {
		if Valid(bad) {
			t.Errorf("%s accepted", bad)
		}
	}
	if CheckChar("1101051949123100") != 0 || CheckChar("11010519491231002") != 'X' {
		t.Error("CheckChar")
	}
}
