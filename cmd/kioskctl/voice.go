package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
)

// voiceMake records every prompt with espeak-ng's Mandarin voice into a
// folder, ID.wav each: the package's recordings, made when it is built
// (and by make run for the demo). A district's own recordings are better.
func voiceMake(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	out := fs.String("out", "", "the folder to write the recordings to (`DIR`)")
	voiceName := fs.String("voice", "cmn", "espeak-ng's `VOICE`")
	speed := fs.Int("speed", 160, "words a minute (`N`): slower is clearer for the elderly")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		if *out == "" {
			return fmt.Errorf("%w: voice make needs --out", errUsage)
		}
		if err := voice.Record(context.Background(), *out, *voiceName, *speed); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d prompts recorded in %s\n", len(voice.Prompts), *out)
		return nil
	}
}

// voicePlay plays one prompt, as the terminal would: the district's
// recording if there is one, else the package's.
func voicePlay(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	prompt := fs.String("prompt", "card", "the prompt's `ID`")
	device := fs.String("device", "default", "the ALSA `DEVICE`")
	volume := fs.Int("volume", 80, "`0-100` of the recording's loudness")
	dir := fs.String("dir", "/usr/share/yizhan/voice", "the package's recordings (`DIR`)")
	data := fs.String("data", "/var/lib/yizhan", "the data folder, whose voice/ holds the district's recordings (`DIR`)")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		if _, ok := voice.Lookup(*prompt); !ok {
			return fmt.Errorf("%w: no prompt %q", errUsage, *prompt)
		}
		p := voice.NewPlayer([]string{filepath.Join(*data, "voice"), *dir}, *device, *volume, nil)
		w, path, err := p.Recording(*prompt)
		if err != nil {
			return fmt.Errorf("%s: %w", *prompt, err)
		}
		fmt.Fprintf(stdout, "%s: %s, %.1f s\n", *prompt, path, float64(len(w.Samples))/float64(w.Rate*w.Channels))
		ctx, cancel := context.WithCancel(context.Background())
		played := make(chan struct{})
		p.Played = func(string) { close(played) }
		done := make(chan struct{})
		go func() { p.Run(ctx); close(done) }()
		p.Say(*prompt)
		select {
		case <-played:
		case <-time.After(10 * time.Second):
			cancel()
			<-done
			return errors.New("the prompt did not play (is aplay installed? apt-get install alsa-utils)")
		}
		time.Sleep(time.Duration(float64(len(w.Samples)) / float64(w.Rate*w.Channels) * float64(time.Second)))
		cancel()
		<-done
		return nil
	}
}
