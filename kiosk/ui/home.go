package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"

	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// homeTile describes one tile of the home screen.
type homeTile struct {
	screen, icon, key string
	color             fyne.ThemeColorName
}

var homeTiles = []homeTile{
	{screenApply, "apply", "tile.apply", theme.ColorTileApply},
	{screenQuery, "query", "tile.query", theme.ColorTileQuery},
	{screenRate, "rate", "tile.rate", theme.ColorTileRate},
	{screenComplain, "complain", "tile.complain", theme.ColorTileComplain},
	{"", "elderly", "tile.elderly", theme.ColorTileElderly}, // a switch, not a screen
	{screenStaff, "staff", "tile.staff", theme.ColorTileStaff},
}

// homeScreen is the first screen and the last: the greeting, the
// district's announcements and the terminal's notices, and a tile for each
// thing a resident can do. It holds nothing of a resident.
type homeScreen struct {
	kit    *kit
	staff  *staffScreen     // the call for staff, a tile of its own
	notice notice           // a short message under the greeting
	tiles  map[string]*tile // by screen ("" for the elderly switch)
	top    *fyne.Container  // the greeting and the banners
	layout *homeLayout      // places top over the tiles
}

// wipe has nothing to forget: the notices are the terminal's.
func (s *homeScreen) wipe() {}

// content is the greeting over a tile for each thing a resident can do.
func (s *homeScreen) content(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	s.tiles = make(map[string]*tile)
	var tiles []fyne.CanvasObject
	for _, ht := range homeTiles {
		key := ht.key
		if ht.screen == "" && t.sess.Elderly() {
			key = "tile.standard"
		}
		var onTap func()
		if ht.screen == "" {
			onTap = t.input(t.switchElderly)
		} else {
			screen := ht.screen
			onTap = t.input(func() {
				if screen == screenStaff {
					s.staff.call()
					return
				}
				t.show(screen)
			})
		}
		tl := newTile(ht.icon, T(key), T(key+".hint"), ht.color, onTap)
		tl.id = key
		s.tiles[ht.screen] = tl
		tiles = append(tiles, tl)
	}
	p := th.Size(fynetheme.SizeNamePadding)
	grid := container.New(tileGrid{gap: 4 * p}, tiles...)
	s.top = container.NewVBox()
	s.layout = &homeLayout{gap: p}
	s.fillTop(th)
	return container.New(layout.NewCustomPaddedLayout(4*p, 4*p, 6*p, 6*p), container.New(s.layout, s.top, grid))
}

// fillTop fills the home screen's top — the greeting, then the hint or
// the banners — in place: when a notice ends, the tiles stay the same
// objects, so a tap pressed on one as the notice goes still lands.
func (s *homeScreen) fillTop(th fyne.Theme) {
	t := s.kit
	if s.top == nil {
		return // not built yet
	}
	greeting := text(th, T("home.greeting"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)
	hint := text(th, T("home.hint"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false)
	var banners []fyne.CanvasObject
	now := t.opt.Now()
	for _, a := range t.opt.District.Announcements {
		if now.Before(a.Until) {
			msg := a.ZH
			if t.sess.Lang() == "en" && a.EN != "" {
				msg = a.EN
			}
			banners = append(banners, banner(th, msg, fynetheme.ColorNameWarning))
		}
	}
	if !t.inServiceHours() {
		banners = append(banners, banner(th, T("home.out_of_hours", map[string]any{"Hours": t.opt.District.ServiceHours}), fynetheme.ColorNameWarning))
	}
	if s.notice.key != "" && now.Before(s.notice.until) {
		banners = append(banners, banner(th, T(s.notice.key, s.notice.args), s.notice.kind))
	}
	// A banner takes the hint's line: the tiles keep their room.
	objs := []fyne.CanvasObject{greeting}
	s.layout.hint = nil
	if len(banners) == 0 {
		objs = append(objs, hint)
		s.layout.hint = hint
	}
	objs = append(objs, banners...)
	objs = append(objs, spacer(th))
	s.top.Objects = objs
	s.top.Refresh()
}
