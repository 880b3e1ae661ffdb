package camera

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
)

// Decoder turns frames into RGBA pictures, reusing one buffer, so a live
// preview at 15–30 frames a second does not make a new picture for each.
// It is not safe for concurrent use.
type Decoder struct {
	img *image.RGBA
}

// Decode decodes f into the decoder's buffer and returns it; the picture
// is valid until the next call.
func (d *Decoder) Decode(f Frame) (*image.RGBA, error) {
	size := f.Format.Size
	if d.img == nil || d.img.Rect.Dx() != size.Width || d.img.Rect.Dy() != size.Height {
		d.img = image.NewRGBA(image.Rect(0, 0, size.Width, size.Height))
	}
	switch f.Format.Pixel {
	case YUYV:
		return d.img, YUYVToRGBA(d.img, f.Data, size)
	case MJPEG:
		src, err := jpeg.Decode(bytes.NewReader(RepairMJPEG(f.Data)))
		if err != nil {
			return nil, fmt.Errorf("camera: MJPEG frame: %w", err)
		}
		if src.Bounds().Size() != d.img.Rect.Size() {
			return nil, fmt.Errorf("camera: MJPEG frame is %v, the stream %v", src.Bounds().Size(), size)
		}
		draw.Draw(d.img, d.img.Rect, src, src.Bounds().Min, draw.Src)
		return d.img, nil
	}
	return nil, fmt.Errorf("camera: cannot decode %v", f.Format.Pixel)
}

// YUYVToRGBA converts a YUYV 4:2:2 frame (Y0 U Y1 V for each two pixels,
// ITU-R BT.601 with video range, as UVC cameras send) into dst.
func YUYVToRGBA(dst *image.RGBA, data []byte, size Size) error {
	if size.Width%2 != 0 {
		return fmt.Errorf("camera: YUYV frame %v has an odd width", size)
	}
	if len(data) < size.Pixels()*2 {
		return fmt.Errorf("camera: YUYV frame of %d bytes, %v needs %d", len(data), size, size.Pixels()*2)
	}
	for y := 0; y < size.Height; y++ {
		in := data[y*size.Width*2 : (y+1)*size.Width*2]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+size.Width*4]
		for x := 0; x < size.Width; x += 2 {
			y0, u, y1, v := in[x*2], in[x*2+1], in[x*2+2], in[x*2+3]
			yuvToRGBA(out[x*4:x*4+4], y0, u, v)
			yuvToRGBA(out[x*4+4:x*4+8], y1, u, v)
		}
	}
	return nil
}

// yuvToRGBA is the BT.601 video-range conversion in fixed point (8 bits of
// fraction): R = 1.164(Y−16) + 1.596(V−128), and so on.
func yuvToRGBA(px []byte, y, u, v byte) {
	c := int32(y) - 16
	d := int32(u) - 128
	e := int32(v) - 128
	px[0] = clamp((298*c + 409*e + 128) >> 8)
	px[1] = clamp((298*c - 100*d - 208*e + 128) >> 8)
	px[2] = clamp((298*c + 516*d + 128) >> 8)
	px[3] = 0xFF
}

func clamp(v int32) byte {
	switch {
	case v < 0:
		return 0
	case v > 255:
		return 255
	}
	return byte(v)
}
