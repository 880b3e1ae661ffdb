package camera

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

func TestYUYVKnownPixels(t *testing.T) {
	// BT.601 video range: Y 16 is black, 235 white; these are the
	// reference colours of a 75%-free colour bar (Y, U, V → R, G, B).
	cases := []struct {
		y, u, v byte
		rgb     [3]byte
	}{
		{16, 128, 128, [3]byte{0, 0, 0}},
		{235, 128, 128, [3]byte{255, 255, 255}},
		{126, 128, 128, [3]byte{128, 128, 128}},
		{81, 90, 240, [3]byte{255, 0, 0}},    // red
		{145, 54, 34, [3]byte{0, 255, 0}},    // green
		{41, 240, 110, [3]byte{0, 0, 255}},   // blue
		{210, 16, 146, [3]byte{255, 255, 0}}, // yellow
	}
	for _, c := range cases {
		// Two pixels sharing U and V, as YUYV packs them.
		data := []byte{c.y, c.u, c.y, c.v}
		img := image.NewRGBA(image.Rect(0, 0, 2, 1))
		if err := YUYVToRGBA(img, data, Size{2, 1}); err != nil {
			t.Fatal(err)
		}
		for x := range 2 {
			got := img.RGBAAt(x, 0)
			for i, want := range c.rgb {
				have := []byte{got.R, got.G, got.B}[i]
				if d := int(have) - int(want); d < -2 || d > 2 {
					t.Errorf("Y%d U%d V%d → %v, want %v", c.y, c.u, c.v, []byte{got.R, got.G, got.B}, c.rgb)
					break
				}
			}
			if got.A != 255 {
				t.Fatalf("alpha %d", got.A)
			}
		}
	}
	if err := YUYVToRGBA(image.NewRGBA(image.Rect(0, 0, 4, 2)), make([]byte, 10), Size{4, 2}); err == nil {
		t.Fatal("a short YUYV frame was accepted")
	}
}

// testJPEG is a picture with detail in every channel, encoded by Go's
// encoder, which writes the standard tables of T.81 K.3.
func testJPEG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8((x ^ y) & 0xFF), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// stripDHT removes every DHT segment, as a UVC camera sends its frames.
func stripDHT(t testing.TB, data []byte) []byte {
	out := append([]byte(nil), data[:2]...)
	i := 2
	for data[i+1] != 0xDA {
		n := int(data[i+2])<<8 | int(data[i+3])
		if data[i+1] != 0xC4 {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
	out = append(out, data[i:]...)
	if len(out) == len(data) {
		t.Fatal("no DHT stripped")
	}
	return out
}

func TestMJPEGHuffmanRepair(t *testing.T) {
	whole := testJPEG(t, 64, 48)
	bare := stripDHT(t, whole)
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("a frame without Huffman tables decoded as it was: the test proves nothing")
	}
	repaired := RepairMJPEG(bare)
	got, err := jpeg.Decode(bytes.NewReader(repaired))
	if err != nil {
		t.Fatalf("repaired frame: %v", err)
	}
	want, _ := jpeg.Decode(bytes.NewReader(whole))
	if !samePixels(got, want) {
		t.Fatal("the repaired frame decodes to other pixels than the original")
	}
	// A frame with its tables is left alone.
	if !bytes.Equal(RepairMJPEG(whole), whole) {
		t.Fatal("a whole frame was changed")
	}
	// Through the decoder, as frames from a camera go.
	var d Decoder
	img, err := d.Decode(Frame{Format: Format{MJPEG, Size{64, 48}}, Data: bare})
	if err != nil || !samePixels(img, want) {
		t.Fatalf("decoder: %v", err)
	}
}

func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
				return false
			}
		}
	}
	return true
}

func TestDecoderReusesItsBuffer(t *testing.T) {
	var d Decoder
	f := Frame{Format: Format{YUYV, Size{640, 480}}, Data: make([]byte, 640*480*2)}
	a, err := d.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := d.Decode(f)
	if &a.Pix[0] != &b.Pix[0] {
		t.Fatal("a new buffer for each frame")
	}
	allocs := testing.AllocsPerRun(20, func() { d.Decode(f) })
	if allocs > 0 {
		t.Fatalf("%v allocations a YUYV frame", allocs)
	}
}

func TestStillScalesAndKeepsShape(t *testing.T) {
	f := Frame{Format: Format{MJPEG, Size{640, 480}}, Data: stripDHT(t, testJPEG(t, 640, 480))}
	data, err := Still(f, Size{320, 320}, 80)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != 320 || cfg.Height != 240 {
		t.Fatalf("still %dx%d, %v; want 320x240", cfg.Width, cfg.Height, err)
	}
	if _, err := Still(f, Size{}, 0); err == nil {
		t.Fatal("quality 0 accepted")
	}
}

func TestParseSize(t *testing.T) {
	if s, err := ParseSize("640x480"); err != nil || s != (Size{640, 480}) {
		t.Fatalf("%v %v", s, err)
	}
	for _, bad := range []string{"640", "640x", "x480", "0x0", "640x480x3", " 640x480", "640X480"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzRepairMJPEG(f *testing.F) {
	whole := testJPEG(f, 16, 16)
	f.Add(whole)
	f.Add(stripDHT(f, whole))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA})
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		out := RepairMJPEG(data)
		if len(out) != len(data) && len(out) != len(data)+len(standardDHT) {
			t.Fatalf("repair changed %d bytes into %d", len(data), len(out))
		}
		// Whatever comes back, the decoder must not panic on it.
		var d Decoder
		d.Decode(Frame{Format: Format{MJPEG, Size{16, 16}}, Data: data})
	})
}
