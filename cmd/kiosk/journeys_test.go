package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/harness"
	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
)

// The screens the terminal is made for (DESIGN.md, principle 8).
var panels = []struct {
	name string
	w, h int
}{
	{"1920x1080", 1920, 1080},
	{"1080x1920", 1080, 1920},
	{"1280x1024", 1280, 1024},
	{"1366x768", 1366, 768},
	{"1280x720", 1280, 720},
}

// journeyPanels are the panels the journeys run at: the two usual kiosk
// panels, or every supported one with YIZHAN_JOURNEYS=all (make journeys).
func journeyPanels(t *testing.T, all bool) []struct {
	name string
	w, h int
} {
	if testing.Short() {
		t.Skip("starts X servers and the kiosk binary")
	}
	// Two journeys at a time (go test's -parallel, GOMAXPROCS by default):
	// each has its own X server, district and kiosk, and much of a journey
	// is waiting — for the idle timeout, the receipt, the staff's reply.
	t.Parallel()
	if all && os.Getenv("YIZHAN_JOURNEYS") == "all" {
		return panels
	}
	return panels[:2]
}

// startJourney starts the terminal on a display of the panel's size, in
// elderly mode if asked, and returns it with its taps counted from zero.
func startJourney(t *testing.T, journey, panel string, w, h int, elderly bool, opt harness.Options) *harness.Kiosk {
	mode := "standard"
	if elderly {
		mode = "elderly"
	}
	opt.Shots = filepath.Join("..", "..", "var", "screenshots", "journeys", journey, panel+"-"+mode)
	os.RemoveAll(opt.Shots)
	d := harness.StartDisplay(t, w, h)
	k := harness.Start(t, d, opt)
	if elderly {
		k.Tap("tile.elderly")
		k.Wait("elderly mode", 10*time.Second, func(s inspect.Snapshot) bool { return s.Elderly })
	}
	k.ResetTaps()
	return k
}

// TestJourneyApply applies for 异地就医备案 from the home screen to the
// 好差评 rating, by taps alone (the card placed with the demo's F2): the
// card, consent and the face photo, the form (a choice, a place typed in
// pinyin, a date and a phone number on the keypad), a material photo,
// review, the sealed submission, the printed receipt and a bad rating with
// its reason and the form's mobile number for the call back.
func TestJourneyApply(t *testing.T) {
	everyPanel(t, "apply", harness.Options{Windowed: true}, func(string) bool { return true }, applyJourney)
}

// everyPanel runs a journey at each panel journeyPanels gives, in
// standard mode and — where elderlyAt says — in elderly mode, and logs
// its taps.
func everyPanel(t *testing.T, name string, opt harness.Options, elderlyAt func(panel string) bool, journey func(*testing.T, *harness.Kiosk)) {
	for _, p := range journeyPanels(t, true) {
		for _, elderly := range []bool{false, true} {
			if elderly && !elderlyAt(p.name) {
				continue
			}
			run := p.name
			if elderly {
				run += "-elderly"
			}
			t.Run(run, func(t *testing.T) {
				k := startJourney(t, name, p.name, p.w, p.h, elderly, opt)
				journey(t, k)
				t.Logf("taps: %d", k.Taps)
			})
		}
	}
}

// withMakeJourneys is true with make journeys (every panel, every mode).
func withMakeJourneys(string) bool { return os.Getenv("YIZHAN_JOURNEYS") == "all" }

// toForm goes from home to the form of 异地就医备案: the service, its
// guide, the first sample card (F2), consent and the face photo.
func toForm(t *testing.T, k *harness.Kiosk) inspect.Snapshot {
	streaming(k, "home")
	k.Tap("tile.apply")
	k.WaitScreen("apply", "")
	streaming(k, "the service list")
	tapService(t, k, "异地就医备案")
	k.WaitScreen("guide", "")
	streaming(k, "the guide")
	k.Tap("guide.start")
	k.WaitScreen("applying", "card")
	k.Key(harness.KeyF2)
	k.WaitScreen("applying", "face")
	streaming(k, "the consent, before the resident agrees")
	k.Tap("capture.agree")
	streaming(k, "the face photo", "face")
	k.Tap("capture.take")
	k.Tap("capture.use")
	k.WaitScreen("applying", "form")
	return streaming(k, "the form")
}

// streaming waits until the cameras streaming (their lights on) are
// those named, and fails the test if they do not become so.
func streaming(k *harness.Kiosk, where string, cams ...string) inspect.Snapshot {
	return k.Wait(fmt.Sprintf("cameras streaming on %s: %v", where, cams), 10*time.Second, func(s inspect.Snapshot) bool {
		return slices.Equal(s.Streaming, cams)
	})
}

func applyJourney(t *testing.T, k *harness.Kiosk) {
	toForm(t, k)
	// A referral: its referral letter is photographed (the other kinds
	// need no paper).
	k.TapLabel("异地转诊")
	k.Wait("the choice marked", 10*time.Second, func(s inspect.Snapshot) bool {
		var chosen, other string
		for _, tp := range s.Tappables {
			switch tp.Label {
			case "异地转诊":
				chosen = tp.Fill
			case "异地长期居住":
				other = tp.Fill
			}
		}
		return chosen != "" && chosen != other
	})

	// The place, typed in pinyin: 北京. The keys stay where they are when
	// the candidates come up.
	k.Tap("field:place")
	before := k.WaitTappable("key:J").Rect
	typePinyin(t, k, "bei", "北")
	if after := k.WaitTappable("key:J").Rect; after != before {
		t.Errorf("the keyboard moved from %+v to %+v when the candidates came up", before, after)
	}
	typePinyin(t, k, "jing", "京")
	k.Tap("apply.done_typing")
	k.WaitTappable("apply.next")

	// The date and the phone number on the keypad: a tap a digit, and the
	// form stays where it is while they are typed.
	typeDigits(t, k, "field:start_date", "20270115") // the dashes come by themselves
	taps := k.Taps
	typeDigits(t, k, "field:phone", "13800138000")
	if n := k.Taps - taps; n != 13 {
		t.Errorf("the 11-digit phone number took %d taps, want 13 (the field, 11 digits, done)", n)
	}
	k.Tap("apply.next")

	photos := photographMaterials(k)
	streaming(k, "the review")
	if photos != 1 {
		t.Errorf("a referral photographed %d materials, want 1 (the referral letter)", photos)
	}
	k.Tap("apply.submit")
	k.WaitScreen("applying", "receipt")
	// The demo's virtual printer shows what it printed over the screen.
	k.Tap("receipt.close")
	k.Wait("the receipt printed", 30*time.Second, func(s inspect.Snapshot) bool { return hasText(s, "凭条已打印") })
	k.Tap("apply.rate_it")

	// 好差评: 不满意, because of the wait, and a call back on the mobile
	// number of the form, offered masked rather than typed again.
	k.WaitScreen("applying", "rating")
	k.Tap("rating.2")
	k.Tap("rating.reason.waiting")
	if tp := k.WaitTappable("rating.use_phone"); !strings.Contains(tp.Label, "138****8000") {
		t.Errorf("the call back offers %q, want the form's number masked", tp.Label)
	}
	k.Tap("rating.use_phone")
	// Taken, it stays masked: whoever stands behind need not read it.
	k.Wait("the call-back number, masked", 10*time.Second, func(s inspect.Snapshot) bool {
		_, offered := s.Find("rating.use_phone")
		return !offered && hasText(s, "138****8000") && !hasText(s, "13800138000")
	})
	k.Tap("rating.send")
	// A finished journey ends the session: the next resident starts in the
	// site's language and standard mode.
	s := k.WaitScreen("home", "")
	if s.Lang != "zh" || s.Elderly {
		t.Errorf("home after a finished journey: language %s, elderly %v; want zh, standard", s.Lang, s.Elderly)
	}
}

// photographMaterials takes a photo of each material the terminal
// photographs, until the review shows, and says how many it took.
func photographMaterials(k *harness.Kiosk) int {
	for photos := 0; ; photos++ {
		s := k.Wait("the materials or the review", 20*time.Second, func(s inspect.Snapshot) bool {
			_, take := s.Find("capture.take")
			return s.Step == "review" || take
		})
		if s.Step == "review" {
			return photos
		}
		streaming(k, "a material's photo", "document")
		k.Tap("capture.take")
		k.Tap("capture.use")
	}
}

// hasText reports whether some visible text contains s.
func hasText(s inspect.Snapshot, sub string) bool {
	for _, txt := range s.Texts {
		if strings.Contains(txt, sub) {
			return true
		}
	}
	return false
}

// typePinyin types the letters of a syllable and picks the character.
func typePinyin(t *testing.T, k *harness.Kiosk, letters, char string) {
	t.Helper()
	for _, c := range strings.ToUpper(letters) {
		k.Tap("key:" + string(c))
	}
	k.Tap("key:" + char)
	k.Wait(char+" typed", 10*time.Second, func(s inspect.Snapshot) bool {
		for _, txt := range s.Texts {
			if strings.Contains(txt, char) && !strings.HasPrefix(txt, "拼音") {
				return true
			}
		}
		return false
	})
}

// typeDigits opens the first empty keypad field (field) and types digits
// into it, then confirms; no key may move while typing.
func typeDigits(t *testing.T, k *harness.Kiosk, field, digits string) {
	t.Helper()
	k.Tap(field)
	first := k.WaitTappable("key:1").Rect
	for i, c := range digits {
		k.Tap("key:" + string(c))
		typed := digits[:i+1]
		s := k.Wait(typed+" typed", 10*time.Second, func(s inspect.Snapshot) bool {
			for _, tp := range s.Tappables {
				if strings.ReplaceAll(tp.Label, "-", "") == typed { // a date's dashes
					return true
				}
			}
			return false
		})
		if r := mustFind(t, s, "key:1").Rect; r != first {
			t.Fatalf("after typing %q the keypad moved from %+v to %+v", typed, first, r)
		}
	}
	k.Tap("key:done")
	k.Wait("the keypad closed", 10*time.Second, func(s inspect.Snapshot) bool {
		_, open := s.Find("key:1")
		return !open
	})
}

func mustFind(t *testing.T, s inspect.Snapshot, id string) inspect.Tappable {
	t.Helper()
	tp, ok := s.Find(id)
	if !ok {
		t.Fatalf("no %s on screen %s %s", id, s.Screen, s.Step)
	}
	return tp
}

// tapService taps the service whose name starts the label, paging the list
// until it shows.
func tapService(t *testing.T, k *harness.Kiosk, name string) {
	t.Helper()
	for page := 0; page < 10; page++ {
		s := k.Snapshot()
		for _, tp := range s.Tappables {
			if strings.HasPrefix(tp.Label, name) {
				k.TapLabel(tp.Label)
				return
			}
		}
		next, ok := s.Find("services.next")
		if !ok || next.Disabled {
			break
		}
		k.Tap("services.next")
		want := fmt.Sprint(page + 2)
		k.Wait("page "+want, 10*time.Second, func(s inspect.Snapshot) bool {
			for _, txt := range s.Texts {
				if strings.Contains(txt, want+" /") {
					return true
				}
			}
			return false
		})
	}
	t.Fatalf("no service %s in the list", name)
}
