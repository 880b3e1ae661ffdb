package journey

import (
	"testing"
	"time"
)

func TestReplyToStaffCall(t *testing.T) {
	for _, c := range []struct {
		name                       string
		delivered, online, staffed bool
		waited                     time.Duration
		want                       StaffReply
	}{
		{"on its way", false, true, true, time.Second, StaffCalling},
		{"the district has it, staffed", true, true, true, time.Second, StaffComing},
		{"delivered, then the link dropped", true, false, true, time.Second, StaffComing},
		{"offline", false, false, true, 0, StaffHotline},
		{"unanswered too long", false, true, true, StaffCallPatience, StaffHotline},
		{"out of hours, delivered", true, true, false, time.Second, StaffHotline},
		{"out of hours, offline", false, false, false, 0, StaffHotline},
	} {
		if got := ReplyToStaffCall(c.delivered, c.online, c.staffed, c.waited); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}
