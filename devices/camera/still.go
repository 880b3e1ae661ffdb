package camera

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"

	xdraw "golang.org/x/image/draw"
)

// Still makes the JPEG kept for an application from a frame: decoded,
// scaled to fit size (keeping its shape; zero keeps the frame's size) and
// encoded at quality (1–100).
func Still(f Frame, size Size, quality int) ([]byte, error) {
	if quality < 1 || quality > 100 {
		return nil, fmt.Errorf("camera: JPEG quality %d outside 1–100", quality)
	}
	var d Decoder
	img, err := d.Decode(f)
	if err != nil {
		return nil, err
	}
	var out image.Image = img
	if size != (Size{}) && size != f.Format.Size {
		fit := fitInside(f.Format.Size, size)
		dst := image.NewRGBA(image.Rect(0, 0, fit.Width, fit.Height))
		xdraw.CatmullRom.Scale(dst, dst.Rect, img, img.Rect, xdraw.Src, nil)
		out = dst
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: quality}); err != nil {
		return nil, fmt.Errorf("camera: encode still: %w", err)
	}
	return buf.Bytes(), nil
}

// fitInside is the largest size with from's shape that fits in box.
func fitInside(from, box Size) Size {
	w, h := box.Width, from.Height*box.Width/from.Width
	if h > box.Height {
		w, h = from.Width*box.Height/from.Height, box.Height
	}
	return Size{Width: max(w, 1), Height: max(h, 1)}
}
