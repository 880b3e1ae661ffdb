package v4l2

import (
	"slices"
	"testing"

	"github.com/blackjack/webcam"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

func discrete(w, h uint32) webcam.FrameSize {
	return webcam.FrameSize{MinWidth: w, MaxWidth: w, MinHeight: h, MaxHeight: h}
}

func sz(w, h int) camera.Size { return camera.Size{Width: w, Height: h} }

func TestSizesIn(t *testing.T) {
	cases := []struct {
		name string
		r    webcam.FrameSize
		want []camera.Size
	}{
		{"discrete", discrete(640, 480), []camera.Size{sz(640, 480)}},
		{"stepwise: the common sizes its steps reach, and its largest",
			webcam.FrameSize{MinWidth: 320, MaxWidth: 1280, StepWidth: 320, MinHeight: 240, MaxHeight: 960, StepHeight: 240},
			[]camera.Size{sz(320, 240), sz(640, 480), sz(1280, 720), sz(1280, 960)}},
		{"stepwise with an odd largest size",
			webcam.FrameSize{MinWidth: 48, MaxWidth: 1000, StepWidth: 16, MinHeight: 32, MaxHeight: 600, StepHeight: 8},
			[]camera.Size{sz(160, 120), sz(176, 144), sz(320, 240), sz(352, 288), sz(640, 360), sz(640, 480), sz(800, 600)}},
		{"stepwise without steps takes any value",
			webcam.FrameSize{MinWidth: 600, MaxWidth: 700, MinHeight: 400, MaxHeight: 500},
			[]camera.Size{sz(640, 480), sz(700, 500)}},
		{"continuous comes back empty from the library", webcam.FrameSize{}, nil},
		{"an inverted range", webcam.FrameSize{MinWidth: 800, MaxWidth: 640, MinHeight: 480, MaxHeight: 480}, nil},
		{"too small", discrete(8, 8), nil},
		{"too large", discrete(65535, 65535), nil},
	}
	for _, c := range cases {
		if got := sizesIn(c.r); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFormatsOfKeepsMJPEGAndYUYV(t *testing.T) {
	const h264, grey = webcam.PixelFormat('H' | '2'<<8 | '6'<<16 | '4'<<24), webcam.PixelFormat('G' | 'R'<<8 | 'E'<<16 | 'Y'<<24)
	mjpeg, yuyv := webcam.PixelFormat(camera.MJPEG), webcam.PixelFormat(camera.YUYV)
	offered := map[webcam.PixelFormat]string{h264: "H.264", yuyv: "YUYV 4:2:2", grey: "8-bit Greyscale", mjpeg: "Motion-JPEG"}
	sizes := map[webcam.PixelFormat][]webcam.FrameSize{
		mjpeg: {discrete(640, 480), discrete(1920, 1080), discrete(640, 480), discrete(1280, 720), discrete(960, 720)},
		yuyv:  {discrete(641, 480), discrete(640, 480), webcam.FrameSize{}},
		h264:  {discrete(1920, 1080)},
		grey:  {discrete(640, 400)},
	}
	got := formatsOf(offered, func(f webcam.PixelFormat) []webcam.FrameSize { return sizes[f] })
	want := []camera.Format{
		{Pixel: camera.MJPEG, Size: sz(1920, 1080)}, {Pixel: camera.MJPEG, Size: sz(1280, 720)},
		{Pixel: camera.MJPEG, Size: sz(960, 720)}, {Pixel: camera.MJPEG, Size: sz(640, 480)},
		{Pixel: camera.YUYV, Size: sz(640, 480)},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("formats %v\nwant %v", got, want)
	}
	if f, err := camera.Negotiate(got, camera.Want{Size: sz(640, 480)}); err != nil || f != want[3] {
		t.Fatalf("negotiated %v %v", f, err)
	}

	onlyH264 := formatsOf(map[webcam.PixelFormat]string{h264: "H.264"}, func(f webcam.PixelFormat) []webcam.FrameSize { return sizes[f] })
	if len(onlyH264) != 0 {
		t.Fatalf("an H.264-only camera: %v", onlyH264)
	}
}
