package ui

import (
	"context"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

func withOutbox(t *testing.T, h *harness) *outbox.Store {
	store := openOutbox(t, t.TempDir(), 0)
	h.term.async = func(f func()) { f() }
	h.term.opt.ApplyDeps = &journey.Deps{Outbox: store, TerminalID: "DEMO-0001", Now: h.clock.Now, Quality: 85}
	h.term.opt.MyApplications = func(id string) ([]journey.Progress, error) { return journey.MyApplications(store, nil, id) }
	return store
}

func kinds(s *outbox.Store) []outbox.Kind {
	var out []outbox.Kind
	s.All(func(r outbox.Record) bool { out = append(out, r.Kind); return true })
	return out
}

func TestCallStaffFromAnyScreenAndBack(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	store := withOutbox(t, h)
	test.Tap(h.term.tiles[screenQuery])
	test.Tap(button(t, h, "呼叫帮办"))
	if !h.showing("已通知大厅工作人员") {
		t.Fatalf("staff call: %q", h.texts())
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
}
