package camera

import "testing"

// BenchmarkDecode is the preview's work for one 640x480 frame: what a
// live preview can sustain, and what it allocates a frame (the buffer
// the picture goes into is reused).
func BenchmarkDecode(b *testing.B) {
	mjpeg := Frame{Format: Format{MJPEG, Size{640, 480}}, Data: stripDHT(b, testJPEG(b, 640, 480))}
	yuyv := Frame{Format: Format{YUYV, Size{640, 480}}, Data: make([]byte, 640*480*2)}
	for _, c := range []struct {
		name string
		f    Frame
	}{{"MJPEG-640x480", mjpeg}, {"YUYV-640x480", yuyv}} {
		b.Run(c.name, func(b *testing.B) {
			var d Decoder
			b.SetBytes(int64(len(c.f.Data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStill is a document still: a 1600x1200 MJPEG frame decoded and
// encoded as the JPEG kept for the application.
func BenchmarkStill(b *testing.B) {
	f := Frame{Format: Format{MJPEG, Size{1600, 1200}}, Data: stripDHT(b, testJPEG(b, 1600, 1200))}
	for b.Loop() {
		if _, err := Still(f, Size{}, 90); err != nil {
			b.Fatal(err)
		}
	}
}
