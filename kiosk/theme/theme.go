// Package theme is the terminal's Fyne theme: a light palette in government
// blue whose every text colour keeps a contrast of at least 4.5:1 with its
// background, the embedded Chinese font, and two sets of sizes — standard and
// elderly (larger text, larger touch targets). It ignores the system's
// light/dark preference: a hall terminal looks the same all day.
package theme

import (
	"image/color"

	"fyne.io/fyne/v2"
	fynetheme "fyne.io/fyne/v2/theme"

	"github.com/yizhan-kiosk/yizhan/assets"
)

// Mode selects the size set.
type Mode int

const (
	Standard Mode = iota
	Elderly
)

// The terminal's own colour names, beside Fyne's.
const (
	ColorHeader         fyne.ThemeColorName = "yizhan.header"
	ColorOnHeader       fyne.ThemeColorName = "yizhan.onHeader"
	ColorStatusBar      fyne.ThemeColorName = "yizhan.statusBar"
	ColorOnStatusBar    fyne.ThemeColorName = "yizhan.onStatusBar"
	ColorStatusAlert    fyne.ThemeColorName = "yizhan.statusAlert" // a device needing attention, on the status bar
	ColorStatusOK       fyne.ThemeColorName = "yizhan.statusOK"    // the dot of a working device
	ColorOnTile         fyne.ThemeColorName = "yizhan.onTile"
	ColorTileApply      fyne.ThemeColorName = "yizhan.tile.apply"
	ColorTileQuery      fyne.ThemeColorName = "yizhan.tile.query"
	ColorTileRate       fyne.ThemeColorName = "yizhan.tile.rate"
	ColorTileComplain   fyne.ThemeColorName = "yizhan.tile.complain"
	ColorTileElderly    fyne.ThemeColorName = "yizhan.tile.elderly"
	ColorTileStaff      fyne.ThemeColorName = "yizhan.tile.staff"
	ColorCard           fyne.ThemeColorName = "yizhan.card"
	ColorCardBorder     fyne.ThemeColorName = "yizhan.cardBorder"
	ColorScrim          fyne.ThemeColorName = "yizhan.scrim" // dims the screen behind a question
	ColorSecondaryLabel fyne.ThemeColorName = "yizhan.secondaryText"
)

// The terminal's own size names, beside Fyne's.
const (
	SizeTitle      fyne.ThemeSizeName = "yizhan.title"      // the header title
	SizeTileTitle  fyne.ThemeSizeName = "yizhan.tileTitle"  // the word on a home tile
	SizeTileHint   fyne.ThemeSizeName = "yizhan.tileHint"   // the line under it
	SizeStatusText fyne.ThemeSizeName = "yizhan.statusText" // the status bar
	SizeTarget     fyne.ThemeSizeName = "yizhan.target"     // the smallest side of anything a resident taps
	SizeTileIcon   fyne.ThemeSizeName = "yizhan.tileIcon"
	SizeCorner     fyne.ThemeSizeName = "yizhan.corner" // corner radius of tiles and cards
)

var palette = map[fyne.ThemeColorName]color.NRGBA{
	fynetheme.ColorNameBackground:          rgb(0xF3F5F8),
	fynetheme.ColorNameForeground:          rgb(0x1B2430),
	fynetheme.ColorNameButton:              rgb(0xDDE3EA),
	fynetheme.ColorNameDisabledButton:      rgb(0xE6E9ED),
	fynetheme.ColorNameDisabled:            rgb(0x56606C),
	fynetheme.ColorNamePrimary:             rgb(0x0B4F9C),
	fynetheme.ColorNameForegroundOnPrimary: rgb(0xFFFFFF),
	fynetheme.ColorNameError:               rgb(0xB3261E),
	fynetheme.ColorNameForegroundOnError:   rgb(0xFFFFFF),
	fynetheme.ColorNameSuccess:             rgb(0x1E6B34),
	fynetheme.ColorNameForegroundOnSuccess: rgb(0xFFFFFF),
	fynetheme.ColorNameWarning:             rgb(0x8A4B00),
	fynetheme.ColorNameForegroundOnWarning: rgb(0xFFFFFF),
	fynetheme.ColorNameHyperlink:           rgb(0x0B4F9C),
	fynetheme.ColorNameInputBackground:     rgb(0xFFFFFF),
	fynetheme.ColorNameInputBorder:         rgb(0x7C8897),
	fynetheme.ColorNamePlaceHolder:         rgb(0x56606C),
	fynetheme.ColorNameMenuBackground:      rgb(0xFFFFFF),
	fynetheme.ColorNameOverlayBackground:   rgb(0xFFFFFF),
	fynetheme.ColorNameHeaderBackground:    rgb(0xE3E8EF),
	fynetheme.ColorNameSeparator:           rgb(0xC9D1DA),
	fynetheme.ColorNameHover:               rgba(0x0B4F9C, 0x1A),
	fynetheme.ColorNamePressed:             rgba(0x0B4F9C, 0x33),
	fynetheme.ColorNameFocus:               rgba(0x0B4F9C, 0x80),
	fynetheme.ColorNameSelection:           rgba(0x0B4F9C, 0x40),
	fynetheme.ColorNameScrollBar:           rgba(0x000000, 0x66),
	fynetheme.ColorNameScrollBarBackground: rgba(0x000000, 0x14),
	fynetheme.ColorNameShadow:              rgba(0x000000, 0x33),

	ColorHeader:         rgb(0x0A3D7A),
	ColorOnHeader:       rgb(0xFFFFFF),
	ColorStatusBar:      rgb(0x1B2430),
	ColorOnStatusBar:    rgb(0xF3F5F8),
	ColorStatusAlert:    rgb(0xFFB4A9),
	ColorStatusOK:       rgb(0x4ADE80),
	ColorOnTile:         rgb(0xFFFFFF),
	ColorTileApply:      rgb(0x0B4F9C),
	ColorTileQuery:      rgb(0x00695C),
	ColorTileRate:       rgb(0x9C4A00),
	ColorTileComplain:   rgb(0x6A3CA8),
	ColorTileElderly:    rgb(0xA1182B),
	ColorTileStaff:      rgb(0x2E6B30),
	ColorCard:           rgb(0xFFFFFF),
	ColorCardBorder:     rgb(0xC9D1DA),
	ColorScrim:          rgba(0x000000, 0x99),
	ColorSecondaryLabel: rgb(0x4A5564),
}

// TextPair is a text colour and the background it is drawn on.
type TextPair struct{ Text, Background fyne.ThemeColorName }

// TextPairs lists every text/background pair the terminal draws. Each must
// keep a contrast of 4.5:1; the tests check it.
var TextPairs = []TextPair{
	{fynetheme.ColorNameForeground, fynetheme.ColorNameBackground},
	{fynetheme.ColorNameForeground, fynetheme.ColorNameButton},
	{fynetheme.ColorNameForeground, fynetheme.ColorNameInputBackground},
	{fynetheme.ColorNameForeground, fynetheme.ColorNameMenuBackground},
	{fynetheme.ColorNameForeground, fynetheme.ColorNameOverlayBackground},
	{fynetheme.ColorNameForeground, fynetheme.ColorNameHeaderBackground},
	{fynetheme.ColorNameDisabled, fynetheme.ColorNameBackground},
	{fynetheme.ColorNameDisabled, fynetheme.ColorNameDisabledButton},
	{fynetheme.ColorNamePlaceHolder, fynetheme.ColorNameInputBackground},
	{fynetheme.ColorNameHyperlink, fynetheme.ColorNameBackground},
	{fynetheme.ColorNameForegroundOnPrimary, fynetheme.ColorNamePrimary},
	{fynetheme.ColorNameForegroundOnError, fynetheme.ColorNameError},
	{fynetheme.ColorNameForegroundOnSuccess, fynetheme.ColorNameSuccess},
	{fynetheme.ColorNameForegroundOnWarning, fynetheme.ColorNameWarning},
	{fynetheme.ColorNameError, fynetheme.ColorNameBackground},
	{ColorOnHeader, ColorHeader},
	{ColorOnStatusBar, ColorStatusBar},
	{ColorStatusAlert, ColorStatusBar},
	{ColorOnTile, ColorTileApply},
	{ColorOnTile, ColorTileQuery},
	{ColorOnTile, ColorTileRate},
	{ColorOnTile, ColorTileComplain},
	{ColorOnTile, ColorTileElderly},
	{ColorOnTile, ColorTileStaff},
	{fynetheme.ColorNameForeground, ColorCard},
	{ColorSecondaryLabel, ColorCard},
	{ColorSecondaryLabel, fynetheme.ColorNameBackground},
}

var standardSizes = map[fyne.ThemeSizeName]float32{
	fynetheme.SizeNameText:               20,
	fynetheme.SizeNameHeadingText:        34,
	fynetheme.SizeNameSubHeadingText:     26,
	fynetheme.SizeNameCaptionText:        16,
	fynetheme.SizeNamePadding:            6,
	fynetheme.SizeNameInnerPadding:       12,
	fynetheme.SizeNameLineSpacing:        6,
	fynetheme.SizeNameInlineIcon:         28,
	fynetheme.SizeNameScrollBar:          24, // wide: touch screens cannot swipe-scroll
	fynetheme.SizeNameScrollBarSmall:     12,
	fynetheme.SizeNameSeparatorThickness: 1,
	fynetheme.SizeNameInputBorder:        2,
	fynetheme.SizeNameInputRadius:        8,
	fynetheme.SizeNameSelectionRadius:    6,
	fynetheme.SizeNameScrollBarRadius:    6,

	SizeTitle:      30,
	SizeTileTitle:  40,
	SizeTileHint:   20,
	SizeStatusText: 18,
	SizeTarget:     56,
	SizeTileIcon:   72,
	SizeCorner:     16,
}

var elderlySizes = map[fyne.ThemeSizeName]float32{
	fynetheme.SizeNameText:               28,
	fynetheme.SizeNameHeadingText:        44,
	fynetheme.SizeNameSubHeadingText:     34,
	fynetheme.SizeNameCaptionText:        22,
	fynetheme.SizeNamePadding:            8,
	fynetheme.SizeNameInnerPadding:       16,
	fynetheme.SizeNameLineSpacing:        8,
	fynetheme.SizeNameInlineIcon:         36,
	fynetheme.SizeNameScrollBar:          32,
	fynetheme.SizeNameScrollBarSmall:     16,
	fynetheme.SizeNameSeparatorThickness: 2,
	fynetheme.SizeNameInputBorder:        3,
	fynetheme.SizeNameInputRadius:        10,
	fynetheme.SizeNameSelectionRadius:    8,
	fynetheme.SizeNameScrollBarRadius:    8,

	SizeTitle:      36,
	SizeTileTitle:  56,
	SizeTileHint:   28,
	SizeStatusText: 22,
	SizeTarget:     72,
	SizeTileIcon:   88,
	SizeCorner:     20,
}

// Theme implements fyne.Theme.
type Theme struct {
	mode          Mode
	sizes         map[fyne.ThemeSizeName]float32
	regular, bold fyne.Resource
}

var (
	fontRegular = fyne.NewStaticResource("NotoSansSC-Subset-Regular.otf", assets.FontRegular)
	fontBold    = fyne.NewStaticResource("NotoSansSC-Subset-Bold.otf", assets.FontBold)
)

// New returns the theme in the given mode.
func New(mode Mode) *Theme {
	t := &Theme{mode: mode, sizes: standardSizes, regular: fontRegular, bold: fontBold}
	if mode == Elderly {
		t.sizes = elderlySizes
	}
	return t
}

// Mode returns the theme's mode.
func (t *Theme) Mode() Mode { return t.mode }

// Color returns the palette colour for n, whatever the variant.
func (t *Theme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	if c, ok := palette[n]; ok {
		return c
	}
	return fynetheme.DefaultTheme().Color(n, fynetheme.VariantLight)
}

// Font returns the embedded Chinese font; bold for bold text, and Fyne's
// own symbol font for its symbols.
func (t *Theme) Font(s fyne.TextStyle) fyne.Resource {
	switch {
	case s.Symbol:
		return fynetheme.DefaultTheme().Font(s)
	case s.Bold:
		return t.bold
	default:
		return t.regular
	}
}

// Icon returns Fyne's icon for n.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource {
	return fynetheme.DefaultTheme().Icon(n)
}

// Size returns the mode's size for n.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	if s, ok := t.sizes[n]; ok {
		return s
	}
	return fynetheme.DefaultTheme().Size(n)
}

func rgb(v uint32) color.NRGBA { return rgba(v, 0xFF) }

func rgba(v uint32, a uint8) color.NRGBA {
	return color.NRGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: a}
}
