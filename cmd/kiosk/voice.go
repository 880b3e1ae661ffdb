package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/display"
	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
)

// startVoice plays the spoken prompts until ctx ends: the district's
// recordings (the data folder's voice/) before the package's. Nil when
// the voice is off.
func startVoice(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, log *slog.Logger) (*voice.Player, voice.Policy) {
	quiet, _ := display.ParseSchedule(cfg.Voice.QuietHours) // checked with the configuration
	policy := voice.Policy{Mode: cfg.Voice.Mode, Quiet: quiet}
	if cfg.Voice.Mode == voice.ModeOff {
		return nil, policy
	}
	log = log.With("part", "voice")
	p := voice.NewPlayer([]string{filepath.Join(cfg.DataDir, "voice"), cfg.Voice.Recordings}, cfg.Voice.Device, cfg.Voice.Volume, log)
	// The prompt's id only: a prompt holds nothing personal.
	p.Played = func(id string) { log.Info("prompt played", "prompt", id) }
	wg.Go(func() { p.Run(ctx) })
	return p, policy
}
