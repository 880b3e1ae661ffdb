package idcard

import (
	"errors"
	"testing"
)

func TestSourceChecksWhatItNames(t *testing.T) {
	for _, tc := range []struct {
		s    Source
		ok   bool
		name string
	}{
		{Source{Port: "/dev/yizhan/idcard"}, true, "/dev/yizhan/idcard"},
		{Source{Port: "/dev/ttyUSB0", Baud: 9600}, true, "/dev/ttyUSB0"},
		{Source{USB: "0400:c35a"}, true, "usb:0400:c35a"},
		{Source{Port: "ttyUSB0"}, false, ""},
		{Source{Port: "/dev/ttyUSB0", Baud: 12345}, false, ""},
		{Source{USB: "04:c35a"}, false, ""},
		{Source{Port: "/dev/ttyUSB0", USB: "0400:c35a"}, false, ""},
	} {
		_, err := tc.s.Opener()
		if (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.s, err)
		}
		if tc.ok && tc.s.String() != tc.name {
			t.Errorf("%+v names itself %q", tc.s, tc.s.String())
		}
	}
	if _, err := (Source{}).Opener(); !errors.Is(err, ErrNoSource) {
		t.Errorf("no reader: %v", err)
	}
}
