package v4l2

import (
	"slices"

	"github.com/blackjack/webcam"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// commonSizes are the sizes offered from a stepwise range: the ones
// cameras and applications use, not every multiple of the step (a range of
// 16 to 4096 in steps of 8 would be hundreds of thousands of sizes).
var commonSizes = []camera.Size{
	{Width: 160, Height: 120}, {Width: 176, Height: 144}, {Width: 320, Height: 240}, {Width: 352, Height: 288},
	{Width: 640, Height: 360}, {Width: 640, Height: 480}, {Width: 800, Height: 600}, {Width: 960, Height: 540},
	{Width: 1024, Height: 768}, {Width: 1280, Height: 720}, {Width: 1280, Height: 960}, {Width: 1280, Height: 1024},
	{Width: 1600, Height: 1200}, {Width: 1920, Height: 1080}, {Width: 2048, Height: 1536}, {Width: 2560, Height: 1440},
	{Width: 2592, Height: 1944}, {Width: 3264, Height: 2448}, {Width: 3840, Height: 2160}, {Width: 4208, Height: 3120},
	{Width: 4608, Height: 3456},
}

// maxSide is the largest side taken from a driver; camera.ParseSize
// refuses larger ones too.
const maxSide = 10000

// sizesIn lists the sizes one VIDIOC_ENUM_FRAMESIZES entry allows. A
// discrete entry is one size (Min == Max); a stepwise range gives the
// common sizes within it that its steps reach, and its largest size, which
// is what a document camera is wanted at. A continuous range comes back
// from the library as zeros (it does not fill that case in) and gives
// nothing: UVC cameras only report discrete sizes.
func sizesIn(r webcam.FrameSize) []camera.Size {
	if r.MaxWidth == 0 || r.MaxHeight == 0 || r.MinWidth > r.MaxWidth || r.MinHeight > r.MaxHeight {
		return nil
	}
	if r.MinWidth == r.MaxWidth && r.MinHeight == r.MaxHeight {
		return sane([]camera.Size{{Width: int(r.MaxWidth), Height: int(r.MaxHeight)}})
	}
	var out []camera.Size
	for _, s := range commonSizes {
		if reaches(s.Width, r.MinWidth, r.MaxWidth, r.StepWidth) && reaches(s.Height, r.MinHeight, r.MaxHeight, r.StepHeight) {
			out = append(out, s)
		}
	}
	largest := camera.Size{Width: int(r.MaxWidth), Height: int(r.MaxHeight)}
	if reaches(largest.Width, r.MinWidth, r.MaxWidth, r.StepWidth) && reaches(largest.Height, r.MinHeight, r.MaxHeight, r.StepHeight) && !slices.Contains(out, largest) {
		out = append(out, largest)
	}
	return sane(out)
}

// reaches says whether v is in [lo, hi] on a step from lo. A step of zero
// in a range is a driver that did not say: any value is taken.
func reaches(v int, lo, hi, step uint32) bool {
	if v < int(lo) || v > int(hi) {
		return false
	}
	return step == 0 || (v-int(lo))%int(step) == 0
}

func sane(sizes []camera.Size) []camera.Size {
	return slices.DeleteFunc(sizes, func(s camera.Size) bool {
		return s.Width < 16 || s.Height < 16 || s.Width > maxSide || s.Height > maxSide
	})
}

// usable are the pixel formats the camera package decodes, in the order
// they are listed (and preferred by camera.Negotiate).
var usable = []camera.PixelFormat{camera.MJPEG, camera.YUYV}

// formatsOf turns what a node offers into camera formats: MJPEG and YUYV
// only (the rest — H264, GREY, NV12 and the like — cannot be decoded here
// and are left out), each size once, MJPEG first, largest sizes first.
// YUYV sizes of odd width are dropped: two pixels share their colour.
func formatsOf(offered map[webcam.PixelFormat]string, sizes func(webcam.PixelFormat) []webcam.FrameSize) []camera.Format {
	var out []camera.Format
	for _, pix := range usable {
		if _, ok := offered[webcam.PixelFormat(pix)]; !ok {
			continue
		}
		var all []camera.Size
		for _, r := range sizes(webcam.PixelFormat(pix)) {
			for _, s := range sizesIn(r) {
				if pix == camera.YUYV && s.Width%2 != 0 {
					continue
				}
				if !slices.Contains(all, s) {
					all = append(all, s)
				}
			}
		}
		slices.SortFunc(all, func(a, b camera.Size) int {
			if a.Pixels() != b.Pixels() {
				return b.Pixels() - a.Pixels()
			}
			return b.Width - a.Width
		})
		for _, s := range all {
			out = append(out, camera.Format{Pixel: pix, Size: s})
		}
	}
	return out
}
