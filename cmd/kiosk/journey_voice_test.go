package main

import (
	"slices"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/harness"
)

// TestJourneySpoken: in elderly mode the apply journey speaks at each
// step — the recordings made with espeak-ng, played by aplay into ALSA's
// null device, as the kiosk's log says — and the 🔊 button says the
// step's prompt again; in standard mode nothing plays by itself.
func TestJourneySpoken(t *testing.T) {
	panels := journeyPanels(t, false)
	for _, elderly := range []bool{true, false} {
		name := "elderly"
		if !elderly {
			name = "standard"
		}
		t.Run(name, func(t *testing.T) {
			k := startJourney(t, "voice", panels[0].name, panels[0].w, panels[0].h, elderly, harness.Options{Windowed: true})
			if !elderly {
				k.Tap("tile.query")
				k.WaitScreen("query", "")
				k.Tap("speaker")
				waitSpoken(t, k, []string{"query"})
				if s := k.Snapshot(); !slices.Equal(s.Spoken, []string{"query"}) {
					t.Fatalf("in standard mode the terminal asked for %v, want only the 🔊 button's query", s.Spoken)
				}
				return
			}
			applyJourney(t, k)
			want := []string{"services", "guide", "card", "face", "form", "materials", "review", "receipt", "rating"}
			waitSpoken(t, k, want)
			// The button, on the home screen the journey ended at.
			k.Tap("speaker")
			waitSpoken(t, k, append(want, "home"))
		})
	}
}

// waitSpoken waits until the kiosk's log shows the prompts played, in
// this order (others may come between: a step shown twice).
func waitSpoken(t *testing.T, k *harness.Kiosk, want []string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := k.Spoken()
		if subsequence(want, got) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("prompts played %v, want %v in order (asked for: %v)", got, want, k.Snapshot().Spoken)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func subsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}
