package ui

import (
	"fmt"
	"os"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/yizhan-kiosk/yizhan/assets"
)

// Languages the terminal speaks, by the code used in the configuration.
var languages = map[string]struct {
	env    string      // what LANGUAGE and LC_ALL are set to
	locale fyne.Locale // the translation file's locale
}{
	"zh": {env: "zh_CN.UTF-8", locale: "zh-Hans"},
	"en": {env: "en_US.UTF-8", locale: "en"},
}

var loadTranslations sync.Once

// UseLanguage loads the embedded translations (once) and makes code ("zh"
// or "en") the language of every string from then on, whatever the
// machine's LANG says. Screens built before the call keep their old strings:
// the caller rebuilds them.
//
// Fyne picks its language from the environment and has no call to change it
// at run time; it re-reads the environment whenever translations are added,
// so this sets the environment and adds an empty translation.
func UseLanguage(code string) error {
	l, ok := languages[code]
	if !ok {
		return fmt.Errorf("ui: unknown language %q", code)
	}
	var err error
	loadTranslations.Do(func() {
		err = lang.AddTranslationsFS(assets.Translations, assets.TranslationsDir)
	})
	if err != nil {
		return fmt.Errorf("ui: load translations: %w", err)
	}
	for _, v := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		if err := os.Setenv(v, l.env); err != nil {
			return fmt.Errorf("ui: set %s: %w", v, err)
		}
	}
	if err := lang.AddTranslationsForLocale([]byte("{}"), l.locale); err != nil {
		return fmt.Errorf("ui: select %s: %w", code, err)
	}
	return nil
}

// T returns the translation of key in the current language; data fills
// {{.Field}} placeholders.
func T(key string, data ...any) string { return lang.L(key, data...) }
