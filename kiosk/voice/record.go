package voice

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Record records every prompt with espeak-ng into dir, ID.wav each, in
// the voice ("cmn": Mandarin) at speed words a minute: the package's
// recordings. Each is checked to be one the player plays.
func Record(ctx context.Context, dir, voice string, speed int) error {
	espeak, err := exec.LookPath("espeak-ng")
	if err != nil {
		return errors.New("voice: espeak-ng is not installed (apt-get install espeak-ng)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, p := range Prompts {
		path := filepath.Join(dir, p.ID+".wav")
		part := path + ".part"
		one, cancel := context.WithTimeout(ctx, 30*time.Second)
		msg, err := exec.CommandContext(one, espeak, "-v", voice, "-s", strconv.Itoa(speed), "-w", part, p.Text).CombinedOutput()
		cancel()
		if err != nil {
			os.Remove(part)
			return fmt.Errorf("voice: espeak-ng %s: %v: %s", p.ID, err, msg)
		}
		data, err := os.ReadFile(part)
		if err == nil {
			_, err = ParseWAV(data)
		}
		if err != nil {
			os.Remove(part)
			return fmt.Errorf("voice: the recording of %s: %w", p.ID, err)
		}
		if err := os.Rename(part, path); err != nil {
			return err
		}
	}
	return nil
}
