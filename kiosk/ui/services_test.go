package ui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func withCatalog(t *testing.T, h *harness) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	h.term.opt.Catalog = c
	h.term.opt.ApplyDeps = &journey.Deps{}
}

func TestServiceListSearchAndGuide(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	test.Tap(h.term.tiles[screenApply])
	if !h.showing("请选择要办理的事项") || !h.showing("养老金领取资格认证") {
		t.Fatalf("service list: %q", h.texts())
	}
	test.AssertRendersToImage(t, "services_zh_landscape.png", h.win.Canvas())
	// Paging with buttons.
	test.Tap(button(t, h, "下一页"))
	if !h.showing("第 2 / 3 页") {
		t.Fatalf("page 2: %q", h.texts())
	}
	// The pinyin keypad: Y L J finds 养老金… first.
	test.Tap(button(t, h, "拼音查找"))
	for _, k := range []string{"Y", "L", "J"} {
		test.Tap(button(t, h, k))
	}
	if !h.showing("已输入：YLJ") || !h.showing("第 1 / 1 页") {
		t.Fatalf("after YLJ: %q", h.texts())
	}
	test.Tap(button(t, h, "养老金领取资格认证 · 即办"))
	if h.term.sess.Screen() != screenGuide || !h.showing("办理条件") || !h.showing("所需材料") || !h.showing("开始办理") {
		t.Fatalf("guide: %q", h.texts())
	}
	test.Tap(button(t, h, "返回列表"))
	if h.term.sess.Screen() != screenApply {
		t.Fatal("back did not return to the list")
	}
}

func TestElderlyListShowsElderlyFirst(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	withCatalog(t, h)
	test.Tap(h.term.tiles[""])
	test.Tap(h.term.tiles[screenApply])
	var names []string
	for _, s := range h.term.listed()[:h.term.perPage()] {
		names = append(names, s.Name.ZH)
		if !s.ElderlyFirst {
			t.Fatalf("elderly list starts with %v", names)
		}
	}
}

func TestServiceScreensFit(t *testing.T) {
	for _, size := range []fyne.Size{landscape, portrait} {
		for _, lang := range []string{"zh", "en"} {
			for _, elderly := range []bool{false, true} {
				for _, screen := range []string{"list", "keypad", "guide"} {
					t.Run(fmt.Sprintf("%vx%v/%s/elderly=%v/%s", size.Width, size.Height, lang, elderly, screen), func(t *testing.T) {
						h := newHarness(t, size, lang)
						withCatalog(t, h)
						if elderly {
							test.Tap(h.term.tiles[""])
						}
						test.Tap(h.term.tiles[screenApply])
						switch screen {
						case "keypad":
							h.term.browse.keypad = true
							h.term.rebuild()
						case "guide":
							s, _ := h.term.opt.Catalog.Service("HJ-003")
							h.term.browse.service = s
							h.term.show(screenGuide)
						}
						h.win.Resize(size)
						if got := h.win.Canvas().Size(); got != size {
							t.Fatalf("the screen needs %v, more than the %v it has", got, size)
						}
						checkLayout(t, h, elderly)
					})
				}
			}
		}
	}
}

func TestServiceHoursAndAnnouncements(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	h.term.opt.District = protocol.TerminalConfig{Version: 1, ServiceHours: "10:00-18:00",
		Announcements: []protocol.Announcement{{ZH: "12月1日凌晨系统维护", EN: "Maintenance on 1 December", Until: h.clock.Now().Add(24 * time.Hour)},
			{ZH: "已过期的通知", Until: h.clock.Now().Add(-time.Hour)}}}
	h.term.rebuild()
	if !h.showing("12月1日凌晨系统维护") || h.showing("已过期的通知") || !h.showing("现在不在服务时间（10:00-18:00）") {
		t.Fatalf("home out of hours: %q", h.texts())
	}
	test.Tap(h.term.tiles[screenApply])
	if !h.showing("现在不在服务时间") || h.showing("请选择要办理的事项") {
		t.Fatalf("the list opened out of hours: %q", h.texts())
	}
	test.Tap(h.term.homeBtn)
	h.term.opt.District.ServiceHours = "08:00-20:00"
	test.Tap(h.term.tiles[screenApply])
	if !h.showing("请选择要办理的事项") {
		t.Fatalf("the list did not open in hours: %q", h.texts())
	}
}
