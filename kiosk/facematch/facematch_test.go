package facematch

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// matcher writes a shell script as the matcher program.
func matcher(t *testing.T, body string) string {
	path := filepath.Join(t.TempDir(), "match")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCompare(t *testing.T) {
	card := image.NewGray(image.Rect(0, 0, 102, 126))
	face := []byte("\xFF\xD8 a face")
	ctx := context.Background()
	// The program gets a JPEG and a PNG; it checks them, like a real one.
	checks := `case "$1" in *.jpg) ;; *) exit 3;; esac; case "$2" in *.png) ;; *) exit 4;; esac; [ -s "$1" ] && [ -s "$2" ] || exit 5;`
	cases := []struct {
		name, script string
		want         Verdict
		why          string
	}{
		{"same person", checks + " echo 0.93", Matched, ""},
		{"another person", checks + " echo 0.41", NotMatched, ""},
		{"fails", "exit 1", NotCompared, "exit status 1"},
		{"talks nonsense", "echo maybe", NotCompared, "no score"},
		{"out of range", "echo 7", NotCompared, "no score"},
		{"hangs", "sleep 10", NotCompared, "no result within"},
	}
	for _, c := range cases {
		m := Matcher{Program: matcher(t, c.script), Timeout: 500 * time.Millisecond, Threshold: 0.8}
		start := time.Now()
		r := m.Compare(ctx, face, card)
		if r.Verdict != c.want || !strings.Contains(r.Reason, c.why) {
			t.Errorf("%s: %+v, want %s (%q)", c.name, r, c.want, c.why)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("%s: took %v", c.name, time.Since(start))
		}
	}
	if r := (Matcher{}).Compare(ctx, face, card); r.Verdict != NotCompared {
		t.Errorf("no matcher: %+v", r)
	}
	if r := (Matcher{Program: "/bin/true"}).Compare(ctx, face, nil); r.Verdict != NotCompared || !strings.Contains(r.Reason, "card photo") {
		t.Errorf("no card photo: %+v", r)
	}
}

func TestPicturesAreRemovedAfter(t *testing.T) {
	keep := filepath.Join(t.TempDir(), "seen")
	m := Matcher{Program: matcher(t, `echo "$1" > `+keep+`; echo 0.9`), Threshold: 0.8}
	m.Compare(context.Background(), []byte("face"), image.NewGray(image.Rect(0, 0, 20, 20)))
	seen, _ := os.ReadFile(keep)
	path := strings.TrimSpace(string(seen))
	if path == "" {
		t.Fatal("the matcher was not run")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the face photo stayed at %s: %v", path, err)
	}
}

// The demo's simulated matcher takes a face photo that decodes, and
// nothing else.
func TestSimulatedMatcher(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 320, 240)), nil); err != nil {
		t.Fatal(err)
	}
	m := Matcher{Program: Simulated}
	if r := m.Compare(context.Background(), b.Bytes(), nil); r.Verdict != Matched {
		t.Fatalf("a face photo: %+v", r)
	}
	for name, photo := range map[string][]byte{"none": nil, "not a jpeg": []byte("GIF89a"), "a thumbnail": tiny(t)} {
		if r := m.Compare(context.Background(), photo, nil); r.Verdict != NotCompared {
			t.Errorf("%s: %+v", name, r)
		}
	}
}

func tiny(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
