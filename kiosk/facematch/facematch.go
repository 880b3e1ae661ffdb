// Package facematch compares the resident's face photo with the photo on
// their ID card through a program the district chooses (a vendor's
// matcher), the way the card photo is decoded: two image files in, a
// score from 0 to 1 out, within a timeout. The terminal holds no face
// recognition of its own; with no program configured an application says
// "not compared".
package facematch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Verdict is what an application carries about the resident's identity.
type Verdict string

const (
	Matched     Verdict = "matched"      // the faces are the same person by the matcher
	NotMatched  Verdict = "not_matched"  // the matcher says they are not: staff verify
	NotCompared Verdict = "not_compared" // no matcher, or it failed: staff may verify
	ByStaff     Verdict = "by_staff"     // the resident declined the face photo
)

// Matcher runs the comparison program.
type Matcher struct {
	// Program is the matcher, run as PROGRAM FACE.jpg CARD.png; "" means
	// no comparison, Simulated the demo's simulated matcher.
	Program   string
	Timeout   time.Duration // 5 s unless set
	Threshold float64       // the score from which faces match
}

// Result is one comparison.
type Result struct {
	Verdict Verdict
	Score   float64 // 0 when not compared
	Reason  string  // why not compared, for technicians; nothing personal
}

// Compare runs the program on the face (JPEG) and the card photo. It never
// fails the application: any trouble gives NotCompared with the reason.
func (m Matcher) Compare(ctx context.Context, faceJPEG []byte, card image.Image) Result {
	if m.Program == "" {
		return Result{Verdict: NotCompared, Reason: "no matcher configured"}
	}
	if m.Program == Simulated {
		return simulated(faceJPEG)
	}
	if card == nil {
		return Result{Verdict: NotCompared, Reason: "no card photo (no photo decoder)"}
	}
	score, err := m.run(ctx, faceJPEG, card)
	if err != nil {
		return Result{Verdict: NotCompared, Reason: err.Error()}
	}
	if score >= m.Threshold {
		return Result{Verdict: Matched, Score: score}
	}
	return Result{Verdict: NotMatched, Score: score}
}

// Simulated names the demo's simulated matcher: the demo's face camera is
// simulated and its sample cards carry no photo a decoder could read, so
// nothing real can be compared; it takes any face photo that decodes as a
// JPEG of a face's size as the card holder's. The configuration takes it
// only with the simulated face camera.
const Simulated = "sim"

func simulated(faceJPEG []byte) Result {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(faceJPEG))
	if err != nil || cfg.Width < 64 || cfg.Height < 64 {
		return Result{Verdict: NotCompared, Reason: "simulated matcher: no face photo"}
	}
	return Result{Verdict: Matched, Score: 0.9, Reason: "simulated matcher (demo)"}
}

func (m Matcher) run(ctx context.Context, faceJPEG []byte, card image.Image) (float64, error) {
	// The two pictures exist as files only for the run, readable by this
	// user alone, and are removed after.
	dir, err := os.MkdirTemp("", "yizhan-match-")
	if err != nil {
		return 0, fmt.Errorf("facematch: %w", err)
	}
	defer os.RemoveAll(dir)
	face, cardPath := filepath.Join(dir, "face.jpg"), filepath.Join(dir, "card.png")
	if err := os.WriteFile(face, faceJPEG, 0o600); err != nil {
		return 0, fmt.Errorf("facematch: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, card); err != nil {
		return 0, fmt.Errorf("facematch: %w", err)
	}
	if err := os.WriteFile(cardPath, buf.Bytes(), 0o600); err != nil {
		return 0, fmt.Errorf("facematch: %w", err)
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, m.Program, face, cardPath)
	var out bytes.Buffer
	cmd.Stdout = &limited{w: &out, n: 64}
	cmd.Stderr = io.Discard
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("facematch: no result within %v", timeout)
		}
		return 0, fmt.Errorf("facematch: %w", err)
	}
	score, err := strconv.ParseFloat(strings.TrimSpace(out.String()), 64)
	if err != nil || score < 0 || score > 1 {
		return 0, errors.New("facematch: the matcher printed no score from 0 to 1")
	}
	return score, nil
}

// limited keeps the first n bytes written and drops the rest: a score is a
// few characters.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
