package camerasim

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

func TestPatternFramesDecodeInBothFormats(t *testing.T) {
	for _, f := range FaceFormats {
		p, err := NewPattern("sim:face", "face", FaceFormats, 60, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(f); err != nil {
			t.Fatal(err)
		}
		var d camera.Decoder
		var last uint64
		for range 3 {
			fr, err := p.Frame(time.Second)
			if err != nil {
				t.Fatalf("%v: %v", f, err)
			}
			if fr.Seq != last+1 {
				t.Fatalf("%v: frame %d after %d", f, fr.Seq, last)
			}
			last = fr.Seq
			if f.Pixel == camera.MJPEG && bytes.Contains(fr.Data, []byte{0xFF, 0xC4}) {
				t.Fatalf("%v: a simulated UVC frame carries Huffman tables", f)
			}
			img, err := d.Decode(fr)
			if err != nil {
				t.Fatalf("%v: %v", f, err)
			}
			// The face target is in the middle, skin-toned.
			c := img.RGBAAt(f.Size.Width/2, f.Size.Height/2+f.Size.Height/10)
			if !near(c, color.RGBA{224, 182, 150, 255}, 24) {
				t.Fatalf("%v: centre pixel %v is not the face", f, c)
			}
		}
		p.Close()
	}
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) <= tol && int(y)-int(x) <= tol }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func TestFaultsUnplugAndStall(t *testing.T) {
	var faults Faults
	p, _ := NewPattern("sim:face", "face", FaceFormats, 60, &faults)
	p.Start(FaceFormats[1])
	if _, err := p.Frame(time.Second); err != nil {
		t.Fatal(err)
	}
	faults.Stall()
	if _, err := p.Frame(50 * time.Millisecond); !errors.Is(err, camera.ErrTimeout) {
		t.Fatalf("stalled: %v", err)
	}
	faults.Resume()
	faults.Unplug()
	if _, err := p.Frame(time.Second); !errors.Is(err, camera.ErrGone) {
		t.Fatalf("unplugged: %v", err)
	}
	if _, err := NewPattern("sim:face", "face", FaceFormats, 60, &faults); !errors.Is(err, camera.ErrGone) {
		t.Fatalf("opening an unplugged camera: %v", err)
	}
	faults.Plug()
	if _, err := NewPattern("sim:face", "face", FaceFormats, 60, &faults); err != nil {
		t.Fatal(err)
	}
}

func TestFramesArePaced(t *testing.T) {
	p, _ := NewPattern("sim:face", "face", FaceFormats, 20, nil)
	p.Start(FaceFormats[2])
	start := time.Now()
	for range 11 {
		if _, err := p.Frame(time.Second); err != nil {
			t.Fatal(err)
		}
	}
	// Ten intervals at 20 a second: at least half a second.
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Fatalf("11 frames at 20 fps in %v", took)
	}
}

func TestFolderLoops(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []color.Gray{{40}, {200}} {
		img := image.NewGray(image.Rect(0, 0, 32, 24))
		for j := range img.Pix {
			img.Pix[j] = c.Y
		}
		var buf bytes.Buffer
		jpeg.Encode(&buf, img, nil)
		os.WriteFile(filepath.Join(dir, string(rune('a'+i))+".jpg"), buf.Bytes(), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a frame"), 0o600)
	f, err := NewFolder("sim:folder", dir, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Info().Formats; len(got) != 1 || got[0].Size != (camera.Size{Width: 32, Height: 24}) {
		t.Fatalf("formats %v", got)
	}
	f.Start(f.Info().Formats[0])
	var d camera.Decoder
	var greys []uint8
	for range 4 {
		fr, err := f.Frame(time.Second)
		if err != nil {
			t.Fatal(err)
		}
		img, _ := d.Decode(fr)
		greys = append(greys, img.RGBAAt(5, 5).R)
	}
	if !(greys[0] < 100 && greys[1] > 150 && greys[2] < 100 && greys[3] > 150) {
		t.Fatalf("frames %v do not loop a, b, a, b", greys)
	}
	if _, err := NewFolder("sim:none", t.TempDir(), 10, nil); err == nil {
		t.Fatal("an empty folder made a camera")
	}
}
