package camera

import (
	"errors"
	"fmt"
)

// Want is what a use needs of a camera.
type Want struct {
	// Size is the size wanted; zero means the largest the camera has
	// (documents).
	Size Size
}

// Negotiate picks the format to stream in from what the camera offers:
// MJPEG before YUYV (a YUYV frame at a document camera's size is too big
// for USB 2.0 at any useful rate), the exact size when the camera has it,
// else the smallest size at least as large in both directions (scaled down
// after), else the largest there is.
func Negotiate(offered []Format, want Want) (Format, error) {
	for _, pix := range []PixelFormat{MJPEG, YUYV} {
		var sizes []Size
		for _, f := range offered {
			if f.Pixel == pix {
				sizes = append(sizes, f.Size)
			}
		}
		if len(sizes) == 0 {
			continue
		}
		return Format{Pixel: pix, Size: pickSize(sizes, want.Size)}, nil
	}
	if len(offered) == 0 {
		return Format{}, errors.New("camera: offers no formats")
	}
	return Format{}, fmt.Errorf("camera: offers neither MJPEG nor YUYV (%v)", offered)
}

func pickSize(sizes []Size, want Size) Size {
	largest := sizes[0]
	for _, s := range sizes {
		if s.Pixels() > largest.Pixels() {
			largest = s
		}
	}
	if want == (Size{}) {
		return largest
	}
	var best Size
	for _, s := range sizes {
		if s == want {
			return s
		}
		if s.Width >= want.Width && s.Height >= want.Height && (best == (Size{}) || s.Pixels() < best.Pixels()) {
			best = s
		}
	}
	if best != (Size{}) {
		return best
	}
	return largest
}
