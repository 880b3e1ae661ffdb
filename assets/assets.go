// Package assets holds what the terminal embeds in its binary: the Chinese
// font, the translations, the icons and the default service catalog. Nothing here depends on Fyne; the
// screens wrap these bytes in their own resource types.
package assets

import (
	"embed"
	_ "embed"
)

// FontRegular and FontBold are the Simplified Chinese face of Noto Sans CJK,
// subset to GBK, CJK Extension A, Latin and punctuation by
// fonts/build-subset.sh. The licence is fonts/OFL.txt.
var (
	//go:embed fonts/NotoSansSC-Subset-Regular.otf
	FontRegular []byte
	//go:embed fonts/NotoSansSC-Subset-Bold.otf
	FontBold []byte
)

// Translations holds the go-i18n JSON files, one per language, in the folder
// TranslationsDir: kiosk.zh_Hans.json (the default) and kiosk.en.json.
//
//go:embed i18n/*.json
var Translations embed.FS

// TranslationsDir is the folder of Translations that holds the files.
const TranslationsDir = "i18n"

// Icons holds the terminal's own SVG icons, drawn for large tiles.
//
//go:embed icons/*.svg
var Icons embed.FS

// Catalog is the default service catalog, catalog/catalog.json: sample
// content the terminal offers until its district sends a signed catalog of
// its own. kiosk/catalog parses it; docs/catalog.md describes the format.
//
//go:embed catalog/catalog.json
var Catalog []byte

// Icon returns the SVG source of the named icon ("apply", "query", ...).
func Icon(name string) ([]byte, error) {
	return Icons.ReadFile("icons/" + name + ".svg")
}
