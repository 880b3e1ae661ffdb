package voice

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/display"
)

// tone is a short recording for the player's tests.
func tone(seconds float64) WAV {
	w := WAV{Channels: 1, Rate: 8000, Samples: make([]int16, int(seconds*8000))}
	for i := range w.Samples {
		if i%16 < 8 {
			w.Samples[i] = 8000
		} else {
			w.Samples[i] = -8000
		}
	}
	return w
}

func TestWAVRoundTripAndVolume(t *testing.T) {
	w := tone(0.1)
	got, err := ParseWAV(w.Bytes())
	if err != nil || got.Rate != 8000 || got.Channels != 1 || len(got.Samples) != 800 || got.Samples[0] != 8000 {
		t.Fatalf("%+v %v", got.Rate, err)
	}
	if half := w.Scaled(50); half.Samples[0] != 4000 || half.Samples[8] != -4000 {
		t.Fatalf("at 50%%: %d %d", half.Samples[0], half.Samples[8])
	}
	if loud := w.Scaled(150); loud.Samples[0] != 8000 {
		t.Fatal("a volume over 100 made it louder than recorded")
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"not riff":  []byte("OggS0000WAVE"),
		"8-bit":     eightBit(),
		"no data":   w.Bytes()[:36],
		"too long":  tone(31).Bytes(),
		"cut fmt":   w.Bytes()[:20],
		"no format": append([]byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00"), 1, 2),
	} {
		if _, err := ParseWAV(data); !errors.Is(err, ErrNotWAV) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func eightBit() []byte {
	b := tone(0.01).Bytes()
	b[34] = 8 // bits per sample
	return b
}

func FuzzParseWAV(f *testing.F) {
	f.Add(tone(0.01).Bytes())
	f.Add(eightBit())
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseWAV(data)
		if err != nil {
			return
		}
		again, err := ParseWAV(w.Bytes())
		if err != nil || again.Rate != w.Rate || again.Channels != w.Channels || len(again.Samples) != len(w.Samples) {
			t.Fatalf("a recording read does not read back: %v", err)
		}
	})
}

// Every prompt has an id of its own and words to record.
func TestPrompts(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Prompts {
		if p.ID == "" || p.Text == "" || seen[p.ID] {
			t.Errorf("prompt %+v", p)
		}
		seen[p.ID] = true
	}
}

func TestPolicy(t *testing.T) {
	quiet, _ := display.ParseSchedule("22:00-07:00")
	day := time.Date(2026, 12, 7, 10, 0, 0, 0, time.Local)
	night := time.Date(2026, 12, 7, 23, 0, 0, 0, time.Local)
	for _, c := range []struct {
		p       Policy
		elderly bool
		at      time.Time
		want    bool
	}{
		{Policy{Mode: ModeElderly}, true, day, true},
		{Policy{Mode: ModeElderly}, false, day, false},
		{Policy{Mode: ModeAlways}, false, day, true},
		{Policy{Mode: ModeOff}, true, day, false},
		{Policy{Mode: ModeAlways, Quiet: quiet}, true, night, false},
		{Policy{Mode: ModeAlways, Quiet: quiet}, true, day, true},
	} {
		if got := c.p.Speaks(c.elderly, c.at); got != c.want {
			t.Errorf("%+v elderly %v at %s: %v", c.p, c.elderly, c.at.Format("15:04"), got)
		}
	}
}

// needALSA skips a test where aplay is not installed, or fails it with
// YIZHAN_REQUIRE_ALSA (make test sets it).
func needALSA(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aplay"); err != nil {
		if os.Getenv("YIZHAN_REQUIRE_ALSA") != "" {
			t.Fatal("aplay is not installed (apt-get install alsa-utils)")
		}
		t.Skip("aplay is not installed (apt-get install alsa-utils)")
	}
}

// The player plays each prompt through aplay into ALSA's null device,
// the district's recording before the package's; a newer prompt cuts the
// one playing short; a missing one is skipped.
func TestPlayerThroughALSA(t *testing.T) {
	needALSA(t)
	district, pkg := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(pkg, "card.wav"), tone(0.2).Bytes(), 0o644)
	os.WriteFile(filepath.Join(pkg, "home.wav"), tone(3).Bytes(), 0o644)
	os.WriteFile(filepath.Join(pkg, "review.wav"), tone(0.2).Bytes(), 0o644)
	own := tone(0.3)
	own.Samples[0] = 1234
	os.WriteFile(filepath.Join(district, "review.wav"), own.Bytes(), 0o644)

	p := NewPlayer([]string{district, pkg}, "null", 80, nil)
	var mu sync.Mutex
	var played []string
	p.Played = func(id string) { mu.Lock(); played = append(played, id); mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	w, path, err := p.Recording("review")
	if err != nil || path != filepath.Join(district, "review.wav") || w.Samples[0] != 1234 {
		t.Fatalf("the district's recording is not first: %s %v", path, err)
	}
	start := time.Now()
	p.Say("home") // 3 s long
	waitPlayed(t, &mu, &played, 1)
	p.Say("card") // cuts it short
	p.Say("materials")
	p.Say("card")
	waitPlayed(t, &mu, &played, 2)
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("a newer prompt waited %v for the one playing", took)
	}
	mu.Lock()
	defer mu.Unlock()
	if played[0] != "home" || played[1] != "card" {
		t.Fatalf("played %v, want home then card (materials has no recording, and the second card replaced it)", played)
	}
}

func waitPlayed(t *testing.T, mu *sync.Mutex, played *[]string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := len(*played)
		mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d prompts played in 10 s, want %d", got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The district's recordings replace the folder's whole, and only good
// ones are taken.
func TestInstall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "voice")
	if err := Install(dir, map[string][]byte{"card": tone(0.2).Bytes(), "home": tone(0.3).Bytes()}); err != nil {
		t.Fatal(err)
	}
	if err := Install(dir, map[string][]byte{"card": tone(0.4).Bytes()}); err != nil {
		t.Fatal(err)
	}
	p := NewPlayer([]string{dir}, "null", 80, nil)
	if w, _, err := p.Recording("card"); err != nil || len(w.Samples) != 3200 {
		t.Fatalf("the newer card: %d samples, %v", len(w.Samples), err)
	}
	if _, _, err := p.Recording("home"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a recording the district took back is still there: %v", err)
	}
	for name, prompts := range map[string]map[string][]byte{
		"unknown prompt": {"jingle": tone(0.1).Bytes()},
		"not a wav":      {"card": []byte("ID3 mp3")},
	} {
		if err := Install(dir, prompts); err == nil {
			t.Errorf("%s: taken", name)
		}
	}
	if w, _, err := p.Recording("card"); err != nil || len(w.Samples) != 3200 {
		t.Fatalf("a refused set touched the recordings: %v", err)
	}
}
