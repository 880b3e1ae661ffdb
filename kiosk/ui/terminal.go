// Package ui is the terminal's screens in Fyne: the frame (Terminal: header,
// status bar, idle countdown), the home screen and the screens behind its
// tiles, each a type that owns its part of the resident's session (screen)
// and its widgets, which it changes in place while it is shown. A screen
// builds with a kit and reaches the frame only through the kit's host:
// refresh, show, go home, save, tell. It renders what the session and the
// device registry say and sends them the resident's input; it never talks
// to a device directly. Everything here runs on Fyne's goroutine: other
// goroutines reach it through fyne.Do.
package ui

import (
	"context"
	"image"
	"image/color"
	"log/slog"
	"maps"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/display"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/maintenance"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Options is what the terminal's screens need from the rest of the program.
type Options struct {
	Config  config.Config
	Demo    bool              // show the demo badge
	Devices *devices.Registry // read on DevicesChanged
	Link    func() LinkStatus // nil when no district link is configured: shown offline
	Now     func() time.Time  // the clock; time.Now in the terminal
	Log     *slog.Logger
	// PlaceSampleCard puts a sample card on the simulated reader (demo
	// mode only; nil otherwise). The demo shows a button and F2 for it.
	PlaceSampleCard func()
	// PrintSample prints a sample receipt on the virtual printer and
	// returns its picture (demo mode only; nil otherwise). It is called
	// off Fyne's goroutine; the demo shows a button and F3 for it.
	PrintSample func() (image.Image, error)
	// SubmitSample queues a sample application in the outbox and returns
	// its receipt number (demo mode only; nil otherwise). It is called off
	// Fyne's goroutine; the demo shows a button and F4 for it.
	SubmitSample func() (receipt string, err error)
	// ScanSample holds the newest receipt this terminal printed to the
	// simulated code scanner (demo mode only; nil otherwise): its code
	// comes back through the real driver to CodeScanned. It is called off
	// Fyne's goroutine; the demo shows a button and F6 for it.
	ScanSample func() error
	// Catalog is the service catalog the service list shows; nil shows the
	// placeholder.
	Catalog *catalog.Catalog
	// District is what the district last set for its terminals: service
	// hours and announcements (the zero value when none came yet).
	District protocol.TerminalConfig
	// MyApplications lists a card's applications on this terminal with
	// their latest state; nil turns the query screen's list off.
	MyApplications func(idNumber string) ([]journey.Progress, error)
	// ApplyDeps is what the apply journey needs (the outbox, cameras,
	// matcher); nil turns the guide's start button off.
	ApplyDeps *journey.Deps
	// PrintReceipt prints a receipt and returns its picture (the virtual
	// printer's) or nil; it is called off Fyne's goroutine. Nil: receipts
	// are shown as a QR code on screen only.
	PrintReceipt func(printer.Receipt) (image.Image, error)
	// Cameras are the face and document cameras for the photo steps; in
	// demo mode a button and F5 try them.
	Cameras Cameras
	// Maintenance is the technician's maintenance mode; nil: none.
	Maintenance *Maintenance
	// Delivered reports whether the district has acknowledged the outbox
	// record with this id (an application, a staff call); nil: never (no
	// link). A quick read of the local store.
	Delivered func(recordID string) bool
	// Wake asks for a Tick soon: the screen changed, and what it shows
	// may count in seconds now. It must not block; nil: not needed.
	Wake func()
	// Speak plays a spoken prompt by its id (kiosk/voice); it must not
	// block. Nil: the terminal has no voice, and no 🔊 button.
	Speak func(id string)
	// Voice says when prompts play by themselves.
	Voice voice.Policy
	// LookUpReceipt finds the application of a receipt's QR code held to
	// the code scanner (journey.ReceiptLookup); nil: scans open nothing.
	// It is called off Fyne's goroutine.
	LookUpReceipt func(ctx context.Context, scanned string) (journey.Progress, error)
}

// The screens behind the home tiles.
const (
	screenApply    = "apply"
	screenQuery    = "query"
	screenRate     = "rate"
	screenComplain = "complain"
	screenStaff    = "staff"
)

// Terminal is the window's content and the resident's session.
type Terminal struct {
	app  fyne.App
	win  fyne.Window
	opt  Options
	sess *session.Session
	th   *theme.Theme

	status      *statusBar
	countdown   *countdown
	langBtn     *widget.Button
	demoCard    *widget.Button
	demoPrint   *widget.Button
	demoSubmit  *widget.Button
	demoCapture *widget.Button
	// demoFold is whether the demo's strip of actions shows: by the
	// panel's height (demoAuto), or as the demonstrator chose.
	demoFold demoFold
	strip    fyne.CanvasObject // the strip as last built; nil without demo actions
	overlay  *fyne.Container   // holds the receipt view while it is shown
	body     *container.Scroll // the screen between the header and the status bar
	shown    string            // where the body was built for (where)
	touches  int               // the resident's touches so far, for Inspect
	saves    saves             // the outbox writes in line (save)
	// kit is what the screens build with and reach the frame through.
	kit *kit
	// frameNames are the names in the header and the demo's strip, made
	// anew with the frame; the kit's names start from them with each
	// screen.
	frameNames map[fyne.CanvasObject]string
	// offsets are the scroll positions of each screen of this session,
	// by where; forgotten when the session goes home.
	offsets    map[string][]fyne.Position
	printing   bool
	submitting bool
	// spoken are the prompts asked for lately, oldest first (Inspect).
	spoken []string
	// offUI runs slow work (printing, fsyncing) off Fyne's goroutine;
	// its result comes back through toUI. Tests run it in place.
	offUI func(func())
	// toUI runs a change of the screen on Fyne's goroutine: fyne.Do, or
	// in tests a queue the test goroutine runs.
	toUI func(func())

	// screens are the screens by the names the session shows them by;
	// staff is one of them, which every screen offers.
	screens  map[string]screen
	home     *homeScreen
	staff    *staffScreen
	query    *queryScreen
	ask      *askScreen
	services *servicesScreen
	capture  *captureScreen
	apply    *applyScreen
	maint    *maintenanceScreen
}

// notice is a message shown on the home screen for a while.
type notice struct {
	key   string
	args  map[string]any
	kind  fyne.ThemeColorName // the banner's colour: success or warning
	until time.Time
}

// New builds the terminal's home screen in win, in the configured language.
func New(app fyne.App, win fyne.Window, opt Options) (*Terminal, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Devices == nil {
		opt.Devices = devices.NewRegistry()
	}
	c := opt.Config
	t := &Terminal{
		app: app, win: win, opt: opt,
		offUI: func(f func()) { go f() },
		toUI:  fyne.Do,
		sess: session.New(session.Timing{
			Timeout:        c.Idle.Timeout.Duration,
			ElderlyTimeout: c.Idle.ElderlyTimeout.Duration,
			Countdown:      c.Idle.Countdown.Duration,
		}, c.Language, opt.Now()),
	}
	if err := UseLanguage(c.Language); err != nil {
		return nil, err
	}
	k := &kit{host: t, opt: &t.opt, sess: t.sess, win: win}
	t.kit = k
	t.staff = &staffScreen{kit: k}
	t.home = &homeScreen{kit: k, staff: t.staff}
	t.query = &queryScreen{kit: k}
	t.ask = &askScreen{kit: k}
	t.capture = &captureScreen{kit: k}
	t.apply = &applyScreen{kit: k, capture: t.capture}
	t.capture.apply = t.apply
	t.services = &servicesScreen{kit: k, apply: t.apply}
	t.maint = &maintenanceScreen{kit: k}
	k.applying = func() *journey.Apply { return t.apply.j }
	k.callStaff = t.staff.call
	t.screens = map[string]screen{
		session.Home:       t.home,
		screenStaff:        t.staff,
		screenQuery:        t.query,
		screenRate:         t.query,
		screenComplain:     t.ask,
		screenApply:        t.services,
		screenGuide:        t.services,
		screenCapture:      t.capture,
		screenApplying:     t.apply,
		screenPIN:          t.maint,
		screenMaintenance:  t.maint,
		screenOutOfService: t.maint,
	}
	win.SetPadded(false) // the header and status bar run to the screen's edges
	win.Canvas().SetOnTypedKey(func(ev *fyne.KeyEvent) {
		switch {
		case ev.Name == fyne.KeyF2 && t.opt.PlaceSampleCard != nil:
			t.opt.PlaceSampleCard()
		case ev.Name == fyne.KeyF3 && t.opt.PrintSample != nil:
			t.printSample()
		case ev.Name == fyne.KeyF4 && t.opt.SubmitSample != nil:
			t.submitSample()
		case ev.Name == fyne.KeyF6 && t.opt.ScanSample != nil:
			t.scanSample()
		case ev.Name == fyne.KeyF5 && t.opt.Demo && t.sess.Screen() == session.Home:
			t.capture.startDemo()
		}
	})
	t.applyTheme()
	t.rebuild()
	return t, nil
}

// applyTheme sets the theme for the session's mode.
func (t *Terminal) applyTheme() {
	mode := theme.Standard
	if t.sess.Elderly() {
		mode = theme.Elderly
	}
	if t.th == nil || t.th.Mode() != mode {
		t.th = theme.New(mode)
		t.app.Settings().SetTheme(t.th)
	}
}

// rebuild makes the whole window anew — the header, the demo's strip, the
// status bar and the screen: after a change of language or mode every
// string and size changes. Any other change is refresh's.
func (t *Terminal) rebuild() {
	t.kit.names = make(map[fyne.CanvasObject]string)
	th := t.th
	header := t.header(th)
	var frame *fyne.Container
	t.status = newStatusBar(th, t.opt.Config.TerminalID, t.opt.Config.DeviceKinds(), func() { frame.Refresh() })
	tops := []fyne.CanvasObject{header}
	t.strip = t.demoStrip()
	if t.strip != nil {
		tops = append(tops, t.strip)
	}
	t.frameNames = t.kit.names
	// Every screen keeps its long parts in scroll regions of its own and
	// fits the window; should one not, the whole body scrolls rather than
	// ask for a window larger than the screen (the journey harness fails
	// such a screen: Inspect reports it).
	old := t.body
	t.body = container.NewVScroll(layout.NewSpacer())
	frame = container.New(frameLayout{strip: t.strip, stripShown: t.demoShown}, append(tops,
		container.NewStack(newTouchCatcher(t.touched), t.body, newDragLayer(t.body)), t.status.bar)...)
	t.countdown = newCountdown(th, t.touched, t.repaint)
	t.overlay = container.NewStack()
	hidden := container.New(cornerLayout{}, newCorner(func(at fyne.Position) { t.maint.cornerTapped(at.X, at.Y) }))
	t.win.SetContent(container.NewStack(frame, t.overlay, t.countdown.root, hidden))
	t.fill(old)
	t.DevicesChanged()
	t.refreshStatus(t.opt.Now())
}

// refresh shows the screen as the session now stands in the frame as it
// is: the header, the status bar, the countdown and whatever covers the
// screen stay; only the body between the header and the status bar is
// made anew, scrolled to where the resident left it.
func (t *Terminal) refresh() {
	if t.body == nil {
		t.rebuild()
		return
	}
	t.fill(t.body)
}

// repaint marks the window for drawing. Fyne draws a window only when
// something in it was refreshed that it had drawn before; a new screen put
// in the body, or an overlay shown, is not that when no tap refreshed a
// button along with it (a card read, a corner gesture, the idle
// countdown), and a terminal at rest would go on showing the old.
func (t *Terminal) repaint(o fyne.CanvasObject) {
	if c := t.win.Canvas(); c != nil {
		c.Refresh(o)
	}
}

// fill puts the session's screen into the body, keeping the scroll
// positions of the screen that was shown in was (the body before a
// rebuild, or the body itself) and going back to those of the screen now
// shown: a tap that changes one thing must not move the screen under the
// resident's finger.
func (t *Terminal) fill(was *container.Scroll) {
	t.capture.stopPreview()
	if was != nil && was.Content != nil {
		if t.offsets == nil {
			t.offsets = make(map[string][]fyne.Position)
		}
		t.offsets[t.shown] = scrollOffsets(was, nil)
	}
	if w := t.where(); w != t.shown {
		t.shown = w
		t.overlay.RemoveAll() // a receipt's picture belongs to the screen it was printed on
		t.wake()
		t.say(promptOf(w), false)
	}
	t.kit.names = maps.Clone(t.frameNames)
	t.body.Content = t.screenBody(t.th, t.sess.Screen())
	t.body.Offset = fyne.Position{}
	t.body.Refresh()
	t.repaint(t.body)
	if kept := t.offsets[t.shown]; kept != nil {
		restoreOffsets(t.body, kept)
	}
	if t.kit.reveal != nil {
		revealIn(t.body, t.kit.reveal)
		t.kit.reveal = nil
	}
}

func (t *Terminal) header(th fyne.Theme) fyne.CanvasObject {
	c := t.opt.Config
	name, site := c.District, c.Site
	if t.sess.Lang() == "en" {
		name, site = or(c.DistrictEN, name), or(c.SiteEN, site)
	}
	district := text(th, name, theme.SizeTitle, theme.ColorOnHeader, true)
	sub := T("app.title")
	if site != "" {
		sub += " · " + site
	}
	left := container.NewVBox(district, text(th, sub, fynetheme.SizeNameText, theme.ColorOnHeader, false))

	var right []fyne.CanvasObject
	switch {
	case t.opt.Demo && t.hasDemoActions():
		// The demonstrator shows or hides the strip of demo actions.
		b := widget.NewButton(T("app.demo")+" ▾", t.input(t.toggleDemoStrip))
		b.Importance = widget.WarningImportance
		t.kit.name(b, "app.demo")
		right = append(right, container.New(atLeast{min: fyne.NewSize(0, th.Size(theme.SizeTarget))}, b))
	case t.opt.Demo:
		right = append(right, badge(th, T("app.demo"), fynetheme.ColorNameWarning, fynetheme.ColorNameForegroundOnWarning))
	}
	if t.sess.Elderly() {
		right = append(right, badge(th, T("header.elderly_on"), theme.ColorTileElderly, theme.ColorOnTile))
	}
	if b := t.speakerButton(th); b != nil {
		right = append(right, b)
	}
	t.langBtn = widget.NewButton(T("header.switch_language"), t.input(t.switchLanguage))
	right = append(right, container.New(atLeast{min: fyne.NewSize(3*th.Size(theme.SizeTarget), th.Size(theme.SizeTarget))}, t.langBtn))
	// The technician's corner, a square at the top right, takes the taps
	// on it: the header's buttons keep clear of it (the bar's own margin
	// and the box's gap do part of it).
	keepClear := canvas.NewRectangle(color.Transparent)
	keepClear.SetMinSize(fyne.NewSize(max(0, maintenance.CornerSide-4*th.Size(fynetheme.SizeNamePadding)), 0))
	right = append(right, keepClear)
	return newBar(theme.ColorHeader, true, left, container.NewHBox(right...))
}

// demoStrip is the bar of demo actions under the header: place a sample
// card, print a sample receipt, submit a sample application. Nil when there
// are none. Its buttons wrap onto more lines on a narrow screen.
func (t *Terminal) demoStrip() fyne.CanvasObject {
	// The demonstrator's buttons, not a resident's: standard sizes in
	// elderly mode too, so the strip takes no more of a small panel.
	th := theme.New(theme.Standard)
	var items []fyne.CanvasObject
	demoButton := func(key string, f func()) *widget.Button {
		b := widget.NewButton(T(key), t.input(f))
		items = append(items, container.New(atLeast{min: fyne.NewSize(3*th.Size(theme.SizeTarget), th.Size(theme.SizeTarget))}, b))
		return b
	}
	t.demoCard, t.demoPrint, t.demoSubmit, t.demoCapture = nil, nil, nil, nil
	if t.opt.PlaceSampleCard != nil {
		t.demoCard = demoButton("demo.place_card", t.opt.PlaceSampleCard)
	}
	if t.opt.PrintSample != nil {
		t.demoPrint = demoButton("demo.print_receipt", t.printSample)
	}
	if t.opt.SubmitSample != nil {
		t.demoSubmit = demoButton("demo.submit", t.submitSample)
	}
	if t.opt.ScanSample != nil {
		demoButton("demo.scan_receipt", t.scanSample)
	}
	if t.opt.Demo && (t.opt.Cameras.Face != nil || t.opt.Cameras.Document != nil) {
		t.demoCapture = demoButton("demo.capture", func() {
			if t.sess.Screen() == session.Home {
				t.capture.startDemo()
			}
		})
	}
	if len(items) == 0 {
		return nil
	}
	b := newBar(theme.ColorHeader, false, items...)
	if !t.sess.Elderly() {
		// The window's theme is the standard one already. A theme
		// override is a scope of its own, and Fyne parses the fonts again
		// for each scope (some 24 MB for the two Chinese faces).
		return b
	}
	return &standardBar{ThemeOverride: container.NewThemeOverride(b, th), bar: b}
}

// demoFold is whether the strip of demo actions shows.
type demoFold int

const (
	demoAuto   demoFold = iota // on a panel at least shortPanel high
	demoOpen                   // the demonstrator opened it
	demoClosed                 // the demonstrator closed it
)

// shortPanel is the height below which the demo's strip starts folded: on
// 1366×768 and 1280×720 the residents' screens need its room (a real
// terminal has no strip).
const shortPanel = 900

// demoShown reports whether the strip of demo actions shows on a window
// height high.
func (t *Terminal) demoShown(height float32) bool {
	switch t.demoFold {
	case demoOpen:
		return true
	case demoClosed:
		return false
	}
	return height >= shortPanel
}

// toggleDemoStrip shows the strip of demo actions if it is hidden, and
// hides it if it shows.
func (t *Terminal) toggleDemoStrip() {
	t.demoFold = demoOpen
	if t.strip != nil && t.strip.Visible() {
		t.demoFold = demoClosed
	}
	t.rebuild()
}

func (t *Terminal) hasDemoActions() bool {
	return t.opt.PlaceSampleCard != nil || t.opt.PrintSample != nil || t.opt.SubmitSample != nil || t.opt.ScanSample != nil ||
		t.opt.Demo && (t.opt.Cameras.Face != nil || t.opt.Cameras.Document != nil)
}

// standardBar is a bar drawn in the standard theme whatever the mode,
// still as tall as its items need at the width it gets (frameLayout).
type standardBar struct {
	*container.ThemeOverride
	bar *bar
}

func (s *standardBar) HeightAt(width float32) float32 { return s.bar.HeightAt(width) }

// children lets Inspect walk into the bar (its buttons are tappable).
func (s *standardBar) children() []fyne.CanvasObject { return []fyne.CanvasObject{s.bar} }

// badge is a small coloured label in the header.
func badge(th fyne.Theme, s string, bg, fg fyne.ThemeColorName) fyne.CanvasObject {
	r := canvas.NewRectangle(th.Color(bg, fynetheme.VariantLight))
	r.CornerRadius = th.Size(fynetheme.SizeNameInputRadius)
	l := text(th, s, fynetheme.SizeNameText, fg, true)
	p := th.Size(fynetheme.SizeNamePadding)
	return container.NewCenter(container.NewStack(r, container.New(layout.NewCustomPaddedLayout(p, p, 2*p, 2*p), l)))
}

func (t *Terminal) screenBody(th fyne.Theme, screen string) fyne.CanvasObject {
	if s := t.screens[screen]; s != nil {
		return s.content(th)
	}
	return t.kit.placeholder(th, screen)
}

// placeholder is the screen of a service this terminal does not offer yet:
// it says so plainly and leads back home.
func (t *kit) placeholder(th fyne.Theme, screen string) fyne.CanvasObject {
	key := "tile." + screen
	var icon fyne.CanvasObject = spacer(th)
	if res := iconResource(screen); res != nil {
		img := canvas.NewImageFromResource(res)
		img.FillMode = canvas.ImageFillContain
		img.SetMinSize(fyne.NewSquareSize(th.Size(theme.SizeTileIcon)))
		bg := canvas.NewRectangle(th.Color(tileColor(screen), fynetheme.VariantLight))
		bg.CornerRadius = th.Size(theme.SizeCorner)
		p := th.Size(fynetheme.SizeNamePadding) * 2
		icon = container.NewCenter(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(p, p, p, p), img)))
	}
	title := text(th, T(key), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)
	title.Alignment = fyne.TextAlignCenter
	body := text(th, T("placeholder.body"), fynetheme.SizeNameText, fynetheme.ColorNameForeground, false)
	body.Alignment = fyne.TextAlignCenter
	help := text(th, T("placeholder.help"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false)
	help.Alignment = fyne.TextAlignCenter
	t.homeBtn = widget.NewButtonWithIcon(T("nav.home"), fynetheme.HomeIcon(), t.input(func() { t.show(session.Home) }))
	t.homeBtn.Importance = widget.HighImportance
	card := newCard(th, container.NewVBox(icon, spacer(th), title, body, help, spacer(th), bigButton(th, t.homeBtn)))
	return container.NewCenter(card)
}

func tileColor(screen string) fyne.ThemeColorName {
	for _, ht := range homeTiles {
		if ht.screen == screen {
			return ht.color
		}
	}
	return fynetheme.ColorNamePrimary
}

// input wraps a handler of the resident's input so that it first counts as
// activity (and cancels a countdown).
func (t *Terminal) input(f func()) func() {
	return func() {
		t.touched()
		f()
	}
}

// do runs f on Fyne's goroutine.
func (t *Terminal) do(f func()) { t.toUI(f) }

// async runs f off Fyne's goroutine.
func (t *Terminal) async(f func()) { t.offUI(f) }

// tell shows a notice on the home screen, now if it is shown.
func (t *Terminal) tell(n notice) {
	t.home.notice = n
	if t.sess.Screen() == session.Home {
		t.refresh()
	}
	t.wake() // the notice counts in seconds, and the terminal no longer rests
}

// wake asks the owner for a Tick soon (Options.Wake).
func (t *Terminal) wake() {
	if t.opt.Wake != nil {
		t.opt.Wake()
	}
}

// touched records that the resident touched the screen.
func (t *Terminal) touched() {
	t.touches++
	t.sess.Touch(t.opt.Now())
	t.countdown.hide()
	t.maint.gesture.Reset() // a tap anywhere but the corner ends the gesture
}

// goHome ends whatever the resident was doing — a journey, photos, a
// query — forgetting all of it, and shows the home screen.
func (t *Terminal) goHome() {
	t.wipeScreens()
	t.show(t.maint.restScreen())
}

// endSession forgets the resident — the journey, the photos, what they
// looked up or wrote, where they had scrolled — and starts afresh at home
// in the site's language and standard mode.
func (t *Terminal) endSession(reason string) {
	t.opt.Log.Info("session cleared", "reason", reason)
	t.wipeScreens()
	t.sess.Clear(t.opt.Now())
	if r := t.maint.restScreen(); r != session.Home {
		t.sess.Show(r, t.opt.Now())
	}
	if err := UseLanguage(t.sess.Lang()); err != nil {
		t.opt.Log.Error("reset language", "err", err)
	}
	t.applyTheme()
	t.rebuild()
	t.offsets = nil // after the rebuild, which keeps the screen it leaves
}

func (t *Terminal) show(screen string) {
	t.sess.Show(screen, t.opt.Now())
	t.opt.Log.Debug("screen", "screen", screen)
	t.refresh()
	if screen == session.Home {
		// Home ends the visit: the next resident starts every screen at
		// its top (after the refresh, which keeps the screen it leaves).
		t.offsets = nil
	}
}

func (t *Terminal) switchLanguage() {
	next := "en"
	if t.sess.Lang() == "en" {
		next = "zh"
	}
	if err := UseLanguage(next); err != nil {
		t.opt.Log.Error("switch language", "lang", next, "err", err)
		return
	}
	t.sess.SetLang(next, t.opt.Now())
	t.opt.Log.Info("language", "lang", next)
	t.rebuild()
}

func (t *Terminal) switchElderly() {
	t.sess.SetElderly(!t.sess.Elderly(), t.opt.Now())
	t.opt.Log.Info("elderly mode", "on", t.sess.Elderly())
	t.applyTheme()
	t.rebuild()
}

// Tick moves the clock and the idle rules to now. The owner calls it about
// once a second on Fyne's goroutine.
//
// It returns how soon it wants the next: a second while anything shown
// counts in seconds (a resident's session and its countdown, a notice on
// the home screen, a sync a technician asked for); on the home screen
// with nothing pending, at the next minute, which the clock shows. At rest
// the terminal thus wakes once a minute, and redraws only what changed.
func (t *Terminal) Tick(now time.Time) time.Duration {
	t.refreshStatus(now)
	t.staff.follow(now)
	t.query.follow(now)
	t.maint.followSync(now)
	t.apply.followReceipt()
	if t.home.notice.key != "" && !now.Before(t.home.notice.until) {
		t.home.notice = notice{}
		if t.sess.Screen() == session.Home {
			t.home.fillTop(t.th)
		}
	}
	if t.sess.Screen() == screenOutOfService && t.maint.paused {
		t.sess.Touch(now) // out of service until a technician says otherwise
	}
	st := t.sess.Tick(now)
	switch st.Phase {
	case session.CountingDown:
		if !t.countdown.root.Visible() {
			t.say("idle", false)
		}
		t.countdown.show(st.Remaining)
	case session.Expired:
		if t.maint.active() { // a technician who walked away: back to service
			t.maint.exit()
		}
		t.endSession("idle")
	default:
		t.countdown.hide()
	}
	if !t.AtRest() {
		return time.Second
	}
	return now.Truncate(time.Minute).Add(time.Minute).Sub(now)
}

// AtRest reports whether nobody is at the terminal: the home screen with
// nothing on it that counts in seconds (a notice, a sync a technician
// asked for). The owner may let devices poll more slowly then.
func (t *Terminal) AtRest() bool {
	return t.sess.Screen() == session.Home && t.home.notice.key == "" && t.maint.syncAsked.IsZero()
}

func (t *Terminal) refreshStatus(now time.Time) {
	link := LinkStatus{}
	if t.opt.Link != nil {
		link = t.opt.Link()
	}
	t.status.setLink(link)
	t.status.setClock(now)
}

// printSample prints the demo's sample receipt and shows it. The printing
// runs off Fyne's goroutine; the result comes back through fyne.Do.
func (t *Terminal) printSample() {
	if t.printing {
		return
	}
	t.printing = true
	t.offUI(func() {
		img, err := t.opt.PrintSample()
		fyne.Do(func() {
			t.printing = false
			t.showReceipt(img, err)
		})
	})
}

// submitSample queues the demo's sample application and says so on the
// home screen. The outbox fsyncs, so it runs off Fyne's goroutine.
func (t *Terminal) submitSample() {
	if t.submitting {
		return
	}
	t.submitting = true
	var receipt string
	t.save("sample application", func(context.Context) (err error) {
		receipt, err = t.opt.SubmitSample()
		return err
	}, func(err error) {
		t.submitting = false
		n := notice{key: "demo.submitted", args: map[string]any{"Receipt": receipt}, kind: fynetheme.ColorNameSuccess, until: t.opt.Now().Add(10 * time.Second)}
		if err != nil {
			n = notice{key: "demo.submit_failed", kind: fynetheme.ColorNameWarning, until: t.opt.Now().Add(10 * time.Second)}
		}
		t.tell(n)
	})
}

// scanSample has the simulated scanner read the newest receipt. Without
// one yet, the home screen says to submit a sample first.
func (t *Terminal) scanSample() {
	t.offUI(func() {
		err := t.opt.ScanSample()
		if err == nil {
			return // the scan comes back through the scanner
		}
		t.opt.Log.Warn("sample scan", "err", err)
		t.toUI(func() {
			t.tell(notice{key: "demo.scan_none", kind: fynetheme.ColorNameWarning, until: t.opt.Now().Add(10 * time.Second)})
		})
	})
}

// showReceipt covers the screen with the receipt, or with why it failed.
func (t *Terminal) showReceipt(img image.Image, err error) {
	failure := ""
	if err != nil {
		t.opt.Log.Warn("sample receipt", "err", err)
		failure = err.Error()
		img = nil
	}
	v := newReceiptView(t.th, t.win.Canvas().Size(), img, failure, t.input(func() {
		t.overlay.RemoveAll()
		t.repaint(t.overlay)
	}))
	t.overlay.RemoveAll()
	t.overlay.Add(v.root)
	t.repaint(t.overlay)
}

// CardRead tells the home screen that a card was placed on the reader. With
// no service chosen yet, it says whether the card could be used; it keeps
// nothing from the card.
func (t *Terminal) CardRead(ev idcard.Event) {
	now := t.opt.Now()
	t.sess.Touch(now)
	switch t.sess.Screen() {
	case screenApplying:
		t.apply.cardRead(ev)
		return
	case screenQuery, screenRate:
		t.query.cardRead(ev)
		return
	case screenMaintenance:
		if t.maint.active() {
			t.maint.cardRead(ev)
		}
		return
	}
	if t.sess.Screen() != session.Home {
		return
	}
	n := notice{key: "card.read", kind: fynetheme.ColorNameSuccess, until: now.Add(8 * time.Second)}
	switch {
	case ev.Err != nil:
		n.key, n.kind = "card.damaged", fynetheme.ColorNameWarning
	case ev.Card.Expired(idcard.DateOf(now)):
		n.key, n.kind = "card.expired", fynetheme.ColorNameWarning
	}
	t.tell(n)
}

// CodeScanned takes a code the scanner read. On the home screen it opens
// the receipt's status (查询); on the query and rating screens it shows
// that receipt instead of what was shown. Anywhere else — a resident in
// the middle of an application, staff at work — it is ignored.
func (t *Terminal) CodeScanned(code string) {
	if !t.takeScan() {
		t.opt.Log.Info("a scan on a screen that takes none", "screen", t.sess.Screen())
		return
	}
	t.query.scan(code)
}

// takeScan readies the screen for a scan where one is taken — the home
// screen goes to 查询 — and reports whether it is.
func (t *Terminal) takeScan() bool {
	if t.opt.LookUpReceipt == nil {
		return false
	}
	switch t.sess.Screen() {
	case session.Home:
		t.sess.Touch(t.opt.Now())
		t.show(screenQuery)
	case screenQuery, screenRate:
		t.sess.Touch(t.opt.Now())
	default:
		return false
	}
	return true
}

// ScanRefused is a scan the scanner could not read whole: where a scan is
// taken, the resident is asked to scan again.
func (t *Terminal) ScanRefused() {
	if !t.takeScan() {
		return
	}
	t.query.scanFailed("scan.unreadable")
}

// banner is a coloured strip with one line of text on it.
func banner(th fyne.Theme, s string, bg fyne.ThemeColorName) fyne.CanvasObject {
	fg := fynetheme.ColorNameForegroundOnSuccess
	if bg == fynetheme.ColorNameWarning {
		fg = fynetheme.ColorNameForegroundOnWarning
	}
	r := canvas.NewRectangle(th.Color(bg, fynetheme.VariantLight))
	r.CornerRadius = th.Size(fynetheme.SizeNameInputRadius)
	l := text(th, s, fynetheme.SizeNameSubHeadingText, fg, true)
	p := th.Size(fynetheme.SizeNamePadding) * 2
	return container.NewStack(r, container.New(layout.NewCustomPaddedLayout(p, p, 2*p, 2*p), l))
}

// DevicesChanged re-reads the device registry into the status bar.
func (t *Terminal) DevicesChanged() {
	t.status.setDevices(t.opt.Devices.Snapshot())
	if j := t.apply.j; j != nil && j.Step() == journey.Card {
		t.apply.checkReader()
		if j.Step() != journey.Card {
			t.refresh()
		}
	}
}

// inServiceHours reports whether residents are served now: always, unless
// the district set service hours ("08:00-20:00") and now is outside them.
// The same rule as the display's schedule.
func (t *kit) inServiceHours() bool {
	hours, err := display.ParseSchedule(t.opt.District.ServiceHours)
	return err != nil || hours.On(t.opt.Now())
}

// or is s, or else when s is empty.
func or(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}
