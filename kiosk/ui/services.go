package ui

import (
	"fmt"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
)

// screenGuide is one service's guide; the service list is screenApply.
const screenGuide = "guide"

// browse is the service list's state in this session: the category shown,
// the pinyin letters typed, the page, and the service whose guide is open.
// servicesScreen is 我要办理: the list of services (most used, by
// category, or found by pinyin initials), a page at a time, and a
// service's guide (办事指南), from which its application starts.
type servicesScreen struct {
	kit   *kit
	apply *applyScreen // where a guide's start leads
	browse
}

func (s *servicesScreen) content(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	switch {
	case t.sess.Screen() == screenGuide:
		return s.guide(th)
	case !t.inServiceHours():
		return t.message(th, T("home.out_of_hours", map[string]any{"Hours": t.opt.District.ServiceHours}))
	case t.opt.Catalog == nil:
		return t.placeholder(th, screenApply)
	}
	return s.list(th)
}

// wipe forgets what the resident looked for and chose.
func (s *servicesScreen) wipe() { s.browse = browse{} }

// browse is where the resident is in the list, and the service chosen.
type browse struct {
	category string
	letters  string
	keypad   bool
	page     int
	service  *catalog.Service
}

// perPage is how many services a page of the list shows: fewer, larger
// choices in elderly mode and on a portrait screen.
func (s *servicesScreen) perPage() int {
	t := s.kit
	n := 6
	if t.sess.Elderly() {
		n = 4
		// Elderly sizes on a landscape panel leave room for two rows of
		// services under the categories: a page is what shows without
		// scrolling.
		if !t.portrait() && t.win.Canvas().Size().Height < 1200 {
			n = 2
		}
	}
	if s.keypad {
		n /= 2 // the keypad takes the room of half the list
	}
	return n
}

// portrait reports a screen taller than wide: one column of services.
func (t *kit) portrait() bool {
	s := t.win.Canvas().Size()
	return s.Height > s.Width
}

// listed are the services the list shows now: those found by the letters
// typed, or the category's, or the most used (elderly-first services first
// in elderly mode).
func (s *servicesScreen) listed() []*catalog.Service {
	t := s.kit
	c := t.opt.Catalog
	switch {
	case c == nil:
		return nil
	case s.letters != "":
		return c.Search(s.letters)
	case s.category != "":
		return c.InCategory(s.category)
	case t.sess.Elderly():
		return c.ElderlyFirst(len(c.Services))
	}
	return c.MostUsed(len(c.Services))
}

// list is the service list: categories, the search by pinyin
// initials on a letter keypad, and the services as large buttons, paged
// with buttons (no swiping).
func (s *servicesScreen) list(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	lang := t.sess.Lang()
	p := th.Size(fynetheme.SizeNamePadding)
	title := text(th, T("services.title"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)

	// Categories as a row of buttons; "常用" (most used) first.
	cats := []fyne.CanvasObject{t.chip(th, T("services.most_used"), s.category == "" && s.letters == "", func() {
		s.browse = browse{}
	})}
	if t.opt.Catalog != nil {
		for _, c := range t.opt.Catalog.Categories() {
			id := c.ID
			cats = append(cats, t.chip(th, c.Name.In(lang), s.category == id && s.letters == "", func() {
				s.browse = browse{category: id}
			}))
		}
	}
	search := widget.NewButtonWithIcon(T("services.search"), fynetheme.SearchIcon(), t.input(func() {
		s.keypad = !s.keypad
		t.refresh()
	}))
	// The rows' height depends on the width: start from the screen's.
	inner := t.win.Canvas().Size().Width - 12*p
	top := container.NewVBox(title, container.New(&flowLayout{gap: 2 * p, width: inner}, append(cats, bigButton(th, search))...))
	if s.keypad {
		top.Add(s.letterPad(th))
	}

	list := s.listed()
	pages := max(1, (len(list)+s.perPage()-1)/s.perPage())
	s.page = min(s.page, pages-1)
	from := s.page * s.perPage()
	shown := list[from:min(len(list), from+s.perPage())]
	var items []fyne.CanvasObject
	for _, svc := range shown {
		items = append(items, s.serviceButton(th, svc))
	}
	if len(items) == 0 {
		items = append(items, text(th, T("services.none"), fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, false))
	}
	cols := 2
	if t.sess.Elderly() || t.portrait() {
		cols = 1
	}
	grid := container.NewGridWithColumns(cols, items...)

	prev := widget.NewButton(T("services.prev"), t.input(func() { s.page--; t.refresh() }))
	next := widget.NewButton(T("services.next"), t.input(func() { s.page++; t.refresh() }))
	if s.page == 0 {
		prev.Disable()
	}
	if s.page >= pages-1 {
		next.Disable()
	}
	pageNo := text(th, T("services.page", map[string]any{"Page": s.page + 1, "Pages": pages}), fynetheme.SizeNameText, fynetheme.ColorNameForeground, false)
	// Paging joins home and staff on one row where it fits (a landscape
	// panel: the services keep the height); on a portrait screen it has a
	// row of its own. Both stay in sight; the categories, the keypad and
	// the page of services scroll between them and the header when the
	// screen is too short for all of them.
	var bottom fyne.CanvasObject
	if t.portrait() {
		bottom = container.NewVBox(
			container.NewGridWithColumns(3, bigButton(th, prev), container.NewCenter(pageNo), bigButton(th, next)),
			t.navRow(th))
	} else {
		bottom = t.navRow(th, smallButton(th, prev), container.NewCenter(pageNo), smallButton(th, next))
	}
	return container.New(layout.NewCustomPaddedLayout(4*p, 4*p, 6*p, 6*p),
		container.NewBorder(nil, container.NewVBox(spacer(th), bottom), nil, nil,
			vscroll(container.NewVBox(top, spacer(th), grid))))
}

// navRow is the foot of a screen: the way home and the call for staff,
// and the screen's own actions (its main one last). On one row when the
// screen is wide enough for all of them — home and staff at the left, the
// actions sharing the rest — otherwise the actions on a row above.
func (t *kit) navRow(th fyne.Theme, actions ...fyne.CanvasObject) fyne.CanvasObject {
	t.homeBtn = widget.NewButtonWithIcon(T("nav.home"), fynetheme.HomeIcon(), t.input(t.goHome))
	nav := []fyne.CanvasObject{bigButton(th, t.homeBtn)}
	if t.sess.Screen() != screenStaff {
		staff := widget.NewButton(T("tile.staff"), t.input(t.callStaff))
		if j := t.applying(); j != nil && j.Step() == journey.StaffHelp && t.sess.Screen() == screenApplying {
			staff.Importance = widget.HighImportance // what the resident should do now
		}
		nav = append(nav, bigButton(th, staff))
	}
	if len(actions) == 0 {
		return container.NewHBox(append(nav[:1:1], append([]fyne.CanvasObject{layout.NewSpacer()}, nav[1:]...)...)...)
	}
	p := th.Size(fynetheme.SizeNamePadding)
	need := float32(0)
	for _, o := range append(append([]fyne.CanvasObject{}, nav...), actions...) {
		need += o.MinSize().Width + 2*p
	}
	if need <= t.win.Canvas().Size().Width-8*p {
		return container.NewBorder(nil, nil, container.NewHBox(nav...), nil, container.NewGridWithColumns(len(actions), actions...))
	}
	bottom := container.NewHBox(nav[0])
	if len(nav) > 1 {
		bottom.Add(layout.NewSpacer())
		bottom.Add(nav[1])
	}
	return container.NewVBox(container.NewGridWithColumns(len(actions), actions...), bottom)
}

// chip is a category button; the chosen one stands out.
func (t *kit) chip(th fyne.Theme, label string, on bool, choose func()) fyne.CanvasObject {
	b := widget.NewButton(label, t.input(func() {
		choose()
		t.refresh()
	}))
	if on {
		b.Importance = widget.HighImportance
	}
	// As wide as its words, not a big button's four targets: the
	// categories take two rows rather than three on a small panel, and
	// the services under them come into sight.
	return smallButton(th, b)
}

// serviceButton is one service in the list: its name, and how far it can
// be done here.
func (s *servicesScreen) serviceButton(th fyne.Theme, svc *catalog.Service) fyne.CanvasObject {
	t := s.kit
	lang := t.sess.Lang()
	label := svc.Name.In(lang)
	if svc.Immediate {
		label += " · " + T("services.immediate")
	}
	b := widget.NewButton(label, t.input(func() {
		s.service = svc
		t.show(screenGuide)
	}))
	b.Alignment = widget.ButtonAlignLeading
	target := th.Size(theme.SizeTarget)
	return container.New(atLeast{min: fyne.NewSize(6*target, 1.4*target)}, b)
}

// letterPad is the on-screen keypad of the pinyin initials' letters, large
// and in alphabetical rows (residents type few letters: "ylj").
func (s *servicesScreen) letterPad(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	typed := T("services.letters", map[string]any{"Letters": strings.ToUpper(s.letters)})
	if s.letters == "" {
		typed = T("services.letters_hint")
	}
	var keys []string
	for c := 'a'; c <= 'z'; c++ {
		keys = append(keys, string(c))
	}
	pad := t.keypad(th, keypad{keys: append(keys, keyBackspace), label: strings.ToUpper, max: 12,
		get: func() string { return s.letters }, set: func(v string) { s.letters = v },
		changed: func() bool { s.page, s.category = 0, ""; return false }, // the list follows
		after:   []fyne.CanvasObject{t.namedKey(th, "key:clear", T("services.clear"), func() { s.letters = "" })}})
	return newCard(th, container.NewVBox(
		text(th, typed, fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true), pad))
}

// namedKey is a key whose label is a word of the language: name stays.
// The screen is refreshed after press.
func (t *kit) namedKey(th fyne.Theme, name, label string, press func()) fyne.CanvasObject {
	return t.keyShown(th, name, label, func() bool { press(); return false })
}

// keyShown is a key whose press reports whether it showed what it
// changed in place; if not, the screen is refreshed.
func (t *kit) keyShown(th fyne.Theme, name, label string, press func() (shown bool)) fyne.CanvasObject {
	b := widget.NewButton(label, t.input(func() {
		if !press() {
			t.refresh()
		}
	}))
	t.name(b, name)
	target := th.Size(theme.SizeTarget)
	slack := 2 * (th.Size(fynetheme.SizeNameInnerPadding) - th.Size(fynetheme.SizeNamePadding))
	return container.New(atLeast{min: fyne.NewSize(target, target), slack: slack}, b)
}

// guideScreen is a service's guide (办事指南), every part of it in short
// sentences and large text: what it is, whether the resident must go to a
// counter, who can, what to bring and how each thing is given, the steps,
// what they get and how, how long it takes, what it costs, who handles
// it, where to ask and to complain, and the rules it rests on.
func (s *servicesScreen) guide(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	svc := s.service
	if svc == nil {
		return s.list(th)
	}
	t.sess.SetPatience(journey.Guide.Patience()) // a guide takes reading
	lang := t.sess.Lang()
	p := th.Size(fynetheme.SizeNamePadding)
	heading := func(key string) fyne.CanvasObject {
		return text(th, T(key), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true)
	}
	name := widget.NewLabel(svc.Name.In(lang))
	name.Wrapping, name.SizeName, name.TextStyle.Bold = fyne.TextWrapWord, fynetheme.SizeNameHeadingText, true
	visits := guidePara(guideVisits(svc.Visits))
	visits.TextStyle.Bold = true
	body := container.NewVBox(name, guidePara(svc.Description.In(lang)), visits, heading("guide.conditions"))
	for _, c := range svc.Conditions {
		body.Add(guidePara("· " + c.In(lang)))
	}
	body.Add(heading("guide.materials"))
	for _, m := range svc.Materials {
		body.Add(guidePara(guideMaterial(m, lang)))
	}
	body.Add(heading("guide.steps"))
	for i, step := range svc.Steps {
		body.Add(guidePara(fmt.Sprintf("%d. %s", i+1, step.In(lang))))
	}
	body.Add(heading("guide.result"))
	body.Add(guidePara(svc.Result.In(lang)))
	body.Add(heading("guide.facts"))
	limit := T("guide.immediate")
	if !svc.Immediate {
		limit = T("guide.days", map[string]any{"Committed": svc.CommittedDays, "Legal": svc.LegalDays})
	}
	fee := T("guide.free")
	if svc.FeeYuan > 0 {
		fee = T("guide.fee", map[string]any{"Yuan": svc.FeeYuan})
		if basis := svc.FeeBasis.In(lang); basis != "" {
			fee += T("guide.fee_basis", map[string]any{"Basis": basis})
		}
	}
	facts := []string{
		T("guide.limit") + limit,
		T("guide.fee_label") + fee,
		T("guide.department") + svc.Department.In(lang),
		T("guide.phone") + svc.Phones.Consult,
	}
	if svc.Phones.Complaint != "" {
		facts = append(facts, T("guide.complaint_phone")+svc.Phones.Complaint)
	}
	for _, line := range facts {
		body.Add(guidePara(line))
	}
	body.Add(heading("guide.legal_basis"))
	for _, b := range svc.LegalBasis {
		body.Add(guidePara("· " + b.In(lang)))
	}
	if t.opt.Catalog != nil && t.opt.Catalog.Sample {
		note := widget.NewLabel(t.opt.Catalog.Note.In(lang))
		note.Wrapping, note.SizeName = fyne.TextWrapWord, fynetheme.SizeNameCaptionText
		body.Add(note)
	}
	back := widget.NewButtonWithIcon(T("guide.back"), fynetheme.NavigateBackIcon(), t.input(func() {
		s.service = nil
		t.show(screenApply)
	}))
	start := widget.NewButton(T("guide.start"), t.input(func() { s.startApply(svc) }))
	start.Importance = widget.HighImportance
	if t.opt.ApplyDeps == nil {
		start.Disable()
	}
	bottom := container.NewVBox(container.NewGridWithColumns(2, bigButton(th, back), bigButton(th, start)), t.navRow(th))
	return container.New(layout.NewCustomPaddedLayout(4*p, 4*p, 6*p, 6*p),
		container.NewBorder(nil, container.NewVBox(spacer(th), bottom), nil, nil, vscroll(body)))
}

// guidePara is a paragraph of a guide, wrapped to the width it is given:
// Chinese, which has no spaces between words, at any character.
func guidePara(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Wrapping = fyne.TextWrapWord
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		l.Wrapping = fyne.TextWrapBreak
	}
	return l
}

// guideVisits says in plain words how often the resident must go to a
// counter: the catalog's processing depth (网办深度) means nothing to them.
func guideVisits(visits int) string {
	switch visits {
	case 0:
		return T("guide.visits_none")
	case 1:
		return T("guide.visits_once")
	}
	return T("guide.visits_many", map[string]any{"Visits": visits})
}

// guideMaterial is one material of the list: what, how many, and how it
// is given here; then in which case it is needed and what to know.
func guideMaterial(m catalog.Material, lang string) string {
	how := T("guide.trust." + m.Trust)
	switch {
	case m.Trust == catalog.TrustBring && m.Presented == catalog.Copy:
		how = T("guide.trust.bring_copy")
	case m.Trust == catalog.TrustPhoto && m.Presented == catalog.Copy:
		how = T("guide.trust.photo_copy")
	}
	line := fmt.Sprintf("· %s × %d%s%s", m.Name.In(lang), m.Count, T("punct.colon"), how)
	if lang == "en" {
		line = fmt.Sprintf("· %s × %d: %s", m.Name.In(lang), m.Count, how)
	}
	var more []string
	if when := m.When.In(lang); when != "" {
		more = append(more, T("guide.when", map[string]any{"When": when}))
	}
	if note := m.Note.In(lang); note != "" {
		more = append(more, note)
	}
	if len(more) > 0 {
		sep := "；"
		if lang == "en" {
			sep = "; "
		}
		line += "\n   " + strings.Join(more, sep)
	}
	return line
}

// startApply begins the apply journey for the chosen service.
func (s *servicesScreen) startApply(svc *catalog.Service) {
	if s.kit.opt.ApplyDeps != nil {
		s.apply.begin(svc)
	}
}
