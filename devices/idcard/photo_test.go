package idcard

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/bmp"
)

// The test binary doubles as a photo decoder program: run with
// YIZHAN_FAKE_WLT_DECODER set, it behaves as that mode says.
func TestMain(m *testing.M) {
	if mode := os.Getenv("YIZHAN_FAKE_WLT_DECODER"); mode != "" {
		os.Exit(fakeDecoder(mode))
	}
	os.Exit(m.Run())
}

func fakeDecoder(mode string) int {
	wlt, _ := io.ReadAll(os.Stdin)
	img := image.NewGray(image.Rect(0, 0, 102, 126))
	for i := range img.Pix {
		img.Pix[i] = wlt[i%len(wlt)]
	}
	switch mode {
	case "png":
		png.Encode(os.Stdout, img)
	case "bmp":
		bmp.Encode(os.Stdout, img)
	case "hang":
		time.Sleep(time.Minute)
	case "garbage":
		os.Stdout.WriteString("not an image")
	case "tiny":
		png.Encode(os.Stdout, image.NewGray(image.Rect(0, 0, 2, 2)))
	case "fail":
		return 3
	}
	return 0
}

func decoder(t *testing.T, mode string) PhotoDecoder {
	t.Setenv("YIZHAN_FAKE_WLT_DECODER", mode)
	return PhotoDecoder{Program: os.Args[0], Timeout: 2 * time.Second}
}

func TestPhotoDecoder(t *testing.T) {
	wlt := SampleCards()[0].Photo
	for _, mode := range []string{"png", "bmp"} {
		img, err := decoder(t, mode).Decode(context.Background(), wlt)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if img.Bounds().Dx() != 102 || img.Bounds().Dy() != 126 {
			t.Fatalf("%s: %v", mode, img.Bounds())
		}
		// The decoder saw exactly the card's bytes.
		if g := color.GrayModel.Convert(img.At(5, 0)).(color.Gray); g.Y != wlt[5] {
			t.Errorf("%s: pixel %d, want %d", mode, g.Y, wlt[5])
		}
	}
}

func TestPhotoDecoderFailures(t *testing.T) {
	if _, err := (PhotoDecoder{}).Decode(context.Background(), nil); !errors.Is(err, ErrNoPhotoDecoder) {
		t.Fatalf("no decoder: %v", err)
	}
	for mode, want := range map[string]string{"hang": "no result within", "garbage": "neither PNG nor BMP", "tiny": "2x2", "fail": "exit status 3"} {
		d := decoder(t, mode)
		d.Timeout = 10 * time.Second // the test binary starts slowly under -race
		if mode == "hang" {
			d.Timeout = time.Second
		}
		start := time.Now()
		_, err := d.Decode(context.Background(), []byte{1, 2, 3})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", mode, err, want)
		}
		if mode == "hang" && time.Since(start) > 5*time.Second {
			t.Errorf("a hung decoder held the read for %v", time.Since(start))
		}
	}
	if _, err := (PhotoDecoder{Program: "/nonexistent/decoder"}).Decode(context.Background(), nil); err == nil {
		t.Error("missing program accepted")
	}
}
