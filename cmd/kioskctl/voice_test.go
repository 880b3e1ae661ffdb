package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
)

// Every prompt is recorded with espeak-ng and each recording plays into
// ALSA's null device.
func TestVoiceMakeAndPlay(t *testing.T) {
	for _, tool := range []string{"espeak-ng", "aplay"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("YIZHAN_REQUIRE_ALSA") != "" {
				t.Fatalf("%s is not installed (apt-get install espeak-ng alsa-utils)", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run([]string{"voice", "make", "--out", dir}, nil, &out, &errOut); err != nil {
		t.Fatalf("voice make: %v %s", err, errOut.String())
	}
	for _, p := range voice.Prompts {
		data, err := os.ReadFile(filepath.Join(dir, p.ID+".wav"))
		if err != nil {
			t.Fatal(err)
		}
		w, err := voice.ParseWAV(data)
		// A sentence takes a second or more.
		if err != nil || len(w.Samples) < w.Rate {
			t.Errorf("%s: %d samples, %v", p.ID, len(w.Samples), err)
		}
	}
	out.Reset()
	if err := run([]string{"voice", "play", "--prompt", "card", "--device", "null", "--dir", dir, "--data", t.TempDir()}, nil, &out, &errOut); err != nil {
		t.Fatalf("voice play: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), filepath.Join(dir, "card.wav")) {
		t.Fatalf("voice play: %q", out.String())
	}
}
