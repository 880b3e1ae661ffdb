package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/assets"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/harness"
	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/maintenance"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// The residents' other journeys, tapped on the real terminal like
// TestJourneyApply, at the two usual kiosk panels in standard mode, and
// with make journeys in elderly mode at 1920×1080 too.

// eachPanel runs a journey at 1920×1080 and 1080×1920 and logs its taps;
// for make journeys, unless the journey sets the mode itself (standard),
// in elderly mode at 1920×1080 too.
func eachPanel(t *testing.T, name string, opt harness.Options, standard bool, journey func(t *testing.T, k *harness.Kiosk)) {
	type run struct {
		name    string
		w, h    int
		elderly bool
	}
	var runs []run
	for _, p := range journeyPanels(t, false) {
		runs = append(runs, run{p.name, p.w, p.h, false})
	}
	if os.Getenv("YIZHAN_JOURNEYS") == "all" && !standard {
		runs = append(runs, run{runs[0].name + "-elderly", runs[0].w, runs[0].h, true})
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			panel := strings.TrimSuffix(r.name, "-elderly")
			k := startJourney(t, name, panel, r.w, r.h, r.elderly, opt)
			journey(t, k)
			t.Logf("taps: %d", k.Taps)
		})
	}
}

// TestJourneyQuery: a resident with an application (the demo's F4 queues
// one for the first sample card) opens 查询, places that card (the first
// F2 of a run places the first sample card) and sees the application with
// where it stands, then goes home.
func TestJourneyQuery(t *testing.T) {
	eachPanel(t, "query", harness.Options{Windowed: true}, false, func(t *testing.T, k *harness.Kiosk) {
		receipt := submitSampleApplication(t, k)
		k.Tap("tile.query")
		k.WaitScreen("query", "")
		k.Key(harness.KeyF2)
		s := k.Wait("the application listed", 20*time.Second, func(s inspect.Snapshot) bool {
			return hasText(s, receipt) && stateShown(s) != ""
		})
		card := idcard.SampleCards()[0]
		if !hasText(s, journey.MaskName(card.Name)) {
			t.Errorf("the list does not say whose it is (%s): %q", journey.MaskName(card.Name), s.Texts)
		}
		t.Logf("%s: %s", receipt, stateShown(s))
		k.Tap("nav.home")
		k.WaitScreen("home", "")
	})
}

// TestJourneyScan: a resident holds their receipt's QR code to the code
// scanner on the home screen and sees that application, without their
// card. The demo's F6 holds the newest receipt to the simulated scanner:
// its code, signed with the terminal's enrolled key, goes over a
// pseudo-terminal through the real driver. The district moves the
// application on meanwhile, and the scan shows where it stands.
func TestJourneyScan(t *testing.T) {
	everyPanel(t, "scan", harness.Options{Windowed: true}, withMakeJourneys, scanJourney)
}

func scanJourney(t *testing.T, k *harness.Kiosk) {
	// 查询 offers the scanner beside the card.
	k.Tap("tile.query")
	k.Wait("the scanner offered", 10*time.Second, func(s inspect.Snapshot) bool {
		return s.Screen == "query" && hasText(s, "二维码对准扫码窗口")
	})
	k.Tap("nav.home")
	k.WaitScreen("home", "")

	receipt := submitSampleApplication(t, k)
	ref := waitForApplication(t, k, receipt)
	if err := k.District.SetStatus("staff", "127.0.0.1", ref, "processing", "材料审核中"); err != nil {
		t.Fatal(err)
	}
	k.Key(harness.KeyF6)
	k.Wait("the receipt's application", 30*time.Second, func(s inspect.Snapshot) bool {
		return s.Screen == "query" && hasText(s, tr(t, "zh", "scan.title")) && hasText(s, receipt)
	})
	// The status comes with a sync; a scan after it shows it.
	k.SyncNow()
	k.Wait("its status from the district", 30*time.Second, func(s inspect.Snapshot) bool {
		if hasText(s, "材料审核中") {
			return true
		}
		time.Sleep(500 * time.Millisecond)
		k.Key(harness.KeyF6)
		return false
	})
	k.Tap("nav.home")
	k.WaitScreen("home", "")
}

// waitForApplication waits until the district has the application of receipt,
// and names its record.
func waitForApplication(t *testing.T, k *harness.Kiosk, receipt string) district.RecordRef {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ref, err := k.District.ApplicationOf(receipt)
		if err == nil {
			return ref
		}
		if time.Now().After(deadline) {
			t.Fatalf("the district has no application %s after a minute: %v", receipt, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestJourneyRate: from 评价, the card, the application's rate button, a
// bad rating with its reason and no call back, home with thanks; then the
// same card again shows the application rated, with no rate button.
func TestJourneyRate(t *testing.T) {
	eachPanel(t, "rate", harness.Options{Windowed: true}, false, func(t *testing.T, k *harness.Kiosk) {
		receipt := submitSampleApplication(t, k)
		k.Tap("tile.rate")
		k.WaitScreen("rate", "")
		k.Key(harness.KeyF2) // the first sample card, whose application it is
		k.Tap("rate:" + receipt)
		k.Tap("rating.2")
		k.Tap("rating.reason.waiting")
		k.Tap("rating.no_call_back")
		k.Wait("home with thanks", 20*time.Second, func(s inspect.Snapshot) bool {
			return s.Screen == "home" && hasText(s, tr(t, "zh", "rating.thanks"))
		})

		k.Tap("tile.rate")
		k.WaitScreen("rate", "")
		// The card is lifted and placed again: the demo's reader takes the
		// sample cards in turn, so F2 goes once round them all.
		placeCardAgain(t, k, 1, 0)
		s := k.Wait("the application listed", 20*time.Second, func(s inspect.Snapshot) bool { return hasText(s, receipt) })
		if !hasText(s, tr(t, "zh", "rating.done")) {
			t.Errorf("the rated application is not marked %s: %q", tr(t, "zh", "rating.done"), s.Texts)
		}
		if _, ok := s.Find("rate:" + receipt); ok {
			t.Errorf("the rated application can be rated again")
		}
		k.Tap("nav.home")
		k.WaitScreen("home", "")
	})
}

// TestJourneyAsk: 咨询投诉 — a type, a topic and a phrase chosen, submitted,
// and the number shown. The screen is being reworked: its controls are
// named "ask:type:complaint" there, by their translation keys
// ("ask.type.complaint") before; either is taken, and a printed slip's
// preview, if one comes, is closed.
func TestJourneyAsk(t *testing.T) {
	number := regexp.MustCompile(regexp.QuoteMeta(config.Demo().TerminalID) + `-\d{6}-\d{6}`)
	eachPanel(t, "ask", harness.Options{Windowed: true}, false, func(t *testing.T, k *harness.Kiosk) {
		k.Tap("tile.complain")
		k.WaitScreen("complain", "")
		tapAsk(k, "type", "complaint")
		tapAsk(k, "topic", "window")
		tapAsk(k, "phrase", "wait")
		tapAsk(k, "submit", "")
		s := k.Wait("the number", 20*time.Second, func(s inspect.Snapshot) bool {
			return number.MatchString(strings.Join(s.Texts, " "))
		})
		t.Logf("saved: %s", number.FindString(strings.Join(s.Texts, " ")))
		printing := translations()["zh"]["ask.printing"] // none before the rework
		s = k.Wait("the slip printed, or none", 30*time.Second, func(s inspect.Snapshot) bool {
			_, preview := s.Find("receipt.close")
			return preview || printing == "" || !hasText(s, printing)
		})
		if _, preview := s.Find("receipt.close"); preview {
			k.Tap("receipt.close")
		}
		k.Tap("nav.home")
		k.WaitScreen("home", "")
	})
}

// tapAsk taps a control of the 咨询投诉 screen by its name, old or new.
func tapAsk(k *harness.Kiosk, kind, value string) {
	ids := []string{"ask:" + kind, "ask." + kind}
	if value != "" {
		ids = []string{"ask:" + kind + ":" + value, "ask." + kind + "." + value}
	}
	k.TapWhere(ids[0], func(tp inspect.Tappable) bool { return tp.ID == ids[0] || tp.ID == ids[1] })
}

// TestJourneyStaff calls staff (呼叫帮办) from every screen that offers it —
// the home tile, the service list, the guide, each step of an application,
// 查询 and 咨询投诉 — and each time "返回刚才的页面" leads back to the same
// screen and step, with what was done there kept.
func TestJourneyStaff(t *testing.T) {
	eachPanel(t, "staff", harness.Options{Windowed: true}, false, func(t *testing.T, k *harness.Kiosk) {
		staffAndBack(t, k) // the home tile
		k.Tap("tile.apply")
		k.WaitScreen("apply", "")
		staffAndBack(t, k)
		tapService(t, k, "异地就医备案")
		k.WaitScreen("guide", "")
		staffAndBack(t, k)
		k.Tap("guide.start")

		k.WaitScreen("applying", "card")
		staffAndBack(t, k)
		k.Key(harness.KeyF2) // the first sample card
		k.WaitScreen("applying", "face")
		staffAndBack(t, k)
		k.Tap("capture.agree")
		k.Tap("capture.take")
		k.Tap("capture.use")

		k.WaitScreen("applying", "form")
		k.TapLabel("异地转诊") // its referral letter is photographed
		chosen := k.WaitTappable("choice:filing_type:referral").Fill
		staffAndBack(t, k)
		if got := k.WaitTappable("choice:filing_type:referral").Fill; got != chosen {
			t.Errorf("back from staff, the form's choice is drawn %s, was %s: not kept", got, chosen)
		}
		k.Tap("field:place")
		typePinyin(t, k, "bei", "北")
		typePinyin(t, k, "jing", "京")
		k.Tap("apply.done_typing")
		typeDigits(t, k, "field:start_date", "20270115") // the dashes come by themselves
		typeDigits(t, k, "field:phone", "13800138000")
		k.Tap("apply.next")

		for first := true; ; first = false {
			s := k.Wait("the materials or the review", 20*time.Second, func(s inspect.Snapshot) bool {
				_, take := s.Find("capture.take")
				return s.Step == "review" || take
			})
			if s.Step == "review" {
				break
			}
			if first {
				staffAndBack(t, k)
			}
			k.Tap("capture.take")
			k.Tap("capture.use")
		}
		staffAndBack(t, k)
		k.Tap("apply.submit")
		k.WaitScreen("applying", "receipt")
		k.Tap("receipt.close")
		k.Wait("the receipt printed", 30*time.Second, func(s inspect.Snapshot) bool { return hasText(s, "凭条已打印") })
		staffAndBack(t, k)
		k.Tap("apply.rate_it")
		k.WaitScreen("applying", "rating")
		staffAndBack(t, k)
		k.Tap("rating.4")
		k.WaitScreen("home", "")

		k.Tap("tile.query")
		k.WaitScreen("query", "")
		k.Key(harness.KeyF2) // the second sample card
		whose := journey.MaskName(idcard.SampleCards()[1].Name)
		k.Wait("the second card's list", 20*time.Second, func(s inspect.Snapshot) bool { return hasText(s, whose) })
		staffAndBack(t, k)
		if !hasText(k.Snapshot(), whose) {
			t.Errorf("back from staff, the list of %s's applications is gone", whose)
		}
		k.Tap("nav.home")
		k.WaitScreen("home", "")

		k.Tap("tile.complain")
		k.WaitScreen("complain", "")
		tapAsk(k, "type", "consultation")
		staffAndBack(t, k)
		k.Tap("nav.home")
		k.WaitScreen("home", "")
	})
}

// staffAndBack calls staff from the screen shown, checks the staff screen,
// and goes back to the same screen and step.
func staffAndBack(t *testing.T, k *harness.Kiosk) {
	t.Helper()
	from := k.Snapshot()
	k.Tap("tile.staff")
	s := k.WaitScreen("staff", "")
	if _, ok := s.Find("nav.home"); !ok {
		t.Errorf("the staff screen called from %s %s has no way home", from.Screen, from.Step)
	}
	if _, ok := s.Find("tile.staff"); ok {
		t.Errorf("the staff screen offers to call staff again")
	}
	// The resident goes back at once, whatever the screen says by then:
	// its words change in place when the district takes the call, so the
	// tap lands even at that moment.
	k.Tap("staff.back")
	k.Wait("back at "+from.Screen+" "+from.Step, 20*time.Second, func(s inspect.Snapshot) bool {
		return s.Screen == from.Screen && s.Step == from.Step
	})
}

// TestJourneyElderlyEnglish: 长辈模式 and English through the service list
// and a guide; both stay when the resident goes home in the middle.
func TestJourneyElderlyEnglish(t *testing.T) {
	eachPanel(t, "elderly-english", harness.Options{Windowed: true}, true, func(t *testing.T, k *harness.Kiosk) {
		k.Tap("tile.elderly")
		k.Wait("elderly mode", 10*time.Second, func(s inspect.Snapshot) bool { return s.Elderly })
		k.Tap("header.switch_language")
		k.Wait("English", 10*time.Second, func(s inspect.Snapshot) bool { return s.Lang == "en" })

		k.Tap("tile.apply")
		s := k.WaitScreen("apply", "")
		if !hasText(s, tr(t, "en", "services.title")) {
			t.Errorf("the service list is not in English: %q", s.Texts)
		}
		k.Tap("nav.home")
		stillElderlyEnglish(t, k)

		k.Tap("tile.apply")
		k.WaitScreen("apply", "")
		tapServiceIn(t, k, "en", "Register for treatment in another region")
		s = k.WaitScreen("guide", "")
		if !s.Elderly || s.Lang != "en" {
			t.Errorf("the guide is in %s, elderly %v", s.Lang, s.Elderly)
		}
		if tp, ok := s.Find("guide.start"); !ok || tp.Label != tr(t, "en", "guide.start") {
			t.Errorf("the guide's start button is %+v, want %q", tp, tr(t, "en", "guide.start"))
		}
		k.Tap("nav.home")
		stillElderlyEnglish(t, k)
	})
}

func stillElderlyEnglish(t *testing.T, k *harness.Kiosk) {
	t.Helper()
	s := k.WaitScreen("home", "")
	if s.Lang != "en" || !s.Elderly {
		t.Errorf("home in the middle of a session: language %s, elderly %v; want en, true", s.Lang, s.Elderly)
	}
	if tp, ok := s.Find("tile.apply"); !ok || tp.Label != tr(t, "en", "tile.apply") {
		t.Errorf("the home tile reads %q, want %q", tp.Label, tr(t, "en", "tile.apply"))
	}
}

// TestJourneyIdle: a resident walks away from the form. The countdown
// covers the screen — no name, no ID number readable — and then the
// session is wiped and home shows. The idle times are the shortest the
// configuration allows (15 s, 5 s of countdown); the form waits three
// times the idle time (journey.Form's patience).
func TestJourneyIdle(t *testing.T) {
	opt := harness.Options{Windowed: true, Args: []string{"-config", "idle.toml"}, Setup: func(work string) error {
		return os.WriteFile(filepath.Join(work, "idle.toml"), []byte("[idle]\ntimeout = \"15s\"\nelderly_timeout = \"15s\"\ncountdown = \"5s\"\n"), 0o644)
	}}
	card := idcard.SampleCards()[0]
	personal := []string{card.Name, card.IDNumber, idcard.MaskNumber(card.IDNumber), card.Address}
	eachPanel(t, "idle", opt, false, func(t *testing.T, k *harness.Kiosk) {
		form := toForm(t, k)
		// The check below means something only if the form shows the card.
		if !hasText(form, card.Name) {
			t.Fatalf("the form does not show the card's name: %q", form.Texts)
		}
		before := k.Shot("form")

		k.Wait("the countdown", 90*time.Second, func(s inspect.Snapshot) bool { return s.Countdown })
		// The terminal paints a moment after it says the countdown shows:
		// look again for up to two seconds before judging the pixels.
		header, body := image.Pt(4, 4), image.Pt(4, k.Snapshot().Canvas.H/2)
		during := k.Shot("countdown")
		for end := time.Now().Add(2 * time.Second); during.RGBAAt(header.X, header.Y) != during.RGBAAt(body.X, body.Y) && time.Now().Before(end); {
			time.Sleep(100 * time.Millisecond)
			during = k.Shot("countdown")
		}
		var leaked []string
		s := k.Wait("home after the countdown", 30*time.Second, func(s inspect.Snapshot) bool {
			if s.Countdown {
				for _, p := range personal {
					if hasText(s, p) && !contains(leaked, p) {
						leaked = append(leaked, p)
					}
				}
			}
			return s.Screen == "home" && !s.Countdown
		})
		if len(leaked) > 0 {
			t.Errorf("personal data readable while the countdown shows: %q", leaked)
		}
		// In pixels too: the header and the body, different colours on
		// the form, are the countdown's one opaque colour under it.
		if before.RGBAAt(header.X, header.Y) == before.RGBAAt(body.X, body.Y) {
			t.Logf("the header and the body are drawn alike on the form: the pixel check proves nothing")
		} else if h, b := during.RGBAAt(header.X, header.Y), during.RGBAAt(body.X, body.Y); h != b {
			t.Errorf("the countdown lets the screen show through: header %v, body %v (var/screenshots/journeys/idle)", rgb(h), rgb(b))
		}

		if s.Lang != "zh" || s.Elderly {
			t.Errorf("after the idle timeout: language %s, elderly %v", s.Lang, s.Elderly)
		}
		for _, p := range personal {
			if hasText(s, p) {
				t.Errorf("home after the idle timeout shows %q", p)
			}
		}
		log, _ := os.ReadFile(filepath.Join(k.Work, "kiosk.log"))
		if !regexp.MustCompile(`session cleared.*reason=idle`).Match(log) {
			t.Errorf("the log does not say the session was cleared for idleness")
		}
	})
}

// demoPIN is the demo terminal's maintenance PIN, as make run sets it.
const demoPIN = "246810"

// TestJourneyMaintenance: five taps in the corner within 3 s, the PIN,
// maintenance, and back to service; then 暂停服务, from which the gesture
// leads to the PIN again, not straight back into maintenance.
func TestJourneyMaintenance(t *testing.T) {
	opt := harness.Options{Windowed: true, Setup: func(work string) error {
		dir := filepath.Join(work, config.Demo().DataDir)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return err
		}
		return maintenance.SetPIN(maintenance.PINPath(dir), demoPIN)
	}}
	eachPanel(t, "maintenance", opt, false, func(t *testing.T, k *harness.Kiosk) {
		enterMaintenance(t, k)
		k.Tap("maint.exit")
		k.WaitScreen("home", "")

		enterMaintenance(t, k)
		k.Tap("maint.out_of_service")
		s := k.WaitScreen("out-of-service", "")
		for _, id := range []string{"nav.home", "tile.apply", "tile.staff"} {
			if _, ok := s.Find(id); ok {
				t.Errorf("the out-of-service screen offers %s", id)
			}
		}
		k.TapRepeat("corner", maintenance.GestureTaps, 300*time.Millisecond)
		s = k.Wait("the PIN pad or maintenance", 10*time.Second, func(s inspect.Snapshot) bool {
			return s.Screen == "maintenance-pin" || s.Screen == "maintenance"
		})
		if s.Screen != "maintenance-pin" {
			k.Shot("out-of-service-without-PIN")
			t.Fatalf("the gesture on 暂停服务 went to %s without the PIN", s.Screen)
		}
		typePIN(t, k)
		k.Tap("maint.exit")
		k.WaitScreen("home", "")
	})
}

// enterMaintenance makes the gesture on the home screen and types the PIN.
func enterMaintenance(t *testing.T, k *harness.Kiosk) {
	t.Helper()
	k.TapRepeat("corner", maintenance.GestureTaps, 300*time.Millisecond)
	k.WaitScreen("maintenance-pin", "")
	typePIN(t, k)
}

func typePIN(t *testing.T, k *harness.Kiosk) {
	t.Helper()
	for _, c := range demoPIN {
		k.Tap("key:" + string(c))
	}
	// The enter key is being given a stable name ("key:enter"); before,
	// it was named by its word.
	word := "key:" + tr(t, "zh", "maint.enter")
	k.TapWhere("key:enter", func(tp inspect.Tappable) bool { return tp.ID == "key:enter" || tp.ID == word })
	// argon2id takes seconds on purpose.
	k.Wait("maintenance", 60*time.Second, func(s inspect.Snapshot) bool { return s.Screen == "maintenance" })
}

// submitSampleApplication queues the demo's sample application (F4) for
// the first sample card and returns its receipt number from the home
// screen's notice.
func submitSampleApplication(t *testing.T, k *harness.Kiosk) string {
	t.Helper()
	number := regexp.MustCompile(regexp.QuoteMeta(config.Demo().TerminalID) + `-\d{6}-\d{6}`)
	k.Key(harness.KeyF4)
	s := k.Wait("the sample application saved", 30*time.Second, func(s inspect.Snapshot) bool {
		return number.MatchString(strings.Join(s.Texts, " "))
	})
	return number.FindString(strings.Join(s.Texts, " "))
}

// placeCardAgain presses F2 until the sample card want is on the reader
// again, placed being how many F2 has placed so far: the demo's reader
// takes the sample cards in turn. Each card is waited for by its holder's
// masked name on the 查询/评价 screen.
func placeCardAgain(t *testing.T, k *harness.Kiosk, placed, want int) {
	t.Helper()
	cards := idcard.SampleCards()
	for {
		i := placed % len(cards)
		k.Key(harness.KeyF2)
		placed++
		whose := journey.MaskName(cards[i].Name)
		k.Wait("the list of "+whose, 20*time.Second, func(s inspect.Snapshot) bool { return hasText(s, whose) })
		if i == want {
			return
		}
	}
}

// stateShown is the state of an application the list shows, or "".
func stateShown(s inspect.Snapshot) string {
	for _, key := range []string{"queued", "sent", "rejected", "received", "accepted", "processing", "done"} {
		if w := translations()["zh"]["query.state."+key]; hasText(s, w) {
			return w
		}
	}
	return ""
}

// tapServiceIn taps the service whose name starts the label, paging the
// list in the language lang. In English 下一页 and the form's 下一步 are
// both "Next", so the inspection names the button by its label there.
func tapServiceIn(t *testing.T, k *harness.Kiosk, lang, name string) {
	t.Helper()
	next := tr(t, lang, "services.next")
	pageWord, _, _ := strings.Cut(tr(t, lang, "services.page"), "{{.Pages}}")
	for page := 0; page < 20; page++ {
		s := k.Snapshot()
		for _, tp := range s.Tappables {
			if strings.HasPrefix(tp.Label, name) {
				k.TapLabel(tp.Label)
				return
			}
		}
		var more bool
		for _, tp := range s.Tappables {
			if (tp.ID == "services.next" || tp.Label == next) && !tp.Disabled {
				more = true
			}
		}
		if !more {
			break
		}
		k.TapLabel(next)
		want := strings.ReplaceAll(pageWord, "{{.Page}}", strconv.Itoa(page+2))
		k.Wait(want, 10*time.Second, func(s inspect.Snapshot) bool { return hasText(s, want) })
	}
	t.Fatalf("no service %s in the list", name)
}

var (
	trOnce sync.Once
	trAll  map[string]map[string]string
)

// translations are the terminal's words by language ("zh", "en") and key.
func translations() map[string]map[string]string {
	trOnce.Do(func() {
		trAll = make(map[string]map[string]string)
		for lang, file := range map[string]string{"zh": "kiosk.zh_Hans.json", "en": "kiosk.en.json"} {
			data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + file)
			if err != nil {
				panic(err)
			}
			m := make(map[string]string)
			if err := json.Unmarshal(data, &m); err != nil {
				panic(err)
			}
			trAll[lang] = m
		}
	})
	return trAll
}

// tr is the words of key in lang, as the terminal shows them.
func tr(t *testing.T, lang, key string) string {
	t.Helper()
	s, ok := translations()[lang][key]
	if !ok {
		t.Fatalf("no translation %s in %s", key, lang)
	}
	return s
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func rgb(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
