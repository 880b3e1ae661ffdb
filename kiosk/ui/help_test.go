package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func withOutbox(t *testing.T, h *harness) *outbox.Store {
	store := openOutbox(t, t.TempDir(), 0)
	h.term.async = func(f func()) { f() }
	h.term.do = func(f func()) { f() }
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
	h.term.opt.StaffCallDelivered = func(id string) bool {
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
	test.Tap(h.term.tiles[screenQuery])
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
	test.Tap(h.term.homeBtn)
	test.Tap(h.term.tiles[screenStaff])
	if k := kinds(store); len(k) != 2 || k[0] != outbox.StaffCall || k[1] != outbox.StaffCall {
		t.Fatalf("records %v", k)
	}
}

func TestMyApplicationsScreen(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	withCatalog(t, h)
	withOutbox(t, h)
	test.Tap(h.term.tiles[screenQuery])
	if !h.showing("请将身份证放在读卡区") {
		t.Fatalf("query: %q", h.texts())
	}
	h.term.CardRead(idcard.Event{Card: idcard.SampleCards()[0]})
	if !h.showing("您在本终端还没有办理过事项。") {
		t.Fatalf("no applications: %q", h.texts())
	}
	checkLayout(t, h, false)
	test.Tap(h.term.homeBtn)
	if h.term.query.read {
		t.Fatal("the list outlived the screen")
	}
}

func TestAskScreen(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	store := withOutbox(t, h)
	test.Tap(h.term.tiles[screenComplain])
	test.Tap(button(t, h, "提交"))
	if !h.showing("请选择咨询、投诉或建议") {
		t.Fatalf("empty question went through: %q", h.texts())
	}
	test.Tap(button(t, h, "投诉"))
	test.Tap(button(t, h, "窗口服务"))
	test.Tap(button(t, h, "希望缩短等候时间"))
	test.Tap(button(t, h, "提交"))
	if !h.showing("已收到您的意见，编号 DEMO-0001-261127-093000") {
		t.Fatalf("after submitting: %q", h.texts())
	}
	if k := kinds(store); len(k) != 1 || k[0] != outbox.Complaint {
		t.Fatalf("records %v", k)
	}
	checkLayout(t, h, false)
}

func TestRateAPastApplication(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	store := withOutbox(t, h)
	card := idcard.SampleCards()[0]
	if _, err := store.Submit(context.Background(), outbox.Submission{Kind: outbox.Application,
		Public: outbox.Public{Service: "SB-001", Receipt: "DEMO-0001-261120-100000"}, Personal: []byte("{}"), IDNumber: card.IDNumber}); err != nil {
		t.Fatal(err)
	}
	test.Tap(h.term.tiles[screenRate])
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
	test.Tap(h.term.tiles[screenRate])
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
	if _, err := store.Submit(context.Background(), outbox.Submission{Kind: outbox.Application,
		Public: outbox.Public{Service: "SB-001", Receipt: "DEMO-0001-261120-100000"}, Personal: []byte("{}"), IDNumber: card.IDNumber}); err != nil {
		t.Fatal(err)
	}
	test.Tap(h.term.tiles[screenRate])
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
	rec, err := store.Submit(context.Background(), outbox.Submission{Kind: outbox.Application,
		Public: outbox.Public{Service: "SB-001", Receipt: "DEMO-0001-261120-100000"}, Personal: []byte("{}"), IDNumber: card.IDNumber})
	if err != nil {
		t.Fatal(err)
	}
	st := statusBook{}
	h.term.opt.MyApplications = func(id string) ([]journey.Progress, error) { return journey.MyApplications(store, st, id) }
	test.Tap(h.term.tiles[screenQuery])
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
		test.Tap(h.term.tiles[screenStaff])
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
		test.Tap(h.term.tiles[screenStaff])
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
		test.Tap(h.term.tiles[screenStaff])
		acknowledgeAll(t, store)
		h.tick(time.Second)
		if !h.showing("在岗时间 13:00-17:00") || !h.showing("0371-12345") || h.showing("马上过来") {
			t.Fatalf("out of hours: %q", h.texts())
		}
	})
}
