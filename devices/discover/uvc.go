package discover

import "github.com/yizhan-kiosk/yizhan/devices/camera"

// Descriptor types and UVC subtypes the size reader looks at (USB 2.0
// chapter 9, USB Video Class 1.1 appendix A).
const (
	descInterface   = 0x04
	descCSInterface = 0x24 // class-specific interface descriptor
	uvcClassVideo   = 0x0e // interface class: video
	uvcSubStreaming = 0x02 // interface subclass: video streaming

	vsStillFrame        = 0x03 // still image frame: a list of sizes
	vsFrameUncompressed = 0x05
	vsFrameMJPEG        = 0x07
	vsFrameFrameBased   = 0x11
)

// LargestPicture finds the largest picture a UVC camera offers in its raw
// USB descriptors, as sysfs gives them in the device's "descriptors" file
// (the device descriptor, then the configuration with every interface and
// class-specific descriptor). Video frame descriptors and still-image
// descriptors both count: a document camera often streams small and
// takes large stills. ok is false when no size is found. Reading this
// file does not wake or open the camera, so the scan stays cheap.
func LargestPicture(desc []byte) (largest camera.Size, ok bool) {
	streaming := false
	for i := 0; i+2 <= len(desc); {
		n := int(desc[i])
		if n < 2 || i+n > len(desc) {
			break // a broken length: what follows cannot be framed
		}
		d := desc[i : i+n]
		i += n
		switch d[1] {
		case descInterface:
			// A frame descriptor counts only inside a video-streaming
			// interface: other classes reuse the subtype numbers.
			streaming = n >= 9 && d[5] == uvcClassVideo && d[6] == uvcSubStreaming
		case descCSInterface:
			if !streaming || n < 3 {
				continue
			}
			for _, sz := range framesIn(d) {
				if sz.Pixels() > largest.Pixels() {
					largest, ok = sz, true
				}
			}
		}
	}
	return largest, ok
}

// framesIn reads the sizes of one class-specific descriptor of a
// streaming interface.
func framesIn(d []byte) []camera.Size {
	le16 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
	switch d[2] {
	case vsFrameUncompressed, vsFrameMJPEG, vsFrameFrameBased:
		// bFrameIndex, bmCapabilities, then wWidth and wHeight.
		if len(d) < 9 {
			return nil
		}
		return nonZero(camera.Size{Width: le16(d[5:]), Height: le16(d[7:])})
	case vsStillFrame:
		// bEndpointAddress, bNumImageSizePatterns, then that many
		// wWidth, wHeight pairs.
		if len(d) < 5 {
			return nil
		}
		var out []camera.Size
		for k := range int(d[4]) {
			off := 5 + 4*k
			if off+4 > len(d) {
				break
			}
			out = append(out, nonZero(camera.Size{Width: le16(d[off:]), Height: le16(d[off+2:])})...)
		}
		return out
	}
	return nil
}

func nonZero(s camera.Size) []camera.Size {
	if s.Width == 0 || s.Height == 0 {
		return nil
	}
	return []camera.Size{s}
}
