package ui

import (
	"context"
	"image"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"
	"fyne.io/fyne/v2/test"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/printer/printersim"
	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// simDevices are the real card-reader and printer drivers talking to
// simulated devices over pseudo-terminals, reporting to the harness's
// registry as they do in the terminal.
type simDevices struct {
	cards   *idcardsim.Sim
	cardPTY *idcardsim.PTY
	events  <-chan idcard.Event
	paper   *printersim.Sim
}

func withSimDevices(t *testing.T, h *harness) *simDevices {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })

	d := &simDevices{cards: idcardsim.New(), paper: printersim.New()}
	cardPTY, err := idcardsim.ServePTY(d.cards, filepath.Join(t.TempDir(), "idcard"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cardPTY.Close() })
	d.cardPTY = cardPTY
	reader := idcard.NewReader(idcard.ReaderConfig{
		Open:   func() (idcard.Transport, error) { return idcard.OpenSerial(cardPTY.Path(), 115200) },
		Report: func(s devices.Status) { h.reg.Report(s) },
		Poll:   50 * time.Millisecond, Reopen: 100 * time.Millisecond, Log: slog.New(slog.DiscardHandler),
	})
	wg.Go(func() { reader.Run(ctx) })
	d.events = reader.Events()

	printerPTY, err := printersim.ServePTY(d.paper)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { printerPTY.Close() })
	prn := printer.New(printer.Config{
		Open:    func(context.Context) (printer.Port, error) { return printer.OpenSerial(printerPTY.Path(), 9600) },
		Profile: printer.Profile80,
		Report:  func(s devices.Status) { h.reg.Report(s) },
		Poll:    100 * time.Millisecond, Reopen: 100 * time.Millisecond, Settle: 50 * time.Millisecond,
		Log: slog.New(slog.DiscardHandler),
	})
	wg.Go(func() { prn.Run(ctx) })
	h.term.opt.PrintReceipt = func(r printer.Receipt) (image.Image, error) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		return nil, prn.Print(ctx, r)
	}
	waitState(t, h, devices.IDCardReader, devices.Online)
	waitState(t, h, devices.ReceiptPrinter, devices.Online)
	return d
}

// journeyRig is a Chinese landscape terminal with the catalog, a real
// outbox, screen changes queued for the test to run (q), and the simulated
// devices.
func journeyRig(t *testing.T) (*harness, *outbox.Store, *uiQueue, *simDevices) {
	t.Helper()
	h := newHarness(t, landscape, "zh")
	withCatalog(t, h)
	store := withOutbox(t, h)
	q := &uiQueue{}
	h.term.toUI = q.do
	return h, store, q, withSimDevices(t, h)
}

// waitState waits for the driver to report a device's state, then lets the
// screen know, as the terminal's device goroutine does.
func waitState(t *testing.T, h *harness, kind devices.Kind, want devices.State) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, s := range h.reg.Snapshot() {
			if s.Kind == kind && s.State == want {
				h.term.DevicesChanged()
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became %s: %+v", kind, want, h.reg.Snapshot())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// place puts a card on the simulated reader and hands the reader's event
// to the screen.
func (d *simDevices) place(t *testing.T, h *harness, c idcard.Card) idcard.Event {
	t.Helper()
	d.cards.Remove()
	d.cards.Place(c)
	select {
	case ev := <-d.events:
		h.term.CardRead(ev)
		return ev
	case <-time.After(15 * time.Second):
		t.Fatal("the reader reported no card")
		return idcard.Event{}
	}
}

// toForm starts a service whose guide, card and face steps lead to the
// form, with the card read through the simulated reader; no face camera.
func toForm(t *testing.T, h *harness, d *simDevices, code string) idcard.Card {
	t.Helper()
	s, _ := h.term.opt.Catalog.Service(code)
	h.term.services.startApply(s)
	card := idcard.SampleCards()[0]
	d.place(t, h, card)
	if h.term.apply.j.Step() != journey.Form {
		t.Fatalf("after the card: %s %q", h.term.apply.j.Step(), h.texts())
	}
	return card
}

// fillPension fills the pension service's one choice and goes to review.
func fillPension(t *testing.T, h *harness) {
	t.Helper()
	test.Tap(button(t, h, "城乡居民基本养老保险"))
	test.Tap(button(t, h, "下一步"))
	if !h.showing("请核对您的申请") {
		t.Fatalf("review: %q", h.texts())
	}
}

func TestJourneyPrintsItsReceipt(t *testing.T) {
	h, store, q, d := journeyRig(t)
	toForm(t, h, d, "SB-001")
	fillPension(t, h)
	test.Tap(button(t, h, "提交申请"))
	q.drain()
	if !h.showing("凭条已打印，请从出纸口取走") {
		t.Fatalf("receipt: %q", h.texts())
	}
	// What reached the printer reads back as this application's receipt.
	got, err := virtual.Print(d.paper.Received(), printer.Profile80.Dots)
	if err != nil {
		t.Fatal(err)
	}
	printed := strings.Join(got.Lines, "\n")
	number := h.term.apply.j.Receipt().Number
	for _, want := range []string{number, "养老金领取资格认证", "张**"} {
		if !strings.Contains(printed, want) {
			t.Errorf("the printed receipt lacks %q:\n%s", want, printed)
		}
	}
	if strings.Contains(printed, "张建华") {
		t.Error("the printed receipt carries the full name")
	}
	if len(kinds(store)) != 1 {
		t.Fatalf("records %v", kinds(store))
	}
}

// Each failure a resident can meet: a calm message and a way forward.
func TestJourneyFailures(t *testing.T) {
	t.Run("no card reader", func(t *testing.T) {
		h, _, _, d := journeyRig(t)
		s, _ := h.term.opt.Catalog.Service("SB-001")
		h.term.services.startApply(s)
		if !h.showing("请放置身份证") {
			t.Fatalf("card step: %q", h.texts())
		}
		d.cardPTY.Unplug() // the reader's cable pulled while the resident waits
		waitState(t, h, devices.IDCardReader, devices.NoDevice)
		if !h.showing("读卡器暂时不可用，请工作人员为您办理") {
			t.Fatalf("reader gone: %q", h.texts())
		}
		test.Tap(button(t, h, "呼叫帮办"))
		if !h.showing("工作人员") {
			t.Fatalf("no way to staff: %q", h.texts())
		}
		// A journey started while the reader is away goes straight to staff.
		h.term.goHome()
		h.term.services.startApply(s)
		if !h.showing("读卡器暂时不可用，请工作人员为您办理") {
			t.Fatalf("started without a reader: %q", h.texts())
		}
	})
	t.Run("card unreadable, then read", func(t *testing.T) {
		h, _, _, d := journeyRig(t)
		s, _ := h.term.opt.Catalog.Service("SB-001")
		h.term.services.startApply(s)
		d.cards.Inject(idcardsim.Transient, 1000) // every read fails
		ev := d.place(t, h, idcard.SampleCards()[0])
		if ev.Err == nil {
			t.Fatal("a failing read gave a card")
		}
		if !h.showing("证件未能读取，请拿起证件后重新放置") {
			t.Fatalf("unreadable card: %q", h.texts())
		}
		if h.term.apply.j.Step() != journey.Card {
			t.Fatalf("an unreadable card left the card step: %s", h.term.apply.j.Step())
		}
		d.cards.Clear(idcardsim.Transient)
		d.place(t, h, idcard.SampleCards()[0])
		if h.term.apply.j.Step() != journey.Form {
			t.Fatalf("a good read after a bad one: %s", h.term.apply.j.Step())
		}
	})
	t.Run("card expired", func(t *testing.T) {
		h, _, _, d := journeyRig(t)
		s, _ := h.term.opt.Catalog.Service("SB-001")
		h.term.services.startApply(s)
		card := idcard.SampleCards()[0]
		card.LongTerm, card.ValidTo = false, idcard.Date{Year: 2024, Month: 3, Day: 1}
		d.place(t, h, card)
		if h.term.apply.j.Step() != journey.StaffHelp || !h.showing("证件已过期") {
			t.Fatalf("expired card: %s %q", h.term.apply.j.Step(), h.texts())
		}
	})
	t.Run("cameras missing", func(t *testing.T) {
		h, store, _, d := journeyRig(t)
		toForm(t, h, d, "MZ-001") // no face camera: the card leads to the form
		test.Tap(button(t, h, "到社区服务站领取"))
		test.Tap(buttonsLabelled(h, "点此输入")[1]) // the mail address first, then the phone
		for _, k := range strings.Split("13800138000", "") {
			test.Tap(button(t, h, k))
		}
		test.Tap(button(t, h, "下一步"))
		if !h.showing("高拍仪暂时不可用，这份材料请带到窗口") {
			t.Fatalf("no document camera: %q", h.texts())
		}
		test.Tap(button(t, h, "下一步"))
		test.Tap(button(t, h, "提交申请"))
		recs := records(store)
		if len(recs) != 1 || len(recs[0].Attachments) != 0 {
			t.Fatalf("records %+v", recs)
		}
	})
	t.Run("printer out of paper", func(t *testing.T) {
		h, _, q, d := journeyRig(t)
		d.paper.SetStatus([4]byte{0x12, 0x32, 0x12, 0x72})
		toForm(t, h, d, "SB-001")
		fillPension(t, h)
		test.Tap(button(t, h, "提交申请"))
		q.drain()
		waitState(t, h, devices.ReceiptPrinter, devices.UserError)
		if !h.showing("回执号") || !h.showing("打印机缺纸") {
			t.Fatalf("paper out: %q", h.texts())
		}
		assertImage(t, "apply_receipt_paper_out_zh_landscape.png", h.win.Canvas())
		d.paper.SetStatus([4]byte{0x12, 0x12, 0x12, 0x12}) // staff put paper in
		test.Tap(button(t, h, "重新打印"))
		q.drain()
		if !h.showing("凭条已打印") {
			t.Fatalf("reprint: %q", h.texts())
		}
	})
	t.Run("disk budget reached", func(t *testing.T) {
		h := newHarness(t, landscape, "zh")
		withCatalog(t, h)
		q := withCameras(t, h)
		store := openOutbox(t, t.TempDir(), 1) // a budget of one byte: no photo fits
		h.term.opt.ApplyDeps = &journey.Deps{Outbox: store, TerminalID: "DEMO-0001", Now: h.clock.Now,
			DocCamera: h.term.opt.Cameras.Document, Quality: 85}
		d := withSimDevices(t, h)
		toForm(t, h, d, "MZ-001")
		test.Tap(button(t, h, "到社区服务站领取"))
		test.Tap(buttonsLabelled(h, "点此输入")[1])
		for _, k := range strings.Split("13800138000", "") {
			test.Tap(button(t, h, k))
		}
		test.Tap(button(t, h, "下一步"))
		takeAndUsePhoto(t, h, q)
		test.Tap(button(t, h, "提交申请"))
		q.run()
		if !h.showing("终端存储已满") || h.term.apply.j.Step() != journey.Review {
			t.Fatalf("disk full: %s %q", h.term.apply.j.Step(), h.texts())
		}
		if button(t, h, "提交申请") == nil || button(t, h, "呼叫帮办") == nil {
			t.Fatal("no way forward from a full disk")
		}
		if len(records(store)) != 0 {
			t.Fatal("a refused application was stored")
		}
	})
	t.Run("offline", func(t *testing.T) {
		h := newHarness(t, landscape, "zh") // the harness's link is offline
		withCatalog(t, h)
		store := withOutbox(t, h)
		q := &uiQueue{}
		h.term.toUI = q.do
		d := withSimDevices(t, h)
		toForm(t, h, d, "SB-001")
		fillPension(t, h)
		test.Tap(button(t, h, "提交申请"))
		q.run()
		if !h.showing("申请已加密保存，联网后自动发送") || !h.showing("网络离线") {
			t.Fatalf("offline receipt: %q", h.texts())
		}
		recs := records(store)
		if len(recs) != 1 || recs[0].State != outbox.Queued {
			t.Fatalf("records %+v", recs)
		}
	})
	t.Run("out of service hours", func(t *testing.T) {
		h := newHarness(t, landscape, "zh") // 09:30
		withCatalog(t, h)
		withOutbox(t, h)
		h.term.opt.District.ServiceHours = "10:00-18:00"
		h.term.rebuild()
		if !h.showing("10:00-18:00") {
			t.Fatalf("home out of hours: %q", h.texts())
		}
		test.Tap(h.term.home.tiles[screenApply])
		if h.term.sess.Screen() == screenApplying || !h.showing("10:00-18:00") || button(t, h, "返回首页") == nil {
			t.Fatalf("applying out of hours: %q", h.texts())
		}
	})
}

func records(s *outbox.Store) []outbox.Record {
	var out []outbox.Record
	s.All(func(r outbox.Record) bool { out = append(out, r); return true })
	return out
}

// openOutbox opens a real outbox in dir with a disk budget.
func openOutbox(t testing.TB, dir string, budget int64) *outbox.Store {
	t.Helper()
	key, _ := age.GenerateX25519Identity()
	secret, _ := outbox.LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	store, err := outbox.Open(outbox.Options{Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Secret: secret, Budget: budget})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}
