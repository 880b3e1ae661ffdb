// Package inspect lets the journey harness see the demo terminal's screen as
// the terminal sees it: which screen is showing, and where each thing a
// resident can tap is drawn, in the window's pixels. The terminal serves it
// on a unix socket in its data folder, in demo mode only; the harness reads
// it to know where to tap, then taps through X like a finger would and
// checks the screenshot, so a tap that lands beside its button fails.
//
// What it lists is what is on screen (labels included), so it is never
// served by a terminal in service: only the demo, with sample cards.
package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
)

// SocketName is the socket's name in the demo data folder.
const SocketName = "inspect.sock"

// Rect is a rectangle in the window's pixels.
type Rect struct {
	X int `json:"x"`
	Y int `json:"y"`
	W int `json:"w"`
	H int `json:"h"`
}

// Center is the rectangle's middle point.
func (r Rect) Center() (x, y int) { return r.X + r.W/2, r.Y + r.H/2 }

// Contains reports whether the point lies inside the rectangle.
func (r Rect) Contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// Tappable is one thing on screen that answers a tap.
type Tappable struct {
	// ID names it whatever the language: the translation key of its
	// label where the label is one ("nav.home"), otherwise its kind and
	// label ("key:5", "button:居民身份证换领"). A second one with the same
	// name on screen gets "#2" after it, and so on.
	ID    string `json:"id"`
	Label string `json:"label"`
	Kind  string `json:"kind"` // button, tile, key, corner, ...
	Rect  Rect   `json:"rect"`
	// Fill is the colour its background is drawn in ("#rrggbb"), so the
	// harness can check that what is drawn under a tap is this; empty
	// when it has none.
	Fill     string `json:"fill,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
	// Hidden says it lies in a scroll region but out of sight there; then
	// Rect is where it would be drawn, and Scroll the region's rectangle,
	// to drag it into sight.
	Hidden bool  `json:"hidden,omitempty"`
	Scroll *Rect `json:"scroll,omitempty"`
}

// Snapshot is what is on screen at one moment.
type Snapshot struct {
	Screen  string `json:"screen"`         // the session's screen: home, apply, applying, ...
	Step    string `json:"step,omitempty"` // the journey's step on the apply screen
	Lang    string `json:"lang"`
	Elderly bool   `json:"elderly"`
	// Canvas is the size the window's content is laid out at, and
	// MinSize the least it asks for, both in pixels: content that asks
	// for more than its window is drawn beyond it.
	Canvas  Size `json:"canvas"`
	MinSize Size `json:"min_size"`
	// Overflow is how much more room the screen's body asks for than it
	// has between the header and the status bar (0 when it fits): a
	// screen that overflows is scrolled as a whole, its actions with it.
	Overflow  Size `json:"overflow"`
	Countdown bool `json:"countdown,omitempty"` // the idle countdown is showing
	// Streaming names the cameras streaming now, their light on: "face",
	// "document".
	Streaming []string `json:"streaming,omitempty"`
	// Touches counts the touches the terminal has taken: a tap that
	// reached it raises it by one.
	Touches int `json:"touches"`
	// Spoken are the prompts the terminal asked to be spoken lately
	// (kiosk/voice ids), oldest first.
	Spoken    []string   `json:"spoken,omitempty"`
	Texts     []string   `json:"texts,omitempty"` // the visible words, in drawing order
	Tappables []Tappable `json:"tappables"`
}

// Size is a width and height in pixels.
type Size struct {
	W int `json:"w"`
	H int `json:"h"`
}

// Find returns the first tappable with the given id.
func (s Snapshot) Find(id string) (Tappable, bool) {
	for _, t := range s.Tappables {
		if t.ID == id {
			return t, true
		}
	}
	return Tappable{}, false
}

// Serve answers GET /snapshot on a unix socket at path until ctx ends. The
// socket is made owner-only; one left behind by an earlier run is
// replaced. snap is called for each request.
func Serve(ctx context.Context, path string, snap func() (Snapshot, error), log *slog.Logger) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("inspect: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("inspect: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("inspect: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /snapshot", func(w http.ResponseWriter, r *http.Request) {
		s, err := snap()
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(s); err != nil {
			log.Debug("inspect: write", "err", err)
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	err = srv.Serve(ln)
	os.Remove(path)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("inspect: %w", err)
}

// Get asks the terminal listening at path for a snapshot.
func Get(ctx context.Context, path string) (Snapshot, error) {
	c := http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://terminal/snapshot", nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("inspect: %w", err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return Snapshot{}, fmt.Errorf("inspect: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return Snapshot{}, fmt.Errorf("inspect: %s: %s", resp.Status, msg)
	}
	var s Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return Snapshot{}, fmt.Errorf("inspect: decode: %w", err)
	}
	return s, nil
}
