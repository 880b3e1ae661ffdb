package harness

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jezek/xgb/xproto"

	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupstest"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
	"github.com/yizhan-kiosk/yizhan/sync/certificate"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// Options says how to start the terminal.
type Options struct {
	// Windowed runs it in a window of the display's size given with
	// -size, as make run does; otherwise full screen.
	Windowed bool
	Lang     string   // -lang; empty: the demo's default
	Args     []string // more flags
	// Shots is the folder each step's screenshot is written to; empty:
	// none are kept.
	Shots string
	// Setup prepares the folder the program runs in (Kiosk.Work) before
	// it starts, after the demo terminal is enrolled: a configuration file
	// for -config, the technician's PIN. An error fails the test.
	Setup func(work string) error
	// A4 gives the terminal a virtual A4 printer (cupstest: a private
	// cupsd), as make run does; otherwise it has none. The test is
	// skipped where the machine cannot run one (not root, no CUPS).
	A4 bool
}

// Kiosk is the real terminal binary running in demo mode on a display,
// enrolled with a district served on loopback.
type Kiosk struct {
	t        testing.TB
	d        *Display
	opt      Options
	Work     string // the folder it runs in: its data is in var/demo
	District *district.District
	sock     string
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	logPath  string
	// A4 is the virtual A4 printer, with Options.A4.
	A4 *cupstest.CUPS
	// Taps and Drags count the taps and the drags of scroll regions
	// sent since the last ResetTaps.
	Taps, Drags int
	step        int
}

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// Build builds the kiosk binary once per test process.
func Build(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildBin = filepath.Join(os.TempDir(), fmt.Sprintf("yizhan-kiosk-harness-%d", os.Getpid()))
		out, err := exec.Command("go", "build", "-o", buildBin, "github.com/yizhan-kiosk/yizhan/cmd/kiosk").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// Start serves a district on loopback, enrolls the demo terminal with it as
// make run does, and starts the kiosk binary on d; it waits until the
// terminal answers on its inspection socket with the home screen. The
// terminal stops (SIGTERM, then the check that it exited cleanly) when the
// test ends.
func Start(t testing.TB, d *Display, opt Options) *Kiosk {
	t.Helper()
	bin := Build(t)
	k := &Kiosk{t: t, d: d, opt: opt, Work: t.TempDir(), exited: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	k.startDistrict(ctx)
	t.Cleanup(cancel)
	k.setup()
	cfg := config.Demo()
	args := []string{"-demo"}
	// The demo's A4 printer is make run's virtual one; here each terminal
	// gets its own, or none, in a configuration file of its own — or
	// added to the test's.
	a4 := ""
	if opt.A4 {
		k.A4 = cupstest.Start(t)
		a4 = k.A4.URI
	}
	conf := "harness.toml"
	if i := slices.Index(opt.Args, "-config"); i >= 0 && i+1 < len(opt.Args) {
		conf = opt.Args[i+1]
	} else {
		args = append(args, "-config", conf)
	}
	f, err := os.OpenFile(filepath.Join(k.Work, conf), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil {
		// The prompts play into ALSA's null device: a test machine has no
		// sound card, and the kiosk's log says which played.
		_, err = fmt.Fprintf(f, "\n[a4printer]\ndevice = %q\n\n[voice]\ndevice = \"null\"\nrecordings = %q\n", a4, Recordings(t))
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		t.Fatal(err)
	}
	if opt.Windowed {
		args = append(args, "-windowed", "-size", fmt.Sprintf("%dx%d", d.W, d.H))
	}
	if opt.Lang != "" {
		args = append(args, "-lang", opt.Lang)
	}
	args = append(args, opt.Args...)
	k.run(bin, args, filepath.Join(k.Work, cfg.DataDir, inspect.SocketName))
	// Fyne first lays the window out at its content's least size, then
	// at the screen's: ready is the home screen at the display's size.
	k.Wait("the home screen at the display's size", 60*time.Second, func(s inspect.Snapshot) bool {
		return s.Screen == "home" && s.Canvas.W == d.W && s.Canvas.H == d.H
	})
	return k
}

var (
	recordOnce sync.Once
	recordDir  string
)

// Recordings are the spoken prompts, recorded once a test process with
// espeak-ng (kiosk/voice), in a folder of their own; where espeak-ng is
// not installed the folder stays empty and the terminal is silent.
func Recordings(t testing.TB) string {
	recordOnce.Do(func() {
		recordDir = filepath.Join(os.TempDir(), fmt.Sprintf("yizhan-harness-voice-%d", os.Getpid()))
		if err := voice.Record(context.Background(), recordDir, "cmn", 160); err != nil {
			t.Logf("no spoken prompts: %v", err)
		}
	})
	return recordDir
}

// Spoken are the prompts the terminal's log says it played through ALSA,
// in order.
func (k *Kiosk) Spoken() []string {
	data, _ := os.ReadFile(k.logPath)
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, `msg="prompt played"`) {
			if _, id, ok := strings.Cut(line, "prompt="); ok {
				out = append(out, strings.Fields(id)[0])
			}
		}
	}
	return out
}

// StartProgram runs another program that serves kiosk/inspect's socket at
// sock (the harness's own tests use one; a relative sock is in the work
// folder, where the program runs) and waits until it answers at the
// display's size.
func StartProgram(t testing.TB, d *Display, bin string, args []string, sock string, opt Options) *Kiosk {
	t.Helper()
	k := &Kiosk{t: t, d: d, opt: opt, Work: t.TempDir(), exited: make(chan struct{})}
	if !filepath.IsAbs(sock) {
		sock = filepath.Join(k.Work, sock)
	}
	k.setup()
	k.run(bin, args, sock)
	k.Wait("the program at the display's size", 60*time.Second, func(s inspect.Snapshot) bool {
		return s.Canvas.W == d.W && s.Canvas.H == d.H
	})
	return k
}

// setup runs Options.Setup in the work folder.
func (k *Kiosk) setup() {
	k.t.Helper()
	if k.opt.Setup == nil {
		return
	}
	if err := k.opt.Setup(k.Work); err != nil {
		k.t.Fatalf("setup of the work folder %s: %v", k.Work, err)
	}
}

// run starts bin in k.Work on the display; it is stopped when the test ends.
func (k *Kiosk) run(bin string, args []string, sock string) {
	t, d := k.t, k.d
	k.sock = sock
	k.cmd = exec.Command(bin, args...)
	k.cmd.Dir = k.Work
	k.cmd.Env = append(os.Environ(), "DISPLAY="+d.Name, "LANG=C", "LC_ALL=C")
	k.logPath = filepath.Join(k.Work, "kiosk.log")
	logFile, err := os.Create(k.logPath)
	if err != nil {
		t.Fatal(err)
	}
	k.cmd.Stdout, k.cmd.Stderr = logFile, logFile
	if err := k.cmd.Start(); err != nil {
		t.Fatalf("start kiosk: %v", err)
	}
	go func() {
		k.waitErr = k.cmd.Wait()
		logFile.Close()
		close(k.exited)
	}()
	t.Cleanup(k.stop)
}

func (k *Kiosk) startDistrict(ctx context.Context) {
	d, url := StartDistrict(ctx, k.t)
	k.District = d
	EnrollDemo(ctx, k.t, d, url, k.Work)
}

// StartDistrict serves a district on loopback, over real TLS, until ctx
// ends or the test does, and returns it with its address.
func StartDistrict(ctx context.Context, t testing.TB) (*district.District, string) {
	t.Helper()
	d, err := district.Open(district.Options{Dir: t.TempDir(), Issuer: &certificate.Sample{District: config.Demo().District}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	sctx, stop := context.WithCancel(ctx)
	go func() { d.Serve(sctx, ln); close(served) }()
	t.Cleanup(func() { stop(); <-served; d.Close() })
	return d, "https://" + ln.Addr().String()
}

// EnrollDemo does what make run does before the first start: a token from
// the district, then the demo terminal's enrollment, in work/var/demo.
func EnrollDemo(ctx context.Context, t testing.TB, d *district.District, url, work string) {
	t.Helper()
	tok, err := d.NewToken("24小时自助服务厅", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Demo()
	data := filepath.Join(work, cfg.DataDir)
	_, err = client.Enroll(ctx, client.EnrollOptions{Backend: url, Token: tok,
		TerminalID: cfg.TerminalID, Dir: client.IdentityDir(data), KeysPath: filepath.Join(work, cfg.Outbox.DistrictKeys)})
	if err != nil {
		t.Fatalf("enroll the demo terminal: %v", err)
	}
}

// stop ends the terminal (SIGINT) when the test ends, unless Stop did.
func (k *Kiosk) stop() { k.Stop(os.Interrupt) }

// SyncNow asks the terminal for a sync round at once, as kioskctl sync
// now does (SIGUSR1).
func (k *Kiosk) SyncNow() {
	k.t.Helper()
	if err := k.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
		k.t.Fatalf("sync now: %v", err)
	}
}

// Stop ends the terminal with sig (SIGTERM as systemd does, SIGINT as a
// console's ^C) and checks that it exits with status 0 within 10 s.
func (k *Kiosk) Stop(sig os.Signal) {
	select {
	case <-k.exited:
	default:
		k.cmd.Process.Signal(sig)
		select {
		case <-k.exited:
			if k.waitErr != nil {
				k.t.Errorf("kiosk exited with %v", k.waitErr)
			}
		case <-time.After(10 * time.Second):
			// What it waits for is in its goroutines' stacks: Go prints
			// them to the log on SIGQUIT.
			k.t.Error("kiosk did not stop within 10 s; its goroutines follow")
			k.cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-k.exited:
			case <-time.After(5 * time.Second):
				k.cmd.Process.Kill()
				<-k.exited
			}
			log, _ := os.ReadFile(k.logPath)
			k.t.Logf("kiosk log:\n%s", tail(string(log), 2000))
			return
		}
	}
	if k.t.Failed() {
		log, _ := os.ReadFile(k.logPath)
		k.t.Logf("kiosk log:\n%s", tail(string(log), 60))
	}
}

func tail(s string, lines int) string {
	l := strings.Split(s, "\n")
	if len(l) > lines {
		l = l[len(l)-lines:]
	}
	return strings.Join(l, "\n")
}

// Alive fails the test if the terminal has exited.
func (k *Kiosk) alive() {
	select {
	case <-k.exited:
		k.t.Fatalf("kiosk exited: %v", k.waitErr)
	default:
	}
}

// Snapshot asks the terminal what is on screen.
func (k *Kiosk) Snapshot() inspect.Snapshot {
	k.t.Helper()
	k.alive()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := inspect.Get(ctx, k.sock)
	if err != nil {
		k.t.Fatalf("snapshot: %v", err)
	}
	return s
}

// Wait polls the terminal until ok holds, and fails (keeping a screenshot)
// after within.
func (k *Kiosk) Wait(what string, within time.Duration, ok func(inspect.Snapshot) bool) inspect.Snapshot {
	k.t.Helper()
	deadline := time.Now().Add(within)
	var last inspect.Snapshot // the last one the terminal gave
	var lastErr error
	for {
		k.alive()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := inspect.Get(ctx, k.sock)
		cancel()
		if lastErr = err; err == nil {
			last = s
		}
		if lastErr == nil && ok(last) {
			k.fits(last)
			// A screen that asks for more than the panel grows a window
			// to its size: caught on the screen that does it, not at the
			// next tap.
			k.CheckWindow()
			return last
		}
		if time.Now().After(deadline) {
			k.shot("timeout", nil)
			k.t.Fatalf("waited %v for %s at %s; last: screen %q step %q (%v), tappables %s", within, what, k.sock, last.Screen, last.Step, lastErr, ids(last))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitScreen waits for the named screen (and, on the apply screen, step).
func (k *Kiosk) WaitScreen(screen, step string) inspect.Snapshot {
	k.t.Helper()
	return k.Wait(fmt.Sprintf("screen %s %s", screen, step), 20*time.Second, func(s inspect.Snapshot) bool {
		return s.Screen == screen && (step == "" || s.Step == step)
	})
}

// WaitTappable waits until a tappable with the id is on screen.
func (k *Kiosk) WaitTappable(id string) inspect.Tappable {
	k.t.Helper()
	s := k.Wait("tappable "+id, 20*time.Second, func(s inspect.Snapshot) bool {
		tp, ok := s.Find(id)
		return ok && !tp.Disabled
	})
	tp, _ := s.Find(id)
	return tp
}

func ids(s inspect.Snapshot) string {
	var b []string
	for _, t := range s.Tappables {
		b = append(b, t.ID)
	}
	return strings.Join(b, ", ")
}

// Tap taps the middle of the tappable with the given id, after checking
// that it is on screen, enabled, inside the window, and drawn where the
// terminal says it is.
func (k *Kiosk) Tap(id string) {
	k.t.Helper()
	k.TapWhere(id, func(tp inspect.Tappable) bool { return tp.ID == id })
}

// TapLabel taps the first tappable whose label is label.
func (k *Kiosk) TapLabel(label string) {
	k.t.Helper()
	k.TapWhere(label, func(tp inspect.Tappable) bool { return tp.Label == label })
}

// TapWhere taps the first tappable match accepts; what names it in
// messages and in the step's screenshot.
func (k *Kiosk) TapWhere(what string, match func(inspect.Tappable) bool) {
	k.t.Helper()
	cx, cy, before := k.aim(what, match)
	if err := k.d.Tap(cx, cy); err != nil {
		k.t.Fatal(err)
	}
	k.Taps++
	// The next step starts from what this tap did, not from a screen the
	// terminal had not yet changed.
	k.Wait(what+" taken", 10*time.Second, func(s inspect.Snapshot) bool { return s.Touches > before.Touches })
	k.CheckWindow()
}

// TapRepeat taps the control with the id n times, gap apart, as a finger
// makes a gesture; it is checked as Tap checks before the first tap. It
// does not wait for each tap to be taken: the taps of the hidden
// maintenance gesture are not a resident's touches (the terminal does not
// count them), and waiting would let the gesture's time pass. The caller
// waits for what the gesture brings.
func (k *Kiosk) TapRepeat(id string, n int, gap time.Duration) {
	k.t.Helper()
	cx, cy, _ := k.aim(id, func(tp inspect.Tappable) bool { return tp.ID == id })
	for i := 0; i < n; i++ {
		if i > 0 {
			time.Sleep(gap)
		}
		if err := k.d.Tap(cx, cy); err != nil {
			k.t.Fatal(err)
		}
		k.Taps++
	}
	k.CheckWindow()
}

// aim finds the tappable match accepts, drags it into sight if it is
// scrolled out, checks that it lies in the window and is drawn where the
// terminal says, keeps the step's screenshot, and returns the point to tap
// with the snapshot it was found in.
func (k *Kiosk) aim(what string, match func(inspect.Tappable) bool) (cx, cy int, before inspect.Snapshot) {
	k.t.Helper()
	var tp inspect.Tappable
	find := func(s inspect.Snapshot) bool {
		for _, t := range s.Tappables {
			if match(t) && !t.Disabled {
				tp = t
				return true
			}
		}
		return false
	}
	before = k.Wait(what, 20*time.Second, find)
	// Out of sight in a scroll region: push the region until it shows,
	// as a resident would.
	for try := 0; tp.Hidden && tp.Scroll != nil; try++ {
		if try == 8 {
			k.shot(what+"-hidden", &tp.Rect)
			k.t.Fatalf("%s stays out of sight in its scroll region %+v after %d drags", what, *tp.Scroll, try)
		}
		sr := *tp.Scroll
		dy := 0
		if tp.Rect.Y < sr.Y {
			dy = min(sr.Y-tp.Rect.Y+8, sr.H*3/4)
		} else {
			dy = -min(tp.Rect.Y+tp.Rect.H-(sr.Y+sr.H)+8, sr.H*3/4)
		}
		win := k.window()
		// Near the region's left edge: its right edge is the scroll bar,
		// which moves the other way.
		if err := k.d.Drag(win.X+sr.X+12, win.Y+sr.Y+sr.H/2, dy); err != nil {
			k.t.Fatal(err)
		}
		k.Drags++
		time.Sleep(150 * time.Millisecond)
		before = k.Wait(what, 20*time.Second, find)
	}
	// The terminal's objects can run a frame ahead of its screen: a
	// control just added (the printed receipt's preview) is listed before
	// it is painted. What is still drawn wrong a second later is wrong.
	for try := 0; ; try++ {
		win := k.window()
		r := tp.Rect
		r.X += win.X
		r.Y += win.Y
		cx, cy = r.Center()
		if !(Geometry{X: r.X, Y: r.Y, W: r.W, H: r.H}).inside(win) {
			k.shot(what+"-outside", &r)
			k.t.Fatalf("%s at %+v is not wholly inside the window %+v", what, r, win)
		}
		// Take the pointer off any control first, so nothing shows hovered.
		if err := k.d.Move(win.X+1, win.Y+win.H-2); err != nil {
			k.t.Fatal(err)
		}
		time.Sleep(80 * time.Millisecond)
		img, err := k.d.Screenshot()
		if err != nil {
			k.t.Fatal(err)
		}
		var drawn error
		if tp.Fill != "" {
			drawn = DrawnAs(img, r, tp.Fill)
		}
		if drawn == nil || try == 8 || tp.Hidden {
			k.saveStep(what, img, &r)
			if drawn != nil {
				k.t.Fatalf("%s: what is drawn under the tap is not it: %v", what, drawn)
			}
			return cx, cy, before
		}
		time.Sleep(40 * time.Millisecond)
		before = k.Wait(what, 20*time.Second, find) // where it is now
	}
}

// Key presses a key (the demo's F2..F5) with the pointer over the window.
func (k *Kiosk) Key(sym xproto.Keysym) {
	k.t.Helper()
	win := k.window()
	if err := k.d.Key(win.X+win.W/2, win.Y+win.H-2, sym); err != nil {
		k.t.Fatal(err)
	}
}

// window is the terminal's window on the display: its one mapped
// top-level window.
func (k *Kiosk) window() Geometry {
	k.t.Helper()
	wins, err := k.d.Windows()
	if err != nil {
		k.t.Fatal(err)
	}
	var best Geometry
	for _, w := range wins {
		if w.W*w.H > best.W*best.H {
			best = w
		}
	}
	if best.W == 0 {
		k.t.Fatal("the terminal has no window on the display")
	}
	return best
}

// CheckWindow fails unless the terminal's window has the size it should:
// the screen's, whether full screen or asked for with -size (the harness
// always asks for the display's size).
func (k *Kiosk) CheckWindow() {
	k.t.Helper()
	w := k.window()
	if w.W != k.d.W || w.H != k.d.H || w.X != 0 || w.Y != 0 {
		k.shot("window", nil)
		k.t.Fatalf("the window is %dx%d at (%d,%d) on a %dx%d screen", w.W, w.H, w.X, w.Y, k.d.W, k.d.H)
	}
}

// fits fails unless the screen in s fits its window: the body within its
// room, the whole content within the window.
func (k *Kiosk) fits(s inspect.Snapshot) {
	k.t.Helper()
	if s.Overflow.W > 0 || s.Overflow.H > 0 {
		k.shot("overflow", nil)
		k.t.Fatalf("screen %s %s does not fit between the header and the status bar: %d px too wide, %d px too tall", s.Screen, s.Step, s.Overflow.W, s.Overflow.H)
	}
	if s.MinSize.W > s.Canvas.W || s.MinSize.H > s.Canvas.H {
		k.shot("minsize", nil)
		k.t.Fatalf("screen %s %s asks for %dx%d in a %dx%d window: it is drawn beyond the window", s.Screen, s.Step, s.MinSize.W, s.MinSize.H, s.Canvas.W, s.Canvas.H)
	}
}

func (g Geometry) inside(o Geometry) bool {
	return g.X >= o.X && g.Y >= o.Y && g.X+g.W <= o.X+o.W && g.Y+g.H <= o.Y+o.H
}

// ResetTaps starts counting taps anew.
func (k *Kiosk) ResetTaps() { k.Taps, k.Drags = 0, 0 }

// DrawnAs checks that the control at r is drawn in the colour fill: most
// of eight points near its edges, where its label is not, are that colour
// (within a small tolerance for shading).
func DrawnAs(img *image.RGBA, r inspect.Rect, fill string) error {
	var want color.RGBA
	if _, err := fmt.Sscanf(fill, "#%02x%02x%02x", &want.R, &want.G, &want.B); err != nil {
		return fmt.Errorf("fill %q: %w", fill, err)
	}
	pts := [][2]float64{{0.1, 0.2}, {0.5, 0.12}, {0.9, 0.2}, {0.06, 0.5}, {0.94, 0.5}, {0.1, 0.8}, {0.5, 0.88}, {0.9, 0.8}}
	var got []string
	match := 0
	for _, p := range pts {
		x := r.X + int(p[0]*float64(r.W))
		y := r.Y + int(p[1]*float64(r.H))
		c := img.RGBAAt(x, y)
		if near(c, want, 28) {
			match++
		}
		got = append(got, fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B))
	}
	if match < 5 {
		return fmt.Errorf("%d of %d points near its edges are %s; drawn there: %s", match, len(pts), fill, strings.Join(got, " "))
	}
	return nil
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

// saveStep writes the screen before a tap, the tap's target outlined.
func (k *Kiosk) saveStep(what string, img *image.RGBA, r *inspect.Rect) {
	k.step++
	if k.opt.Shots == "" {
		return
	}
	k.write(fmt.Sprintf("%02d-%s.png", k.step, fileName(what)), img, r)
}

// Shot keeps the screen as it is now among the steps' screenshots, named
// what, and returns it: for what a journey checks without a tap (the idle
// countdown covering the form).
func (k *Kiosk) Shot(what string) *image.RGBA {
	k.t.Helper()
	img, err := k.d.Screenshot()
	if err != nil {
		k.t.Fatal(err)
	}
	k.saveStep(what, img, nil)
	return img
}

// shot writes the screen as it is now, named for a failure.
func (k *Kiosk) shot(what string, r *inspect.Rect) {
	dir := k.opt.Shots
	if dir == "" {
		dir = filepath.Join(k.Work, "shots")
	}
	img, err := k.d.Screenshot()
	if err != nil {
		return
	}
	k.opt.Shots = dir
	name := fmt.Sprintf("%02d-FAILED-%s.png", k.step+1, fileName(what))
	k.write(name, img, r)
	k.t.Logf("screenshot: %s", filepath.Join(dir, name))
}

func (k *Kiosk) write(name string, img *image.RGBA, r *inspect.Rect) {
	if err := os.MkdirAll(k.opt.Shots, 0o755); err != nil {
		k.t.Logf("screenshot not saved: %v", err)
		return
	}
	if r != nil {
		img = outline(img, *r)
	}
	f, err := os.Create(filepath.Join(k.opt.Shots, name))
	if err != nil {
		k.t.Logf("screenshot not saved: %v", err)
		return
	}
	defer f.Close()
	// Fastest compression: a journey keeps a screenshot per step, and
	// the best compression costs more time than the journey's taps.
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		k.t.Logf("screenshot not saved: %v", err)
	}
}

// outline returns a copy of img with r drawn round in red and its middle
// crossed: where the tap goes.
func outline(img *image.RGBA, r inspect.Rect) *image.RGBA {
	out := image.NewRGBA(img.Bounds())
	copy(out.Pix, img.Pix)
	red := color.RGBA{R: 0xE0, A: 0xFF}
	for x := r.X; x < r.X+r.W; x++ {
		for _, y := range []int{r.Y, r.Y + 1, r.Y + r.H - 2, r.Y + r.H - 1} {
			out.SetRGBA(x, y, red)
		}
	}
	for y := r.Y; y < r.Y+r.H; y++ {
		for _, x := range []int{r.X, r.X + 1, r.X + r.W - 2, r.X + r.W - 1} {
			out.SetRGBA(x, y, red)
		}
	}
	cx, cy := r.Center()
	for i := -12; i <= 12; i++ {
		out.SetRGBA(cx+i, cy, red)
		out.SetRGBA(cx, cy+i, red)
	}
	return out
}

func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == ':' || r == '#' {
			return '_'
		}
		return r
	}, s)
}
