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

func TestPermit2017AndAny(t *testing.T) {
	for _, ok := range []string{"USA370119800101", "CHN110058031512"} {
		if !ValidPermit2017(ok) || !ValidAny(ok) {
			t.Errorf("%s refused", ok)
		}
	}
	for _, bad := range []string{"usa370119800101", "US3701198001012", "USA37011980010", "USA3701198001011", "USA37011980010X", "11010519491231002X"} {
		if ValidPermit2017(bad) {
			t.Errorf("%s accepted as a 2017 permit number", bad)
		}
	}
	if !ValidAny("11010519491231002X") || ValidAny("110105194912310021") {
		t.Error("ValidAny and the 18-character number")
	}
}
