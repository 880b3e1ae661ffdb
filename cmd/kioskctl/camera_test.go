package main

// These tests run where there is no camera: the V4L2 list is empty (a
// machine with cameras lists them too, which the tests allow), and
// snapshots come from the simulated cameras of camerasim.

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestCameraListShowsTheSimulatedCameras(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"camera", "list"}, nil, &out, &errOut); err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	text := out.String()
	for _, want := range []string{
		"sim:face\tsimulated face camera\tsimulated\tsim:face\n\tMJPG\t1280x720 640x480\n\tYUYV\t640x480\n",
		"sim:document\tsimulated document camera\tsimulated\tsim:document\n\tMJPG\t1600x1200 640x480\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("list lacks %q:\n%s", want, text)
		}
	}
	if nodes, _ := filepath.Glob("/dev/video*"); len(nodes) == 0 && !strings.HasPrefix(text, "no V4L2 cameras found\n") {
		t.Errorf("no cameras here, and the list does not say so:\n%s", text)
	}
}

func TestCameraListJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"camera", "list", "--json"}, nil, &out, &errOut); err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	var cams []cameraJSON
	if err := json.Unmarshal(out.Bytes(), &cams); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out.String())
	}
	var face *cameraJSON
	for i := range cams {
		if cams[i].ID == "sim:face" {
			face = &cams[i]
		}
	}
	if face == nil || !face.Simulated || face.Name != "simulated face camera" ||
		!slices.Equal(face.Formats["MJPG"], []string{"1280x720", "640x480"}) || !slices.Equal(face.Formats["YUYV"], []string{"640x480"}) {
		t.Fatalf("face camera: %+v\n%s", face, out.String())
	}
	for _, key := range []string{`"id"`, `"name"`, `"bus"`, `"path"`, `"simulated"`, `"formats"`} {
		if !strings.Contains(out.String(), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestCameraSnapSimulated(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args          []string
		width, height int
		format        string
	}{
		// The exact size the camera has.
		{[]string{"--camera", "sim:face", "--size", "640x480"}, 640, 480, "MJPG 640x480"},
		// No size: the largest.
		{[]string{"--camera", "sim:document"}, 1600, 1200, "MJPG 1600x1200"},
		// A size the camera lacks: captured at the next larger, scaled
		// to fit, keeping its shape.
		{[]string{"--camera", "sim:face", "--size", "320x320", "--quality", "70"}, 320, 240, "MJPG 640x480"},
	}
	for i, c := range cases {
		file := filepath.Join(dir, "snap"+string(rune('a'+i))+".jpg")
		args := append([]string{"camera", "snap", "--out", file, "--skip", "2", "--timeout", "2s"}, c.args...)
		var out, errOut bytes.Buffer
		if err := run(args, nil, &out, &errOut); err != nil {
			t.Fatalf("%v: %v (%s)", c.args, err, errOut.String())
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != c.width || cfg.Height != c.height {
			t.Fatalf("%v: wrote %dx%d (%v), want %dx%d", c.args, cfg.Width, cfg.Height, err, c.width, c.height)
		}
		// Frame 3: two skipped while the exposure settles.
		if !strings.Contains(out.String(), "captured frame 3 from") || !strings.Contains(out.String(), c.format) {
			t.Errorf("%v: printed %q", c.args, out.String())
		}
		if info, _ := os.Stat(file); info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v: a face photo must be private", file, info.Mode())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(cases) {
		t.Errorf("%d files in the folder, want %d: a temporary file was left", len(entries), len(cases))
	}
}

func TestCameraSnapMissingCamera(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "face.jpg")
	for _, id := range []string{"usb:046d:0825", "/dev/video77"} {
		var out, errOut bytes.Buffer
		err := run([]string{"camera", "snap", "--camera", id, "--out", file}, nil, &out, &errOut)
		want := "camera " + id + " not found: is it plugged in?"
		if err == nil || errors.Is(err, errUsage) || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", id, err, want)
		}
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("a file was written without a camera")
	}
	// An id no camera could have is the technician's mistake, told as one.
	err := run([]string{"camera", "snap", "--camera", "sim:nothing", "--out", file}, nil, io.Discard, io.Discard)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "sim:face and sim:document") {
		t.Errorf("sim:nothing: %v", err)
	}
}

func TestCameraSnapUsage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.jpg")
	for _, args := range [][]string{
		{"camera", "snap", "--out", out},
		{"camera", "snap", "--camera", "sim:face"},
		{"camera", "snap", "--camera", "sim:face", "--out", out, "--size", "640"},
		{"camera", "snap", "--camera", "sim:face", "--out", out, "--quality", "0"},
		{"camera", "snap", "--camera", "sim:face", "--out", out, "--timeout", "0s"},
		{"camera", "snap", "--camera", "sim:face", "--out", out, "--skip", "-1"},
		{"camera", "list", "--bogus"},
		{"camera", "frob"},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(args, nil, &stdout, &stderr); !errors.Is(err, errUsage) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
}

func TestCameraSnapUnwritableOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "no", "such", "folder", "x.jpg")
	var stdout, stderr bytes.Buffer
	err := run([]string{"camera", "snap", "--camera", "sim:face", "--out", out, "--skip", "0"}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "no/such/folder") {
		t.Fatalf("err = %v", err)
	}
}
