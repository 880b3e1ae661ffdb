package ui

import (
	"fmt"
	"fyne.io/fyne/v2/container"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func withCatalog(t testing.TB, h *harness) {
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
	test.Tap(h.term.home.tiles[screenApply])
	if !h.showing("请选择要办理的事项") || !h.showing("养老金领取资格认证") {
		t.Fatalf("service list: %q", h.texts())
	}
	assertImage(t, "services_zh_landscape.png", h.win.Canvas())
	// Paging with buttons.
	test.Tap(button(t, h, "下一页"))
	if !h.showing("第 2 / 3 页") {
		t.Fatalf("page 2: %q", h.texts())
	}
	// The pinyin keypad: Y L J finds 养老金… first.
	test.Tap(button(t, h, "按拼音首字母找事项"))
	for _, k := range []string{"Y", "L", "J"} {
		test.Tap(button(t, h, k))
	}
	if !h.showing("已输入：YLJ") || !h.showing("第 1 / 1 页") {
		t.Fatalf("after YLJ: %q", h.texts())
	}
	test.Tap(button(t, h, "养老金领取资格认证 · 当场办好"))
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
	test.Tap(h.term.home.tiles[""])
	test.Tap(h.term.home.tiles[screenApply])
	var names []string
	for _, s := range h.term.services.listed()[:h.term.services.perPage()] {
		names = append(names, s.Name.ZH)
		if !s.ElderlyFirst {
			t.Fatalf("elderly list starts with %v", names)
		}
	}
}

func TestServiceScreensFit(t *testing.T) {
	layoutOnly(t)
	for _, size := range []fyne.Size{landscape, portrait} {
		for _, lang := range []string{"zh", "en"} {
			for _, elderly := range []bool{false, true} {
				// One terminal per mode, visiting each screen in turn.
				h := newHarness(t, size, lang)
				withCatalog(t, h)
				if elderly {
					test.Tap(h.term.home.tiles[""])
				}
				for _, screen := range []string{"list", "keypad", "guide"} {
					t.Run(fmt.Sprintf("%vx%v/%s/elderly=%v/%s", size.Width, size.Height, lang, elderly, screen), func(t *testing.T) {
						h.t = t
						h.term.goHome()
						test.Tap(h.term.home.tiles[screenApply])
						switch screen {
						case "keypad":
							h.term.services.keypad = true
							h.term.rebuild()
						case "guide":
							s, _ := h.term.opt.Catalog.Service("HJ-003")
							h.term.services.service = s
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
	test.Tap(h.term.home.tiles[screenApply])
	if !h.showing("现在不在服务时间") || h.showing("请选择要办理的事项") {
		t.Fatalf("the list opened out of hours: %q", h.texts())
	}
	test.Tap(h.term.kit.homeBtn)
	h.term.opt.District.ServiceHours = "08:00-20:00"
	test.Tap(h.term.home.tiles[screenApply])
	if !h.showing("请选择要办理的事项") {
		t.Fatalf("the list did not open in hours: %q", h.texts())
	}
}

// openGuide shows the guide of a service of the default catalog.
func openGuide(t *testing.T, h *harness, code string) {
	t.Helper()
	s, ok := h.term.opt.Catalog.Service(code)
	if !ok {
		t.Fatalf("no service %s", code)
	}
	h.term.services.service = s
	h.term.show(screenGuide)
}

// TestGuideShowsTheWholeGuide: every part of the 办事指南 the catalog
// holds is on the guide, in words a resident reads — never the processing
// depth's level.
func TestGuideShowsTheWholeGuide(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	test.Tap(h.term.home.tiles[screenApply])
	openGuide(t, h, "HJ-003")
	for _, want := range []string{
		"居住证申领", "离开常住户口所在地", // description
		"需到窗口一次",
		"办理条件", "符合合法稳定就业",
		"所需材料", "· 居民身份证 × 1：读取身份证", "住所证明（房屋租赁合同或房屋产权证明） × 1：在本机拍照",
		"以合法稳定住所申领的需提供", "领证时交验原件", // when, and the note
		"办理流程", "1. 读取身份证", "5. 短信通知后到派出所领证",
		"办理结果与领取方式", "制证完成后短信通知",
		"办理时限：3 个工作日内办好", "收费标准：免费", "办理部门：区公安分局",
		"咨询电话：12345", "投诉电话：12389",
		"设定依据", "《居住证暂行条例》",
	} {
		if !h.showing(want) {
			t.Errorf("the guide lacks %q", want)
		}
	}
	for _, never := range []string{"网办深度", "深度"} {
		if h.showing(never) {
			t.Errorf("the guide speaks of %q: %q", never, h.texts())
		}
	}
	// The guide's own foot stays.
	for _, b := range []string{"返回列表", "开始办理", "返回首页", "呼叫帮办"} {
		button(t, h, b)
	}

	openGuide(t, h, "SB-001")
	if !h.showing("全程在本机办理，不用跑窗口") || h.showing("需到窗口") {
		t.Errorf("a service done here: %q", h.texts())
	}
}

func TestGuideInEnglish(t *testing.T) {
	h := newHarness(t, landscape, "en")
	withCatalog(t, h)
	test.Tap(h.term.home.tiles[screenApply])
	openGuide(t, h, "HJ-003")
	for _, want := range []string{"One trip to a counter is needed", "Steps", "1. Read the ID card", "What you get, and how",
		"Legal basis", "Interim Regulations on Residence Permits", "Phone: 12345", "Complaints: 12389",
		"· Proof of home (tenancy agreement or title deed) × 1: photographed here", "Only when: Applying on the ground of a home"} {
		if !h.showing(want) {
			t.Errorf("the guide lacks %q: %q", want, h.texts())
		}
	}
}

// TestGuideWords: trips to a counter, a copy to bring, and a fee with
// what sets it, in plain words.
func TestGuideWords(t *testing.T) {
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	for visits, want := range map[int]string{0: "全程在本机办理，不用跑窗口", 1: "需到窗口一次", 2: "需到窗口 2 次"} {
		if got := guideVisits(visits); got != want {
			t.Errorf("%d visits: %q, want %q", visits, got, want)
		}
	}
	m := catalog.Material{Name: catalog.Text{ZH: "结婚证"}, Count: 2, Presented: catalog.Copy, Trust: catalog.TrustBring}
	if got, want := guideMaterial(m, "zh"), "· 结婚证 × 2：请带复印件到窗口"; got != want {
		t.Errorf("a copy to bring: %q, want %q", got, want)
	}
	s, _ := h.term.opt.Catalog.Service("HJ-003")
	paid := *s
	paid.FeeYuan, paid.FeeBasis = 10, catalog.Text{ZH: "发改价格〔2017〕1号"}
	test.Tap(h.term.home.tiles[screenApply])
	h.term.services.service = &paid
	h.term.show(screenGuide)
	if !h.showing("收费标准：10 元（依据：发改价格〔2017〕1号）") {
		t.Errorf("a fee: %q", h.texts())
	}
}

// TestTheNextResidentStartsAtTheTop: where a resident scrolled a guide to
// is kept while they go back and forth, and forgotten when they go home or
// the session ends — the next one starts at the guide's top.
func TestTheNextResidentStartsAtTheTop(t *testing.T) {
	h := newHarness(t, portrait, "zh")
	withCatalog(t, h)
	s, _ := h.term.opt.Catalog.Service("HJ-003")
	scrolled := func() bool {
		moved := false
		eachScroll(h.term.body, func(sc *container.Scroll) { moved = moved || sc.Offset.Y > 0 })
		return moved
	}
	scrollDown := func() {
		eachScroll(h.term.body, func(sc *container.Scroll) {
			if sc.Content.MinSize().Height > sc.Size().Height {
				scrollTo(sc, sc.Content.MinSize().Height)
			}
		})
		if !scrolled() {
			t.Fatal("the guide does not scroll on this panel")
		}
	}
	for name, leave := range map[string]func(){
		"home":         func() { h.term.goHome() },
		"idle timeout": func() { h.term.endSession("idle") },
	} {
		h.term.services.service = s
		h.term.show(screenGuide)
		scrollDown()
		h.term.show(screenStaff) // and back: the place is kept
		h.term.show(screenGuide)
		if !scrolled() {
			t.Fatal("back from staff, the guide lost its place")
		}
		leave()
		h.term.services.service = s
		h.term.show(screenGuide)
		if scrolled() {
			t.Errorf("after %s, the next resident's guide starts scrolled", name)
		}
	}
}
