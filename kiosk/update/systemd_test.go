package update

import (
	"testing"
	"time"
)

func TestParseShow(t *testing.T) {
	u := parseShow("ActiveState=active\nSubState=running\nResult=success\nInactiveExitTimestamp=@1765000000\nActiveEnterTimestamp=@1765000004\nInvocationID=ab12\n")
	if u.Active != "active" || u.Sub != "running" || u.Result != "success" || u.Invocation != "ab12" ||
		!u.Started.Equal(time.Unix(1765000000, 0)) || !u.Ready.Equal(time.Unix(1765000004, 0)) {
		t.Errorf("%+v", u)
	}
	// Never started: empty timestamps stay zero, and nothing is after them.
	u = parseShow("ActiveState=inactive\nActiveEnterTimestamp=\nInactiveExitTimestamp=n/a\n")
	if !u.Started.IsZero() || !u.Ready.IsZero() || after(u.Ready, time.Unix(0, 0)) {
		t.Errorf("%+v", u)
	}
	if !after(time.Unix(100, 0), time.Unix(100, 900e6)) || after(time.Unix(99, 0), time.Unix(100, 0)) {
		t.Error("after compares whole seconds")
	}
}

func FuzzParseShow(f *testing.F) {
	f.Add("ActiveState=active\nActiveEnterTimestamp=@1765000004\n")
	f.Add("=\n@\nInactiveExitTimestamp=@-5\nActiveEnterTimestamp=@99999999999999999999")
	f.Fuzz(func(t *testing.T, s string) {
		u := parseShow(s)
		if !u.Ready.IsZero() && u.Ready.Unix() <= 0 {
			t.Fatalf("a timestamp at or before 1970: %v", u.Ready)
		}
	})
}
