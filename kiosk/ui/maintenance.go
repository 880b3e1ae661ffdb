package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/maintenance"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// The technician's screens: the PIN pad the hidden gesture opens, the
// maintenance screen, and the out-of-service screen residents see while
// the terminal is in maintenance.
const (
	screenPIN          = "maintenance-pin"
	screenMaintenance  = "maintenance"
	screenOutOfService = "out-of-service"
)

// Maintenance is what the maintenance screen shows and does. It never
// reaches a resident's data: counts, states and the terminal's own facts.
type Maintenance struct {
	// Session checks the PIN, keeps the lockout and audits every entry,
	// failure, action and exit; nil: this terminal has no maintenance mode
	// (no data folder to audit to).
	Session *maintenance.Session
	Version string
	// Queue counts the outbox's records; nil when there is no outbox.
	Queue func() (outbox.Stats, error)
	// Sync is the link to the district and the enrollment; nil when the
	// terminal is not enrolled.
	Sync func() SyncReport
	// SyncNow asks the sync to send at once; nil when not enrolled.
	SyncNow func()
	// TestPage prints the printer's test page; nil when there is no
	// printer. It is called off Fyne's goroutine.
	TestPage func() error
	// Addresses are this terminal's network addresses.
	Addresses func() []string
}

// SyncReport is the link to the district as the technician needs it.
type SyncReport struct {
	Backend     string
	Online      bool
	Revoked     bool
	LastContact time.Time
	LastAttempt time.Time // the last round's start, answered or not
	LastError   string
	CertExpires time.Time
}

// queueStates are the outbox's states in the order the screen lists them.
var queueStates = []outbox.State{outbox.Queued, outbox.Sending, outbox.Exported, outbox.Acknowledged, outbox.Rejected}

// maintenanceScreen is the technician's part of the terminal: the hidden
// gesture, the PIN pad, the maintenance actions, and the out-of-service
// screen a technician may leave the terminal on.
type maintenanceScreen struct {
	kit *kit
	maintState
}

func (s *maintenanceScreen) content(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	switch t.sess.Screen() {
	case screenPIN:
		return s.pinPad(th)
	case screenMaintenance:
		if s.active() {
			t.sess.SetPatience(5) // a technician reads and tests at length
			return s.actions(th)
		}
	case screenOutOfService:
		if s.paused {
			return s.outOfService(th)
		}
	}
	return t.placeholder(th, t.sess.Screen())
}

// wipe forgets the PIN digits typed. Being paused is the terminal's, not
// a session's: it stays until a technician resumes service.
func (s *maintenanceScreen) wipe() { s.pin = "" }

// maintState is what the technician did.
type maintState struct {
	gesture maintenance.Gesture
	pin     string // digits typed on the PIN pad, forgotten once checked
	note    string // the PIN pad's or an action's message, translated
	busy    bool
	testing bool // the camera test runs
	// syncing is when "sync now" was asked and the round before it, until
	// a later round ends (or syncWait passes).
	syncAsked  time.Time
	syncBefore time.Time
	// paused: a technician put the terminal out of service (暂停服务).
	// Pausing ends their maintenance session, so only the gesture and the
	// PIN lead anywhere from the paused screen; it outlives maintenance
	// until a technician resumes service.
	paused bool
}

// active reports whether the terminal is in maintenance mode.
func (s *maintenanceScreen) active() bool {
	t := s.kit
	m := t.opt.Maintenance
	return m != nil && m.Session != nil && m.Session.Active()
}

// cornerTapped takes a tap in the screen's top-right corner; anywhere else
// (touched) ends the run of taps.
func (s *maintenanceScreen) cornerTapped(x, y float32) {
	t := s.kit
	size := t.win.Canvas().Size()
	if !s.gesture.Tap(x, y, size.Width, size.Height, t.opt.Now()) {
		return
	}
	m := t.opt.Maintenance
	if m == nil || m.Session == nil {
		t.opt.Log.Info("maintenance gesture on a terminal without maintenance mode")
		return
	}
	if s.active() {
		t.show(screenMaintenance)
		return
	}
	// Always the PIN, from the paused screen too.
	t.goHome()
	s.pin, s.note = "", ""
	t.show(screenPIN)
}

// restScreen is where the terminal rests between residents: home, or the
// out-of-service screen while paused.
func (s *maintenanceScreen) restScreen() string {
	if s.paused {
		return screenOutOfService
	}
	return session.Home
}

// pause puts the terminal out of service: audited, and the technician's
// session ends with it, so leaving the paused screen takes the PIN again.
func (s *maintenanceScreen) pause() {
	s.audit("out_of_service", "on")
	s.paused = true
	s.exit()
}

// pinPad is the technician's PIN pad: digits shown as dots.
func (s *maintenanceScreen) pinPad(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	dots := func() string { return or(strings.Repeat("●", len(s.pin)), " ") }
	shown := text(th, dots(), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)
	// A phone's layout: 1–9, then ⌫ 0 and enter.
	pad := t.keypad(th, keypad{keys: strings.Split("1 2 3 4 5 6 7 8 9 ⌫ 0", " "), cols: 3, max: 12,
		get: func() string { return s.pin }, set: func(v string) { s.pin = v },
		changed: func() bool { shown.Text = dots(); shown.Refresh(); return true },
		after:   []fyne.CanvasObject{t.namedKey(th, "key:enter", T("maint.enter"), s.enter)}})
	body := container.NewVBox(shown, pad)
	if s.note != "" {
		body.Add(callout(th, s.note, fynetheme.ColorNameWarning))
	}
	return t.framed(th, newCard(th, container.NewVBox(
		text(th, T("maint.pin_title"), fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true),
		body)))
}

// enter checks the PIN off the UI goroutine (argon2id takes a
// moment on purpose) and enters, or says why not.
func (s *maintenanceScreen) enter() {
	t := s.kit
	if s.busy {
		return
	}
	pin := s.pin
	s.pin, s.busy = "", true
	// Checking takes a few seconds on purpose (argon2id): say so at once.
	s.note = T("maint.checking")
	t.refresh()
	ms := t.opt.Maintenance.Session
	t.async(func() {
		res, err := ms.Enter(context.Background(), pin)
		t.do(func() {
			s.busy = false
			switch {
			case errors.Is(err, maintenance.ErrNoPIN):
				s.note = T("maint.no_pin")
			case err != nil:
				t.opt.Log.Warn("maintenance entry failed", "err", err)
				s.note = T("maint.cannot_enter")
			case res.Outcome == maintenance.Entered:
				t.opt.Log.Info("maintenance entered")
				s.note = ""
				t.show(screenMaintenance)
				return
			case res.Outcome == maintenance.WrongPIN:
				s.note = T("maint.wrong_pin", map[string]any{"Left": res.AttemptsLeft})
			case res.Outcome == maintenance.Locked:
				s.note = T("maint.locked", map[string]any{"Until": res.LockedUntil.In(time.Local).Format("15:04")})
			}
			if t.sess.Screen() == screenPIN {
				t.refresh()
			}
		})
	})
}

// actions is the technician's view: devices, queue, link,
// network, version, and the actions, all audited.
func (s *maintenanceScreen) actions(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	m := t.opt.Maintenance
	lines := container.NewVBox()
	section := func(key string) {
		lines.Add(text(th, T(key), fynetheme.SizeNameSubHeadingText, fynetheme.ColorNameForeground, true))
	}
	line := func(s string) {
		lines.Add(text(th, s, fynetheme.SizeNameText, fynetheme.ColorNameForeground, false))
	}
	section("maint.devices")
	lines.Add(text(th, T("maint.card_hint"), fynetheme.SizeNameText, theme.ColorSecondaryLabel, false))
	for _, s := range t.opt.Devices.Snapshot() {
		line(fmt.Sprintf("%s%s%s  %s", T("device."+string(s.Kind)), T("punct.colon"), T("state."+s.State.String()), s.Reason))
	}
	section("maint.queue")
	switch {
	case m.Queue == nil:
		line(T("maint.none"))
	default:
		st, err := m.Queue()
		if err != nil {
			line(T("maint.unreadable"))
			break
		}
		var states []string
		for _, s := range queueStates {
			if n := st.ByState[s]; n > 0 {
				states = append(states, fmt.Sprintf("%s %d", T("maint.state."+string(s)), n))
			}
		}
		if len(states) == 0 {
			states = append(states, T("maint.none"))
		}
		line(strings.Join(states, " · "))
		line(T("maint.disk", map[string]any{"Used": st.UsedBytes >> 20, "Budget": st.BudgetBytes >> 20}))
		if st.OldestQueued >= time.Minute {
			line(T("maint.oldest", map[string]any{"Age": st.OldestQueued.Round(time.Minute).String()}))
		}
		if st.Recovered != "" {
			line(T("maint.recovered"))
		}
	}
	section("maint.link")
	if m.Sync == nil {
		line(T("maint.not_enrolled"))
	} else {
		r := m.Sync()
		state := T("maint.offline")
		switch {
		case r.Revoked:
			state = T("maint.revoked")
		case r.Online:
			state = T("maint.online")
		}
		line(r.Backend + "  " + state)
		if !r.LastContact.IsZero() {
			line(T("maint.last_contact", map[string]any{"At": r.LastContact.In(time.Local).Format("2006-01-02 15:04")}))
		}
		if r.LastError != "" {
			line(r.LastError)
		}
		if !r.CertExpires.IsZero() {
			line(T("maint.cert", map[string]any{"Until": r.CertExpires.In(time.Local).Format("2006-01-02")}))
		}
	}
	section("maint.network")
	if m.Addresses != nil {
		line(strings.Join(m.Addresses(), "  "))
	}
	line(T("maint.version", map[string]any{"Version": m.Version, "Terminal": t.opt.Config.TerminalID}))

	var actions []fyne.CanvasObject
	if m.TestPage != nil {
		actions = append(actions, t.button(th, T("maint.test_page"), false, s.printTestPage))
	}
	if m.SyncNow != nil {
		actions = append(actions, t.button(th, T("maint.sync_now"), false, s.syncNow))
	}
	if t.opt.Cameras.Face != nil || t.opt.Cameras.Document != nil {
		actions = append(actions, t.button(th, T("maint.test_cameras"), false, s.testCameras))
	}
	actions = append(actions,
		t.button(th, T("maint.out_of_service"), false, s.pause),
		t.button(th, T("maint.exit"), true, s.resume))
	top := container.NewVBox(banner(th, T("maint.banner"), fynetheme.ColorNameWarning))
	if s.note != "" {
		top.Add(callout(th, s.note, fynetheme.ColorNameSuccess))
	}
	p := th.Size(fynetheme.SizeNamePadding)
	cols := len(actions)
	if t.portrait() {
		cols = 3 // five actions in one row are wider than a portrait panel
	}
	return container.New(layout.NewCustomPaddedLayout(2*p, 2*p, 4*p, 4*p), container.NewBorder(top,
		container.NewGridWithColumns(cols, actions...), nil, nil,
		vscroll(newCard(th, lines))))
}

// syncWait is how long "sync now" waits for its round before saying it
// did not happen.
const syncWait = 20 * time.Second

// syncNow asks the sync for a round at once and follows it (followSync):
// the screen says what happened — sent, or why not — not only that it
// was asked.
func (s *maintenanceScreen) syncNow() {
	t := s.kit
	m := t.opt.Maintenance
	if !s.syncAsked.IsZero() {
		return
	}
	s.syncBefore = m.Sync().LastAttempt
	s.syncAsked = t.opt.Now()
	m.SyncNow()
	s.note = T("maint.syncing")
	t.refresh()
}

// followSync ends a "sync now" once a round after it has finished.
func (s *maintenanceScreen) followSync(now time.Time) {
	t := s.kit
	m := t.opt.Maintenance
	if s.syncAsked.IsZero() || m == nil || m.Sync == nil {
		return
	}
	r := m.Sync()
	done := r.LastAttempt.After(s.syncBefore)
	if !done && now.Sub(s.syncAsked) < syncWait {
		return
	}
	s.syncAsked = time.Time{}
	outcome := "ok"
	switch {
	case !done:
		outcome = "no_round"
		s.note = T("maint.sync_no_round")
	case r.Online && r.LastError == "":
		waiting := 0
		if m.Queue != nil {
			if st, err := m.Queue(); err == nil {
				waiting = st.ByState[outbox.Queued] + st.ByState[outbox.Sending]
			}
		}
		s.note = T("maint.sync_done", map[string]any{"Waiting": waiting})
	default:
		outcome = "failed"
		s.note = T("maint.sync_failed", map[string]any{"Error": r.LastError})
	}
	s.audit("sync_now", outcome)
	if t.sess.Screen() == screenMaintenance {
		t.refresh()
	}
}

// cameraTestWait is how long the camera test waits for a camera's first
// frame.
const cameraTestWait = 3 * time.Second

// testCameras streams each camera for a moment and reports its first
// frame: format and how long it took. The picture itself is neither shown
// nor kept. Opening the cameras runs off Fyne's goroutine.
func (s *maintenanceScreen) testCameras() {
	t := s.kit
	if s.testing {
		return
	}
	s.testing = true
	t.async(func() {
		var notes []string
		outcome := "ok"
		for _, c := range []struct {
			kind string
			cam  LiveCamera
		}{{"facecam", t.opt.Cameras.Face}, {"doccam", t.opt.Cameras.Document}} {
			if c.cam == nil {
				continue
			}
			took, format, ok := firstFrame(c.cam, cameraTestWait)
			if !ok {
				outcome = "failed"
				notes = append(notes, T("maint.camera_no_frame", map[string]any{"Camera": T("device." + c.kind)}))
				continue
			}
			notes = append(notes, T("maint.camera_frame", map[string]any{"Camera": T("device." + c.kind), "Format": format.String(),
				"Age": took.Round(10 * time.Millisecond).String()}))
		}
		t.do(func() {
			s.testing = false
			s.audit("camera_test", outcome)
			s.note = strings.Join(notes, "\n")
			t.refresh()
		})
	})
}

// firstFrame streams cam until its first frame, for at most wait, and
// says how long that took and the frame's format.
func firstFrame(cam LiveCamera, wait time.Duration) (took time.Duration, format camera.Format, ok bool) {
	start := time.Now()
	release := cam.Watch()
	defer release()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	var f camera.Frame
	for !cam.Latest(&f) {
		select {
		case <-cam.Fresh():
		case <-deadline.C:
			return 0, camera.Format{}, false
		}
	}
	clear(f.Data)
	return time.Since(start), f.Format, true
}

// cardRead tests the card reader: a card placed on it while the
// maintenance screen shows says only whether it was read and its kind.
func (s *maintenanceScreen) cardRead(ev idcard.Event) {
	t := s.kit
	outcome := "ok"
	s.note = T("maint.card_ok")
	if ev.Err != nil {
		outcome = "failed"
		s.note = T("maint.card_failed")
	}
	s.audit("card_test", outcome)
	t.refresh()
}

// printTestPage prints the printer's test page and says how it went.
func (s *maintenanceScreen) printTestPage() {
	t := s.kit
	if s.busy {
		return
	}
	s.busy = true
	s.note = T("receipt.printing")
	print := t.opt.Maintenance.TestPage
	t.async(func() {
		err := print()
		t.do(func() {
			s.busy = false
			outcome := "ok"
			s.note = T("maint.test_page_ok")
			if err != nil {
				outcome = "failed"
				s.note = T("maint.test_page_failed")
				t.opt.Log.Warn("test page", "err", err)
			}
			s.audit("test_page", outcome)
			if t.sess.Screen() == screenMaintenance {
				t.refresh()
			}
		})
	})
}

// audit records an action of the maintenance session.
func (s *maintenanceScreen) audit(action, outcome string) {
	t := s.kit
	ms := t.opt.Maintenance.Session
	t.save("audit "+action, func(ctx context.Context) error { return ms.Log(ctx, action, outcome) }, nil)
}

// resume leaves maintenance and returns the terminal to residents, out of
// a pause too (audited).
func (s *maintenanceScreen) resume() {
	if s.paused {
		s.audit("out_of_service", "off")
		s.paused = false
	}
	s.exit()
}

// exit leaves maintenance mode (audited) for the screen the
// terminal rests on: home, or still paused.
func (s *maintenanceScreen) exit() {
	t := s.kit
	if s.active() {
		// Leaving is at once; only its audit record waits in line.
		t.save("maintenance exit", t.opt.Maintenance.Session.Leave(), nil)
		t.opt.Log.Info("maintenance left", "paused", s.paused)
	}
	s.maintState = maintState{paused: s.paused}
	t.show(s.restScreen())
}

// outOfService tells residents the terminal is not serving; only
// the hidden gesture and the PIN lead out of it.
func (s *maintenanceScreen) outOfService(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	zh := text(th, "暂停服务", fynetheme.SizeNameHeadingText, fynetheme.ColorNameForeground, true)
	en := text(th, "Out of service", fynetheme.SizeNameSubHeadingText, theme.ColorSecondaryLabel, true)
	zh.Alignment, en.Alignment = fyne.TextAlignCenter, fyne.TextAlignCenter
	hint := sentence(T("maint.residents_hint"))
	hint.Alignment = fyne.TextAlignCenter
	bg := canvas.NewRectangle(color.Transparent)
	return container.NewStack(bg, newTouchCatcher(t.touched),
		container.NewCenter(t.wide(newCard(th, container.NewVBox(zh, en, spacer(th), hint)))))
}

// corner is the invisible square over the screen's top-right corner that
// takes the hidden gesture's taps.
type corner struct {
	widget.BaseWidget
	onTap func(at fyne.Position)
}

func newCorner(onTap func(at fyne.Position)) *corner {
	c := &corner{onTap: onTap}
	c.ExtendBaseWidget(c)
	return c
}

func (c *corner) Tapped(e *fyne.PointEvent) { c.onTap(e.AbsolutePosition) }

func (c *corner) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// cornerLayout puts its one object in the top-right corner, a square of
// the gesture's side.
type cornerLayout struct{}

func (cornerLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }

func (cornerLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	side := float32(maintenance.CornerSide)
	for _, o := range objs {
		o.Resize(fyne.NewSquareSize(side))
		o.Move(fyne.NewPos(size.Width-side, 0))
	}
}
