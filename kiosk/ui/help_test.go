package ui

import (
	"context"
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func withOutbox(t testing.TB, h *harness) *outbox.Store {
	store := openOutbox(t, t.TempDir(), 0)
	h.term.offUI = func(f func()) { f() }
	h.term.opt.ApplyDeps = &journey.Deps{Outbox: store, TerminalID: "DEMO-0001", Now: h.clock.Now, Quality: 85}
	h.term.opt.MyApplications = func(id string) ([]journey.Progress, error) { return journey.MyApplications(store, nil, id) }
	return store
}

func kinds(s *outbox.Store) []outbox.Kind {
	var out []outbox.Kind
	s.All(func(r outbox.Record) bool { out = append(out, r.Kind); return true })
	return out
}

// online makes the terminal's link online or offline, and lets it know
// which staff calls the district has acknowledged.
func online(h *harness, store *outbox.Store, on bool) {
	h.term.opt.Link = func() LinkStatus { return LinkStatus{Online: on} }
	h.term.opt.Delivered = func(id string) bool {
		r, err := store.Get(id)
		return err == nil && r.State == outbox.Acknowledged
	}
}

// acknowledgeAll does what the sync does when the district takes the
// records.
func acknowledgeAll(t *testing.T, store *outbox.Store) {
	var ids []string
	store.All(func(r outbox.Record) bool { ids = append(ids, r.ID); return true })
	for _, id := range ids {
		if _, err := store.MarkSending(id); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Acknowledge(id); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCallStaffFromAnyScreenAndBack(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	store := withOutbox(t, h)
	online(h, store, true)
	test.Tap(h.term.home.tiles[screenQuery])
	test.Tap(button(t, h, "呼叫帮办"))
	// Nothing is promised until the district has the call.
	if !h.showing("正在通知工作人员") || h.showing("马上过来") {
		t.Fatalf("staff call on its way: %q", h.texts())
	}
	acknowledgeAll(t, store)
	h.tick(time.Second)
	if !h.showing("已通知大厅工作人员") {
		t.Fatalf("staff call the district took: %q", h.texts())
	}
	test.Tap(button(t, h, "返回刚才的页面"))
	if h.term.sess.Screen() != screenQuery {
		t.Fatalf("back to %s", h.term.sess.Screen())
	}
	test.Tap(h.term.kit.homeBtn)
	test.Tap(h.term.home.tiles[screenStaff])
	if k := kinds(store); len(k) != 2 || k[0] != outbox.StaffCall || k[1] != outbox.StaffCall {
		t.Fatalf("records %v", k)
	}
}

func TestMyApplicationsScreen(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	withCatalog(t, h)
	withOutbox(t, h)
	test.Tap(h.term.home.tiles[screenQuery])
	if !h.showing("请将身份证放在读卡区") {
		t.Fatalf("query: %q", h.texts())
	}
	h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[0]})
	if !h.showing("您在本终端还没有办理过事项。") {
		t.Fatalf("no applications: %q", h.texts())
	}
	checkLayout(t, h, false)
	test.Tap(h.term.kit.homeBtn)
	if h.term.query.read {
		t.Fatal("the list outlived the screen")
	}
}

func TestAskScreen(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	store := withOutbox(t, h)
	test.Tap(h.term.home.tiles[screenComplain])
	test.Tap(button(t, h, "提交"))
	if !h.showing("请选择咨询、投诉或建议") {
		t.Fatalf("empty question went through: %q", h.texts())
	}
	// Each choice stands out once made, and the warning about it goes.
	test.Tap(button(t, h, "投诉"))
	if h.showing("请选择咨询、投诉或建议") {
		t.Fatalf("the warning outlived the choice of type: %q", h.texts())
	}
	chosen(t, h, map[string]bool{"咨询": false, "投诉": true, "建议": false})
	test.Tap(button(t, h, "提交"))
	if !h.showing("请选择事项类别") {
		t.Fatalf("no topic went through: %q", h.texts())
	}
	test.Tap(button(t, h, "窗口服务"))
	if h.showing("请选择事项类别") {
		t.Fatalf("the warning outlived the choice of topic: %q", h.texts())
	}
	chosen(t, h, map[string]bool{"投诉": true, "窗口服务": true, "办事效率": false})
	test.Tap(button(t, h, "提交"))
	if !h.showing("请选择或填写您要说的话") {
		t.Fatalf("no words went through: %q", h.texts())
	}
	test.Tap(button(t, h, "希望缩短等候时间"))
	if h.showing("请选择或填写您要说的话") {
		t.Fatalf("the warning outlived the choice of words: %q", h.texts())
	}
	chosen(t, h, map[string]bool{"希望缩短等候时间": true, "设备出现故障": false})
	// A second tap takes a phrase back.
	test.Tap(button(t, h, "设备出现故障"))
	test.Tap(button(t, h, "设备出现故障"))
	chosen(t, h, map[string]bool{"希望缩短等候时间": true, "设备出现故障": false})
	test.Tap(button(t, h, "提交"))
	if !h.showing("已收到您的意见，编号 DEMO-0001-261127-093000") {
		t.Fatalf("after submitting: %q", h.texts())
	}
	// No phone left: no reply promised, but a way to follow it up; no
	// printer: the number to note.
	if h.showing("按您留下的电话") || !h.showing("可凭编号拨打 12345 查询") || !h.showing("本机不打印凭条，请记下编号") {
		t.Fatalf("after submitting without a phone: %q", h.texts())
	}
	if k := kinds(store); len(k) != 1 || k[0] != outbox.Complaint {
		t.Fatalf("records %v", k)
	}
	checkLayout(t, h, false)
}

// chosen checks which of the buttons stand out as chosen.
func chosen(t *testing.T, h *harness, want map[string]bool) {
	t.Helper()
	for label, on := range want {
		if got := button(t, h, label).Importance == widget.HighImportance; got != on {
			t.Errorf("%q shown as chosen: %v, want %v", label, got, on)
		}
	}
}

// slips is a printer that keeps what it was given.
type slips struct {
	got []printer.Receipt
	err error
}

func (s *slips) print(r printer.Receipt) (image.Image, error) {
	s.got = append(s.got, r)
	return nil, s.err
}

func (s *slips) last(t *testing.T) string {
	t.Helper()
	if len(s.got) == 0 {
		t.Fatal("nothing printed")
	}
	var lines []string
	for _, b := range s.got[len(s.got)-1].Blocks {
		lines = append(lines, strings.TrimSpace(b.Text+" "+b.Value))
	}
	return strings.Join(lines, "\n")
}

// TestAskWithPhonePrintsASlip: a question with a phone left is stored off
// Fyne's goroutine, promises a reply, and prints a slip with its number
// (and not the phone); a slip that did not print can be printed again.
func TestAskWithPhonePrintsASlip(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	store := withOutbox(t, h)
	printed := &slips{err: printer.ErrPaperOut}
	h.term.opt.PrintReceipt = printed.print
	var later []func()
	h.term.offUI = func(f func()) { later = append(later, f) }
	runLater := func() {
		for len(later) > 0 {
			f := later[0]
			later = later[1:]
			f()
		}
	}
	test.Tap(h.term.home.tiles[screenComplain])
	test.Tap(button(t, h, "咨询"))
	test.Tap(button(t, h, "办事效率"))
	test.Tap(button(t, h, "办事指南不够清楚"))
	test.Tap(button(t, h, "留个电话便于回访（可不填）"))
	for _, k := range strings.Split("13800138000", "") {
		test.Tap(button(t, h, k))
	}
	test.Tap(button(t, h, "提交"))
	// The outbox is written off Fyne's goroutine, once however often the
	// resident taps.
	if k := kinds(store); len(k) != 0 {
		t.Fatalf("the question was stored on Fyne's goroutine: %v", k)
	}
	if !button(t, h, "提交").Disabled() {
		t.Fatal("submit stays enabled while the question is stored")
	}
	test.Tap(button(t, h, "提交"))
	runLater()
	if k := kinds(store); len(k) != 1 || k[0] != outbox.Complaint {
		t.Fatalf("records %v", k)
	}
	if !h.showing("已收到您的意见") || !h.showing("按您留下的电话回复") || h.showing("可凭编号拨打") {
		t.Fatalf("after submitting with a phone: %q", h.texts())
	}
	if !h.showing("打印机缺纸，凭条未能打印") {
		t.Fatalf("paper out: %q", h.texts())
	}
	printed.err = nil
	test.Tap(button(t, h, "重新打印"))
	if !h.showing("正在打印凭条") {
		t.Fatalf("printing again: %q", h.texts())
	}
	runLater()
	if !h.showing("凭条已打印，请从出纸口取走") || len(printed.got) != 2 {
		t.Fatalf("printed %d slips: %q", len(printed.got), h.texts())
	}
	slip := printed.last(t)
	for _, want := range []string{"示范区政务服务中心", "咨询投诉凭条", "编号 DEMO-0001-261127-093000", "日期 2026-11-27 09:30", "类型 咨询", "关于 办事效率", "按您留下的电话回复"} {
		if !strings.Contains(slip, want) {
			t.Errorf("the slip lacks %q:\n%s", want, slip)
		}
	}
	if strings.Contains(slip, "13800138000") || strings.Contains(slip, "可凭编号") {
		t.Errorf("the slip:\n%s", slip)
	}
	checkLayout(t, h, false)
}

// TestAskSlipWithoutPhone: without a phone the slip says how to follow the
// question up, on the district's hotline.
func TestAskSlipWithoutPhone(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withOutbox(t, h)
	h.term.opt.District = protocol.TerminalConfig{Version: 1, Hotline: "0371-12345"}
	printed := &slips{}
	h.term.opt.PrintReceipt = printed.print
	test.Tap(h.term.home.tiles[screenComplain])
	test.Tap(button(t, h, "建议"))
	test.Tap(button(t, h, "自助终端"))
	test.Tap(button(t, h, "希望增加自助办理事项"))
	test.Tap(button(t, h, "提交"))
	if !h.showing("可凭编号拨打 0371-12345 查询") || h.showing("按您留下的电话") || !h.showing("凭条已打印") {
		t.Fatalf("after submitting: %q", h.texts())
	}
	slip := printed.last(t)
	if !strings.Contains(slip, "可凭编号拨打 0371-12345 查询") || strings.Contains(slip, "按您留下的电话") || !strings.Contains(slip, "类型 建议") {
		t.Errorf("the slip:\n%s", slip)
	}
}

// TestAskChoicesSurviveTheLanguage: what was chosen stays chosen when the
// resident switches language, and is stored in the language shown.
func TestAskChoicesSurviveTheLanguage(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withOutbox(t, h)
	test.Tap(h.term.home.tiles[screenComplain])
	test.Tap(button(t, h, "投诉"))
	test.Tap(button(t, h, "窗口服务"))
	test.Tap(button(t, h, "工作人员态度需改进"))
	h.term.switchLanguage()
	t.Cleanup(func() { UseLanguage("zh") })
	chosen(t, h, map[string]bool{"Complain": true, "Counter service": true, "Staff attitude should improve": true, "Speed": false})
	test.Tap(button(t, h, "Submit"))
	if a := h.term.ask.a; a.Topic != "Counter service" {
		t.Fatalf("stored topic %q", a.Topic)
	}
}

func TestRateAPastApplication(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	store := withOutbox(t, h)
	card := idcard.SampleCards()[0]
	pastApplication(t, store, card)
	test.Tap(h.term.home.tiles[screenRate])
	h.term.CardRead(idcard.Event{Card: card})
	if !h.showing("养老金领取资格认证") {
		t.Fatalf("list: %q", h.texts())
	}
	test.Tap(button(t, h, "评价这次服务"))
	test.Tap(button(t, h, "非常不满意"))
	test.Tap(button(t, h, "服务态度不好"))
	test.Tap(button(t, h, "不用回访"))
	if h.term.sess.Screen() != "home" || !h.showing("感谢您的评价") {
		t.Fatalf("after rating: %q", h.texts())
	}
	if k := kinds(store); len(k) != 2 || k[1] != outbox.Rating {
		t.Fatalf("records %v", k)
	}

	// Once rated, the list says so and offers no second rating.
	test.Tap(h.term.home.tiles[screenRate])
	h.term.CardRead(idcard.Event{Card: card})
	if !h.showing("已评价") || len(buttonsLabelled(h, "评价这次服务")) != 0 {
		t.Fatalf("a rated application offered again: %q", h.texts())
	}
}

// TestRatingHasAWayBack: a wrong tap on 不满意 or on a reason can be taken
// back, and the rating names the service.
func TestRatingHasAWayBack(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	store := withOutbox(t, h)
	card := idcard.SampleCards()[0]
	pastApplication(t, store, card)
	test.Tap(h.term.home.tiles[screenRate])
	h.term.CardRead(idcard.Event{Card: card})
	test.Tap(button(t, h, "评价这次服务"))
	if !h.showing("养老金领取资格认证") {
		t.Fatalf("the rating does not name the service: %q", h.texts())
	}
	test.Tap(button(t, h, "不满意"))
	test.Tap(button(t, h, "上一步"))
	test.Tap(button(t, h, "非常不满意"))
	test.Tap(button(t, h, "等候时间长"))
	test.Tap(button(t, h, "上一步"))
	if !h.showing("请告诉我们哪里做得不好") {
		t.Fatalf("back from the call back: %q", h.texts())
	}
	test.Tap(button(t, h, "上一步"))
	test.Tap(button(t, h, "满意"))
	if k := kinds(store); len(k) != 2 || k[1] != outbox.Rating {
		t.Fatalf("records %v", k)
	}
}

// TestMyApplicationsFollowsStatuses: a status the district sends while
// the list is shown appears on it; opening the list asks the district at
// once; the list says whose it is.
func TestMyApplicationsFollowsStatuses(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	store := withOutbox(t, h)
	kicks := 0
	h.term.opt.ApplyDeps.Kick = func() { kicks++ }
	card := idcard.SampleCards()[0]
	rec := pastApplication(t, store, card)
	st := statusBook{}
	h.term.opt.MyApplications = func(id string) ([]journey.Progress, error) { return journey.MyApplications(store, st, id) }
	test.Tap(h.term.home.tiles[screenQuery])
	h.term.CardRead(idcard.Event{Card: card})
	if kicks != 1 {
		t.Fatalf("opening the list asked the district %d times, want 1", kicks)
	}
	if !h.showing(journey.MaskName(card.Name)) || h.showing(card.Name) {
		t.Fatalf("whose list: %q", h.texts())
	}
	if !h.showing("已保存，联网后自动发送") {
		t.Fatalf("list: %q", h.texts())
	}
	st[rec.ID] = protocol.Status{ID: rec.ID, State: "done", Message: "已办结", At: h.clock.Now()}
	h.tick(queryRefresh)
	if !h.showing("已办结") {
		t.Fatalf("a status that came while the list was shown: %q", h.texts())
	}
}

// statusBook is the district's statuses as the sync keeps them.
type statusBook map[string]protocol.Status

func (b statusBook) RecordStatus(id string) (protocol.Status, bool, error) {
	s, ok := b[id]
	return s, ok, nil
}

// TestCallStaffTellsTheTruth: offline, unanswered or out of hours, the
// resident is told nobody is coming and given the hotline (the district's,
// or 12345), never "staff are on their way".
func TestCallStaffTellsTheTruth(t *testing.T) {
	t.Run("offline", func(t *testing.T) {
		h := newHarness(t, landscape, "zh")
		store := withOutbox(t, h)
		online(h, store, false)
		test.Tap(h.term.home.tiles[screenStaff])
		if !h.showing("请拨打政务服务热线 12345") || h.showing("马上过来") {
			t.Fatalf("offline: %q", h.texts())
		}
		if k := kinds(store); len(k) != 1 || k[0] != outbox.StaffCall {
			t.Fatalf("the call was not kept for later: %v", k)
		}
	})
	t.Run("unanswered", func(t *testing.T) {
		h := newHarness(t, landscape, "zh")
		store := withOutbox(t, h)
		online(h, store, true)
		test.Tap(h.term.home.tiles[screenStaff])
		h.tick(journey.StaffCallPatience - time.Second)
		if !h.showing("正在通知工作人员") {
			t.Fatalf("before the call's patience ran out: %q", h.texts())
		}
		h.tick(time.Second)
		if !h.showing("暂时未能联系到工作人员") || !h.showing("12345") {
			t.Fatalf("unanswered: %q", h.texts())
		}
	})
	t.Run("out of hours", func(t *testing.T) {
		h := newHarness(t, landscape, "zh")
		store := withOutbox(t, h)
		online(h, store, true)
		h.term.opt.District = protocol.TerminalConfig{Version: 1, ServiceHours: "13:00-17:00", Hotline: "0371-12345"}
		test.Tap(h.term.home.tiles[screenStaff])
		acknowledgeAll(t, store)
		h.tick(time.Second)
		if !h.showing("在岗时间 13:00-17:00") || !h.showing("0371-12345") || h.showing("马上过来") {
			t.Fatalf("out of hours: %q", h.texts())
		}
	})
}

// TestAskScreenFits: the question, with the phone keypad open, and its
// confirmation fit the panels in both languages and modes, submit and
// 呼叫帮办 in sight.
func TestAskScreenFits(t *testing.T) {
	layoutOnly(t)
	for _, size := range []fyne.Size{landscape, portrait, fyne.NewSize(1280, 720)} {
		for _, lang := range []string{"zh", "en"} {
			for _, elderly := range []bool{false, true} {
				t.Run(fmt.Sprintf("%vx%v/%s/elderly=%v", size.Width, size.Height, lang, elderly), func(t *testing.T) {
					h := newHarness(t, size, lang)
					withOutbox(t, h)
					h.term.opt.PrintReceipt = (&slips{err: printer.ErrPaperOut}).print
					if elderly {
						test.Tap(h.term.home.tiles[""])
					}
					test.Tap(h.term.home.tiles[screenComplain])
					test.Tap(button(t, h, T("ask.submit")))
					test.Tap(button(t, h, T("ask.phone_optional")))
					fits := func(step string) {
						t.Helper()
						h.win.Resize(size)
						if got := h.win.Canvas().Size(); got != size {
							t.Fatalf("%s needs %v, more than the %v it has", step, got, size)
						}
						checkLayout(t, h, elderly)
					}
					fits("the question")
					test.Tap(button(t, h, T("ask.type.consultation")))
					test.Tap(button(t, h, T("ask.topic.other")))
					test.Tap(button(t, h, T("ask.phrase.device_broken")))
					test.Tap(button(t, h, T("ask.submit")))
					fits("the confirmation")
					button(t, h, T("apply.print_again"))
				})
			}
		}
	}
}

// pastApplication queues an application of 养老金领取资格认证 (SB-001) made
// earlier with card.
func pastApplication(t *testing.T, store *outbox.Store, card idcard.Card) outbox.Record {
	t.Helper()
	rec, err := store.Submit(context.Background(), outbox.Submission{Kind: outbox.Application,
		Public: outbox.Public{Service: "SB-001", Receipt: "DEMO-0001-261120-100000"}, Personal: []byte("{}"), IDNumber: card.IDNumber})
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
