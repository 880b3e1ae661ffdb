package voice

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/display"
)

// Player plays prompts through ALSA, with aplay, one at a time: a new
// prompt stops the one playing — the resident has moved on. Run owns the
// aplay process; Say never blocks.
type Player struct {
	// Dirs are looked in, in order, for ID.wav: the district's
	// recordings first, then the package's.
	Dirs []string
	// Device is the ALSA PCM ("default"; "null" plays to nothing).
	Device string
	// Volume is 0–100 of the recording's loudness.
	Volume int
	Log    *slog.Logger
	// Played, if set, is told each prompt as it starts, from Run's
	// goroutine: the inspection shows it, tests check it.
	Played func(id string)

	queue   chan string
	missing sync.Map // ids already reported missing
}

// NewPlayer makes a player of the recordings in dirs.
func NewPlayer(dirs []string, device string, volume int, log *slog.Logger) *Player {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Player{Dirs: dirs, Device: device, Volume: volume, Log: log, queue: make(chan string, 1)}
}

// Say asks for a prompt to be played now, in place of any waiting.
func (p *Player) Say(id string) {
	for {
		select {
		case p.queue <- id:
			return
		default:
		}
		select { // drop the waiting one: this one is newer
		case <-p.queue:
		default:
		}
	}
}

// Recording finds a prompt's recording: the first of Dirs that has it.
func (p *Player) Recording(id string) (WAV, string, error) {
	if _, ok := Lookup(id); !ok {
		return WAV{}, "", errors.New("voice: no prompt " + id)
	}
	var last error = os.ErrNotExist
	for _, dir := range p.Dirs {
		path := filepath.Join(dir, id+".wav")
		data, err := os.ReadFile(path)
		if err != nil {
			last = err
			continue
		}
		w, err := ParseWAV(data)
		if err != nil {
			return WAV{}, path, err // a broken recording is not skipped over silently
		}
		return w, path, nil
	}
	return WAV{}, "", last
}

// Run plays what Say asks until ctx ends.
func (p *Player) Run(ctx context.Context) {
	var next string
	for {
		if next == "" {
			select {
			case <-ctx.Done():
				return
			case next = <-p.queue:
			}
		}
		id := next
		next = ""
		w, path, err := p.Recording(id)
		if err != nil {
			if _, told := p.missing.LoadOrStore(id, true); !told {
				p.Log.Warn("prompt not played", "prompt", id, "file", path, "err", err)
			}
			continue
		}
		cmd := exec.Command("aplay", "-q", "-D", p.Device, "-")
		cmd.Stdin = bytes.NewReader(w.Scaled(p.Volume).Bytes())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			if _, told := p.missing.LoadOrStore("aplay", true); !told {
				p.Log.Warn("no spoken prompts: aplay does not start (apt-get install alsa-utils)", "err", err)
			}
			continue
		}
		if p.Played != nil {
			p.Played(id)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				p.Log.Warn("prompt not played", "prompt", id, "err", err, "aplay", stderr.String())
			}
		case next = <-p.queue:
			cmd.Process.Kill()
			<-done
		case <-ctx.Done():
			cmd.Process.Kill()
			<-done
			return
		}
	}
}

// Policy says when prompts play by themselves (the 🔊 button plays one
// whatever it says).
type Policy struct {
	// Mode is "elderly" (in elderly mode only), "always" or "off".
	Mode string
	// Quiet are hours no prompt plays by itself ("22:00-07:00"; zero:
	// none).
	Quiet display.Schedule
}

// Modes of Policy.
const (
	ModeElderly = "elderly"
	ModeAlways  = "always"
	ModeOff     = "off"
)

// Speaks reports whether a step's prompt plays by itself now.
func (p Policy) Speaks(elderly bool, now time.Time) bool {
	switch {
	case p.Mode == ModeOff, p.Mode == ModeElderly && !elderly:
		return false
	case p.Quiet.Set() && p.Quiet.On(now):
		return false
	}
	return true
}
