package ui

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/assets"
	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
)

func readTranslations(t *testing.T) map[string]map[string]string {
	t.Helper()
	out := make(map[string]map[string]string)
	for _, name := range []string{"kiosk.zh_Hans.json", "kiosk.en.json"} {
		data, err := assets.Translations.ReadFile(assets.TranslationsDir + "/" + name)
		if err != nil {
			t.Fatal(err)
		}
		m := make(map[string]string)
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = m
	}
	return out
}

func TestTranslationsHaveTheSameKeys(t *testing.T) {
	tr := readTranslations(t)
	zh, en := tr["kiosk.zh_Hans.json"], tr["kiosk.en.json"]
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in Chinese but not in English", k)
		}
	}
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("%q is in English but not in Chinese", k)
		}
	}
	for k, v := range zh {
		if strings.Count(v, "{{") != strings.Count(en[k], "{{") {
			t.Errorf("%q: the languages use different placeholders", k)
		}
	}
}

var keyShape = regexp.MustCompile(`^[a-z_]+(\.[a-z_0-9]+)+$`)

// usedKeys returns every translation key the screens can ask for: the
// key-shaped string literals in this package's code, and the keys it builds
// from the tiles, device kinds, states and weekdays.
func usedKeys(t *testing.T) []string {
	t.Helper()
	keys := make(map[string]bool)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			// Any string literal shaped like a key ("card.read"): keys are
			// passed to T directly or kept in a field first.
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && keyShape.MatchString(s) {
					keys[s] = true
				}
			}
			return true
		})
	}
	for _, ht := range homeTiles {
		keys[ht.key], keys[ht.key+".hint"] = true, true
	}
	keys["tile.standard"], keys["tile.standard.hint"] = true, true
	for _, k := range append(slices.Clone(devices.Kinds), devices.CodeScanner, devices.A4Printer) {
		keys["device."+string(k)] = true
	}
	for s := devices.Offline; s <= devices.Busy; s++ {
		keys["state."+s.String()] = true
	}
	for d := range 7 {
		keys[fmt.Sprintf("weekday.%d", d)] = true
	}
	for _, k := range catalog.MessageKeys {
		keys[k] = true
	}
	for _, k := range []string{"ask.choose_type", "ask.choose_topic", "ask.say_something", "ask.too_long"} {
		keys[k] = true // journey.Ask's messages
	}
	for level := 1; level <= 5; level++ {
		keys[fmt.Sprintf("rating.%d", level)] = true
	}
	for _, kind := range []string{"hall", "bank"} {
		keys["staff.called."+kind] = true
	}
	for _, v := range askTopics {
		keys["ask.topic."+v] = true
	}
	for _, v := range askPhrases {
		keys["ask.phrase."+v] = true
	}
	for _, v := range []string{journey.Consultation, journey.Complaint, journey.Suggestion} {
		keys["ask.type."+v] = true
	}
	for _, v := range []string{"queued", "sent", "rejected", "received", "accepted", "processing", "done"} {
		keys["query.state."+v] = true
	}
	for _, p := range []string{printPrinting, printDone, printPaperOut, printFailed, printNoPrinter} {
		keys["receipt."+p] = true
	}
	for _, s := range queueStates {
		keys["maint.state."+string(s)] = true
	}
	for _, r := range ratingReasons {
		keys["rating.reason."+r] = true
	}
	for _, why := range []string{journey.WhyOffline, journey.WhyNoA4, journey.WhyNotMatched, journey.WhyNotIssued,
		journey.WhyIssueFailed, journey.WhyPrinterStuck, journey.WhyPrintFailed, journey.WhyPrintCanceled} {
		keys[why] = true
	}
	for _, k := range troubleKeys {
		keys[k] = true
	}
	keys["trouble.other"] = true
	for _, why := range []string{journey.WhyNoCard, journey.WhyCardExpired, journey.WhyCardDamaged, journey.WhyFull, journey.WhySaveFailed, journey.WhyNoReader} {
		keys[why] = true
	}
	for _, trust := range []string{catalog.TrustIDCard, catalog.TrustShared, catalog.TrustPhoto, catalog.TrustBring, catalog.TrustPledge} {
		keys["guide.trust."+trust] = true
	}
	for _, v := range []facematch.Verdict{facematch.Matched, facematch.NotMatched, facematch.NotCompared, facematch.ByStaff} {
		keys["capture.verdict."+string(v)] = true
	}
	return slices.Sorted(maps.Keys(keys))
}

func TestEveryUsedKeyIsTranslated(t *testing.T) {
	keys := usedKeys(t)
	if len(keys) < 30 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for name, m := range readTranslations(t) {
		for _, k := range keys {
			if strings.TrimSpace(m[k]) == "" {
				t.Errorf("%s has no text for %q", name, k)
			}
		}
	}
}

func TestNoUnusedTranslations(t *testing.T) {
	used := make(map[string]bool)
	for _, k := range usedKeys(t) {
		used[k] = true
	}
	for name, m := range readTranslations(t) {
		for k := range m {
			if !used[k] {
				t.Errorf("%s: %q is never shown", name, k)
			}
		}
	}
}

// The terminal speaks Chinese by default, whatever the machine's locale says.
func TestChineseWhateverTheLocale(t *testing.T) {
	for _, env := range []string{"C", "en_US.UTF-8", "de_DE.UTF-8"} {
		t.Setenv("LANG", env)
		t.Setenv("LC_ALL", env)
		t.Setenv("LANGUAGE", "")
		h := newHarness(t, landscape, "zh")
		if !h.showing("您好，请选择您要办理的业务") {
			t.Errorf("LANG=%s: home is not Chinese: %q", env, h.texts())
		}
	}
	if err := UseLanguage("fr"); err == nil {
		t.Error("UseLanguage accepted a language the terminal lacks")
	}
}
