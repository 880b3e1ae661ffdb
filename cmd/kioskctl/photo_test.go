package main

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command/commandtest"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
)

// The test binary doubles as a WLT decoder program, and as kioskctl itself
// for the command-line test.
func TestMain(m *testing.M) {
	commandtest.Main(main)
	if os.Getenv("YIZHAN_FAKE_WLT_DECODER") == "png" {
		wlt, _ := io.ReadAll(os.Stdin)
		img := image.NewGray(image.Rect(0, 0, 102, 126))
		copy(img.Pix, wlt)
		png.Encode(os.Stdout, img)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestIdcardReadDecodesPhoto(t *testing.T) {
	sim, port := simReader(t)
	card := idcard.SampleCards()[1]
	sim.Place(card)
	t.Setenv("YIZHAN_FAKE_WLT_DECODER", "png")
	out := filepath.Join(t.TempDir(), "photo.png")
	var stdout, stderr bytes.Buffer
	err := run([]string{"idcard", "read", "--port", port, "--timeout", "5s", "--photo-decoder", os.Args[0], "--photo-out", out}, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v (%s)", err, stderr.String())
	}
	if !bytes.Contains(stdout.Bytes(), []byte("SAM\t")) {
		t.Errorf("no SAM id in the output: %s", stdout.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 102 || img.(*image.Gray).Pix[7] != card.Photo[7] {
		t.Fatalf("photo %v does not come from the card's WLT", img.Bounds())
	}
	if info, _ := os.Stat(out); info.Mode().Perm() != 0o600 {
		t.Errorf("photo file mode %v: a resident's photo must be private", info.Mode().Perm())
	}
	if err := run([]string{"idcard", "read", "--port", port, "--photo-out", out}, nil, &stdout, &stderr); !errors.Is(err, errUsage) {
		t.Errorf("--photo-out alone: %v", err)
	}
}
