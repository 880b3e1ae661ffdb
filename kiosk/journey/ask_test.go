package journey

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
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

var slipWords = AskSlipText{Title: "咨询投诉凭条", Number: "编号", Date: "日期", TypeLabel: "类型", TypeName: "投诉",
	TopicLabel: "关于", Topic: "窗口服务", ByPhone: "我们会按您留下的电话回复", FollowUp: "可凭编号拨打 12345 查询"}

// slipText is a slip's words, one block a line.
func slipText(r printer.Receipt) string {
	var lines []string
	for _, b := range r.Blocks {
		lines = append(lines, strings.TrimSpace(b.Text+" "+b.Value))
	}
	return strings.Join(lines, "\n")
}

// TestAskSlip: the slip carries the number, date, type and topic, promises
// a call only when a phone was left, and carries neither the phone nor
// the words.
func TestAskSlip(t *testing.T) {
	for _, phone := range []string{"13800138000", ""} {
		r := newRig(t)
		a := NewAsk(r.deps)
		a.Type, a.Topic, a.Text, a.Phone = Complaint, "窗口服务", "希望缩短等候时间", phone
		number, err := a.Submit(context.Background())
		must(t, err)
		if a.CallBack() != (phone != "") {
			t.Errorf("phone %q: CallBack() = %v", phone, a.CallBack())
		}
		slip := a.Slip("示范区政务服务中心", slipWords)
		if err := slip.Validate(); err != nil {
			t.Fatal(err)
		}
		text := slipText(slip)
		for _, want := range []string{"示范区政务服务中心", "咨询投诉凭条", "编号 " + number, "日期 2026-11-27 09:30", "类型 投诉", "关于 窗口服务"} {
			if !strings.Contains(text, want) {
				t.Errorf("phone %q: the slip lacks %q:\n%s", phone, want, text)
			}
		}
		if got := strings.Contains(text, slipWords.ByPhone); got != (phone != "") {
			t.Errorf("phone %q: promises a call back: %v\n%s", phone, got, text)
		}
		if got := strings.Contains(text, slipWords.FollowUp); got != (phone == "") {
			t.Errorf("phone %q: tells how to follow up: %v\n%s", phone, got, text)
		}
		if strings.Contains(text, "希望缩短") || phone != "" && strings.Contains(text, phone) {
			t.Errorf("the slip carries the resident's words or phone:\n%s", text)
		}
		if last := slip.Blocks[len(slip.Blocks)-1]; last.Kind != printer.KindCut {
			t.Errorf("the slip ends with %s, not a cut", last.Kind)
		}
	}
}

// TestAskNotStoredPromisesNothing: a question that was not stored has no
// call back to promise.
func TestAskNotStoredPromisesNothing(t *testing.T) {
	a := NewAsk(Deps{})
	a.Type, a.Topic, a.Text, a.Phone = Consultation, "其他", "?", "13800138000"
	if a.CallBack() {
		t.Fatal("a question not stored promises a call back")
	}
}
