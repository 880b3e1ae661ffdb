package printer

import (
	"image"
	"image/color"
	"image/draw"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/yizhan-kiosk/yizhan/assets"
)

// mono is a one-bit picture as the printer takes it: rows of bytes, the
// leftmost dot in the high bit, 1 for black.
type mono struct {
	w, h   int // in dots
	stride int // bytes a row
	bits   []byte
}

func newMono(w, h int) *mono {
	stride := (w + 7) / 8
	return &mono{w: w, h: h, stride: stride, bits: make([]byte, stride*h)}
}

func (m *mono) set(x, y int) { m.bits[y*m.stride+x/8] |= 0x80 >> (x % 8) }

// rasterBandBytes bounds one GS v 0 command, so a printer with a small
// input buffer never overflows on a tall picture.
const rasterBandBytes = 4096

// raster sends a picture as GS v 0 commands, a band of rows at a time.
func (e *renderer) raster(m *mono) {
	rows := max(8, min(256, rasterBandBytes/m.stride))
	for y := 0; y < m.h; y += rows {
		n := min(rows, m.h-y)
		e.out.Write(gsRaster)
		e.out.Write([]byte{byte(m.stride), byte(m.stride >> 8), byte(n), byte(n >> 8)})
		e.out.Write(m.bits[y*m.stride : (y+n)*m.stride])
	}
}

// toMono scales an image down to fit maxWidth dots and thresholds it.
func toMono(img image.Image, maxWidth int) *mono {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > maxWidth {
		h = h * maxWidth / w
		w = maxWidth
	}
	m := newMono(w, max(h, 1))
	for y := 0; y < m.h; y++ {
		sy := b.Min.Y + y*b.Dy()/m.h
		for x := 0; x < w; x++ {
			sx := b.Min.X + x*b.Dx()/w
			g := color.GrayModel.Convert(img.At(sx, sy)).(color.Gray)
			_, _, _, a := img.At(sx, sy).RGBA()
			if a > 0x8000 && g.Y < 128 {
				m.set(x, y)
			}
		}
	}
	return m
}

// The printer's font A: 12×24 dots for ASCII, 24×24 for Chinese.
const lineDots = 24

var fontFace = sync.OnceValues(func() (*opentype.Font, error) {
	return opentype.Parse(assets.FontRegular)
})

// drawLine draws a line of text with the embedded font as wide as the paper,
// aligned within it: for lines the printer's own font cannot print.
func drawLine(text string, dots int, a Align, bold bool, w, h int) *mono {
	height := lineDots * h
	f, err := fontFace()
	if err != nil {
		// The font is embedded and tested; should it fail to parse, a
		// blank line is still better than a dropped receipt.
		return newMono(dots, height)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: float64(height) * 0.9, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return newMono(dots, height)
	}
	defer face.Close()

	// Draw at the height's scale, then stretch across when the width
	// magnification differs.
	d := &font.Drawer{Face: face, Src: image.Black}
	textW := d.MeasureString(text).Ceil()
	gray := image.NewGray(image.Rect(0, 0, max(textW+2, 1), height))
	draw.Draw(gray, gray.Bounds(), image.White, image.Point{}, draw.Src)
	d.Dst = gray
	ascent := face.Metrics().Ascent.Ceil()
	baseline := (height+ascent-face.Metrics().Descent.Ceil())/2 + 1
	for i := 0; i <= boolInt(bold); i++ {
		d.Dot = fixed.P(i, baseline)
		d.DrawString(text)
	}
	stretchedW := gray.Bounds().Dx() * w / h
	x0 := 0
	switch a {
	case Center:
		x0 = (dots - stretchedW) / 2
	case Right:
		x0 = dots - stretchedW
	}
	m := newMono(dots, height)
	for y := 0; y < height; y++ {
		for x := 0; x < stretchedW; x++ {
			tx := x0 + x
			if tx < 0 || tx >= dots {
				continue
			}
			if gray.GrayAt(x*h/w, y).Y < 128 {
				m.set(tx, y)
			}
		}
	}
	return m
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
