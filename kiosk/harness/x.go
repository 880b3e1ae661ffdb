// Package harness drives the real kiosk binary as a resident would: on a
// virtual X screen (Xvfb) of a real panel's size, with pointer taps sent
// through the XTEST extension, and screenshots read back from X. Where to
// tap comes from the running terminal's inspection socket (kiosk/inspect,
// demo only); before each tap the harness checks that what is drawn under
// the tap is the control it means to tap, so drawing and touch drifting
// apart fails, and after it that the window still has the size it should.
//
// It is for tests: every helper takes a testing.TB and fails it.
package harness

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"log"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/jezek/xgb/xtest"
)

// Keysyms of the keys the demo answers to.
const (
	KeyF2 xproto.Keysym = 0xFFBF // place a sample card
	KeyF3 xproto.Keysym = 0xFFC0 // print a sample receipt
	KeyF4 xproto.Keysym = 0xFFC1 // submit a sample application
	KeyF5 xproto.Keysym = 0xFFC2 // try the cameras
	KeyF6 xproto.Keysym = 0xFFC3 // hold the newest receipt to the code scanner
)

// Display is a virtual X screen and a connection to it.
type Display struct {
	Name string // ":N"
	W, H int
	conn *xgb.Conn
	root xproto.Window
}

// Xvfb returns the path of Xvfb, or skips the test when there is none
// (fails instead when YIZHAN_REQUIRE_XVFB=1, as make test sets).
func Xvfb(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("Xvfb")
	if err != nil {
		if os.Getenv("YIZHAN_REQUIRE_XVFB") == "1" {
			t.Fatal("Xvfb not found: apt-get install xvfb")
		}
		t.Skip("Xvfb not found")
	}
	return p
}

func init() {
	// The X library logs its own connection's set-up and end (no
	// .Xauthority under Xvfb; the reset when the server stops with the
	// test): noise in every test's output. Its errors reach us as errors.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// StartDisplay starts Xvfb with one screen of w×h on a free display and
// connects to it; both end with the test.
func StartDisplay(t testing.TB, w, h int) *Display {
	t.Helper()
	xvfb := Xvfb(t)
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(xvfb, "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", w, h), "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{pw}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start Xvfb: %v", err)
	}
	pw.Close()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- s
	}()
	var name string
	select {
	case s := <-line:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatalf("Xvfb display number %q: %v", s, err)
		}
		name = ":" + strconv.Itoa(n)
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not start within 30 s")
	}
	conn, err := xgb.NewConnDisplay(name)
	if err != nil {
		t.Fatalf("connect to %s: %v", name, err)
	}
	t.Cleanup(conn.Close)
	if err := xtest.Init(conn); err != nil {
		t.Fatalf("XTEST on %s: %v", name, err)
	}
	return &Display{Name: name, W: w, H: h, conn: conn, root: xproto.Setup(conn).DefaultScreen(conn).Root}
}

// Screenshot reads the whole screen.
func (d *Display) Screenshot() (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, d.W, d.H))
	// Read in bands: one reply for a whole 1080p screen exceeds X's limits.
	const band = 120
	for y := 0; y < d.H; y += band {
		bh := min(band, d.H-y)
		reply, err := xproto.GetImage(d.conn, xproto.ImageFormatZPixmap, xproto.Drawable(d.root),
			0, int16(y), uint16(d.W), uint16(bh), 0xffffffff).Reply()
		if err != nil {
			return nil, fmt.Errorf("harness: screenshot: %w", err)
		}
		if len(reply.Data) < d.W*bh*4 {
			return nil, fmt.Errorf("harness: screenshot: %d bytes for %dx%d", len(reply.Data), d.W, bh)
		}
		for i := 0; i < d.W*bh; i++ {
			p := reply.Data[i*4 : i*4+4] // BGRX
			o := (y*d.W)*4 + i*4
			img.Pix[o], img.Pix[o+1], img.Pix[o+2], img.Pix[o+3] = p[2], p[1], p[0], 0xff
		}
	}
	return img, nil
}

// Move puts the pointer at (x, y) on the screen.
func (d *Display) Move(x, y int) error {
	return xtest.FakeInputChecked(d.conn, xproto.MotionNotify, 0, 0, d.root, int16(x), int16(y), 0).Check()
}

// Tap moves the pointer to (x, y), presses and releases the first button,
// as a finger on a touch panel does.
func (d *Display) Tap(x, y int) error {
	if err := d.Move(x, y); err != nil {
		return fmt.Errorf("harness: tap: %w", err)
	}
	time.Sleep(60 * time.Millisecond)
	if err := xtest.FakeInputChecked(d.conn, xproto.ButtonPress, 1, 0, d.root, 0, 0, 0).Check(); err != nil {
		return fmt.Errorf("harness: tap: %w", err)
	}
	time.Sleep(40 * time.Millisecond)
	if err := xtest.FakeInputChecked(d.conn, xproto.ButtonRelease, 1, 0, d.root, 0, 0, 0).Check(); err != nil {
		return fmt.Errorf("harness: tap: %w", err)
	}
	return nil
}

// Key presses and releases the key with keysym sym, the pointer first put
// at (x, y) so the window there has the keyboard.
func (d *Display) Key(x, y int, sym xproto.Keysym) error {
	setup := xproto.Setup(d.conn)
	count := byte(setup.MaxKeycode - setup.MinKeycode + 1)
	km, err := xproto.GetKeyboardMapping(d.conn, setup.MinKeycode, count).Reply()
	if err != nil {
		return fmt.Errorf("harness: key: %w", err)
	}
	var code xproto.Keycode
	per := int(km.KeysymsPerKeycode)
	for i, s := range km.Keysyms {
		if s == sym {
			code = setup.MinKeycode + xproto.Keycode(i/per)
			break
		}
	}
	if code == 0 {
		return fmt.Errorf("harness: no keycode for keysym %#x", sym)
	}
	if err := d.Move(x, y); err != nil {
		return fmt.Errorf("harness: key: %w", err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := xtest.FakeInputChecked(d.conn, xproto.KeyPress, byte(code), 0, d.root, 0, 0, 0).Check(); err != nil {
		return fmt.Errorf("harness: key: %w", err)
	}
	time.Sleep(40 * time.Millisecond)
	if err := xtest.FakeInputChecked(d.conn, xproto.KeyRelease, byte(code), 0, d.root, 0, 0, 0).Check(); err != nil {
		return fmt.Errorf("harness: key: %w", err)
	}
	return nil
}

// Geometry is a window's place and size on the screen.
type Geometry struct {
	X, Y, W, H int
}

// Windows lists the mapped top-level windows (without a window manager,
// the root's mapped children) with their geometry.
func (d *Display) Windows() ([]Geometry, error) {
	tree, err := xproto.QueryTree(d.conn, d.root).Reply()
	if err != nil {
		return nil, fmt.Errorf("harness: windows: %w", err)
	}
	var out []Geometry
	for _, w := range tree.Children {
		attr, err := xproto.GetWindowAttributes(d.conn, w).Reply()
		if err != nil || attr.MapState != xproto.MapStateViewable || attr.Class == xproto.WindowClassInputOnly {
			continue
		}
		g, err := xproto.GetGeometry(d.conn, xproto.Drawable(w)).Reply()
		if err != nil {
			continue
		}
		out = append(out, Geometry{X: int(g.X), Y: int(g.Y), W: int(g.Width), H: int(g.Height)})
	}
	return out, nil
}

// Drag presses at (x, y), moves the pointer by dy in steps, as a finger
// pushing a list does, and lifts.
func (d *Display) Drag(x, y, dy int) error {
	if err := d.Move(x, y); err != nil {
		return fmt.Errorf("harness: drag: %w", err)
	}
	time.Sleep(60 * time.Millisecond)
	if err := xtest.FakeInputChecked(d.conn, xproto.ButtonPress, 1, 0, d.root, 0, 0, 0).Check(); err != nil {
		return fmt.Errorf("harness: drag: %w", err)
	}
	const steps = 12
	for i := 1; i <= steps; i++ {
		time.Sleep(15 * time.Millisecond)
		if err := d.Move(x, y+dy*i/steps); err != nil {
			return fmt.Errorf("harness: drag: %w", err)
		}
	}
	time.Sleep(60 * time.Millisecond)
	if err := xtest.FakeInputChecked(d.conn, xproto.ButtonRelease, 1, 0, d.root, 0, 0, 0).Check(); err != nil {
		return fmt.Errorf("harness: drag: %w", err)
	}
	return nil
}
