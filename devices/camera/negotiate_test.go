package camera

import "testing"

// Capability lists as V4L2 reports them for two common terminal cameras
// (VIDIOC_ENUM_FMT and VIDIOC_ENUM_FRAMESIZES, discrete sizes).
var (
	// A 1080p face camera of the kind terminals use: MJPEG up to 1920x1080,
	// YUYV at small sizes only.
	faceCamera = []Format{
		{YUYV, Size{640, 480}}, {YUYV, Size{320, 240}}, {YUYV, Size{1280, 720}},
		{MJPEG, Size{1920, 1080}}, {MJPEG, Size{1280, 720}}, {MJPEG, Size{640, 480}}, {MJPEG, Size{320, 240}},
	}
	// A document camera (高拍仪): a 5-megapixel still size in MJPEG.
	documentCamera = []Format{
		{MJPEG, Size{2592, 1944}}, {MJPEG, Size{2048, 1536}}, {MJPEG, Size{1600, 1200}}, {MJPEG, Size{640, 480}},
		{YUYV, Size{640, 480}},
	}
	// A cheap camera that only does YUYV.
	yuyvOnly = []Format{{YUYV, Size{640, 480}}, {YUYV, Size{352, 288}}}
)

func TestNegotiate(t *testing.T) {
	cases := []struct {
		name    string
		offered []Format
		want    Want
		got     Format
	}{
		{"face at 640x480 prefers MJPEG", faceCamera, Want{Size{640, 480}}, Format{MJPEG, Size{640, 480}}},
		{"documents take the largest", documentCamera, Want{}, Format{MJPEG, Size{2592, 1944}}},
		{"no exact size: the next larger", faceCamera, Want{Size{800, 600}}, Format{MJPEG, Size{1280, 720}}},
		{"larger than any: the largest", faceCamera, Want{Size{4000, 3000}}, Format{MJPEG, Size{1920, 1080}}},
		{"YUYV when that is all", yuyvOnly, Want{Size{640, 480}}, Format{YUYV, Size{640, 480}}},
	}
	for _, c := range cases {
		got, err := Negotiate(c.offered, c.want)
		if err != nil || got != c.got {
			t.Errorf("%s: %v %v, want %v", c.name, got, err, c.got)
		}
	}
	if _, err := Negotiate(nil, Want{}); err == nil {
		t.Error("a camera with no formats")
	}
	if _, err := Negotiate([]Format{{PixelFormat(0x32315659), Size{640, 480}}}, Want{}); err == nil {
		t.Error("a camera with only YV12")
	}
}
