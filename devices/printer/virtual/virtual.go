// Package virtual is a virtual receipt printer: it decodes the ESC/POS that
// this project sends back into a picture of the receipt, at the paper's dot
// width, with text drawn in the embedded font and raster images as sent. The
// tests read receipts back with it; technicians preview receipts with it
// (kioskctl print --device png:FILE); demo mode prints to it.
package virtual

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"sync"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yizhan-kiosk/yizhan/assets"
)

// Receipt is what the virtual printer printed.
type Receipt struct {
	Image *image.Gray // the paper, Dots wide
	Lines []string    // the text of each printed line, in order
	Cuts  int         // how many times the paper was cut
	QR    []string    // payloads of QR codes the printer drew itself
}

// MaxHeight bounds a receipt: 20,000 dots is 2.5 m of paper.
const MaxHeight = 20000

// MaxQRData bounds a QR code's payload, as the renderer does: a receipt
// carries a short link.
const MaxQRData = 512

const lineDots = 24 // font A: 12×24 for ASCII, 24×24 for Chinese

// ErrUnsupported is an ESC/POS command outside what this project sends.
var ErrUnsupported = errors.New("virtual: unsupported command")

type cell struct {
	r    rune
	w, h int // magnification
	bold bool
}

type printer struct {
	dots   int
	rows   [][]byte // one byte a dot, 0 black, 255 white
	y      int
	out    Receipt
	line   []cell
	align  byte
	bold   bool
	wMag   int
	hMag   int
	chin   bool
	qrData string
	qrSize int
}

// drawing serialises Print: font faces keep scratch buffers.
var drawing sync.Mutex

// Print decodes data as sent to a printer with dots of width.
func Print(data []byte, dots int) (Receipt, error) {
	if dots < 8 || dots > 2048 {
		return Receipt{}, fmt.Errorf("virtual: width of %d dots", dots)
	}
	drawing.Lock()
	defer drawing.Unlock()
	p := &printer{dots: dots}
	p.reset()
	if err := p.decode(data); err != nil {
		return Receipt{}, err
	}
	p.flush(false)
	img := image.NewGray(image.Rect(0, 0, dots, max(p.y, 1)))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y, row := range p.rows {
		if y < img.Rect.Dy() {
			copy(img.Pix[y*img.Stride:], row)
		}
	}
	p.out.Image = img
	return p.out, nil
}

func (p *printer) reset() {
	p.align, p.bold, p.wMag, p.hMag, p.chin = 0, false, 1, 1, false
	p.qrSize = 3
}

func (p *printer) decode(b []byte) error {
	need := func(i, n int) error {
		if i+n > len(b) {
			return fmt.Errorf("virtual: command at %d cut short", i)
		}
		return nil
	}
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == 0x0A:
			p.flush(true)
			i++
		case c == 0x0D:
			i++
		case c == 0x10: // DLE EOT n: a status request, nothing printed
			if err := need(i, 3); err != nil {
				return err
			}
			if b[i+1] != 0x04 {
				return fmt.Errorf("%w: 10 %02X", ErrUnsupported, b[i+1])
			}
			i += 3
		case c == 0x1B, c == 0x1C, c == 0x1D:
			n, err := p.command(b[i:])
			if err != nil {
				return err
			}
			i += n
		case c < 0x20 || c == 0x7F:
			return fmt.Errorf("%w: control byte %02X", ErrUnsupported, c)
		case c < 0x80:
			p.put(rune(c))
			i++
		case p.chin && c >= 0x81 && c <= 0xFE:
			if err := need(i, 2); err != nil {
				return err
			}
			r, err := gbRune(b[i], b[i+1])
			if err != nil {
				return err
			}
			p.put(r)
			i += 2
		default:
			return fmt.Errorf("%w: byte %02X outside Chinese mode", ErrUnsupported, c)
		}
		if p.y > MaxHeight {
			return fmt.Errorf("virtual: receipt longer than %d dots", MaxHeight)
		}
	}
	return nil
}

var gbDecoder = simplifiedchinese.GBK.NewDecoder()

func gbRune(a, b byte) (rune, error) {
	out, err := gbDecoder.Bytes([]byte{a, b})
	rs := []rune(string(out))
	if err != nil || len(rs) != 1 || rs[0] == '\uFFFD' {
		return 0, fmt.Errorf("virtual: %02X %02X is not a GB character", a, b)
	}
	return rs[0], nil
}

// command decodes one ESC, FS or GS command and returns its length.
func (p *printer) command(b []byte) (int, error) {
	if len(b) < 2 {
		return 0, errors.New("virtual: command cut short")
	}
	arg := func(n int) ([]byte, error) {
		if len(b) < 2+n {
			return nil, fmt.Errorf("virtual: command %02X %02X cut short", b[0], b[1])
		}
		return b[2 : 2+n], nil
	}
	switch [2]byte{b[0], b[1]} {
	case [2]byte{0x1B, 0x40}: // initialise
		p.flush(false)
		p.reset()
		return 2, nil
	case [2]byte{0x1B, 0x61}: // align
		a, err := arg(1)
		if err != nil {
			return 0, err
		}
		p.align = a[0] & 0x03 % 3
		return 3, nil
	case [2]byte{0x1B, 0x45}: // bold
		a, err := arg(1)
		if err != nil {
			return 0, err
		}
		p.bold = a[0]&1 == 1
		return 3, nil
	case [2]byte{0x1B, 0x64}: // print and feed n lines
		a, err := arg(1)
		if err != nil {
			return 0, err
		}
		p.flush(false)
		p.feed(int(a[0]) * lineDots)
		return 3, nil
	case [2]byte{0x1B, 0x4A}: // print and feed n dots
		a, err := arg(1)
		if err != nil {
			return 0, err
		}
		p.flush(false)
		p.feed(int(a[0]))
		return 3, nil
	case [2]byte{0x1D, 0x21}: // character size
		a, err := arg(1)
		if err != nil {
			return 0, err
		}
		p.wMag, p.hMag = int(a[0]>>4&7)+1, int(a[0]&7)+1
		return 3, nil
	case [2]byte{0x1C, 0x26}:
		p.chin = true
		return 2, nil
	case [2]byte{0x1C, 0x2E}:
		p.chin = false
		return 2, nil
	case [2]byte{0x1D, 0x76}: // raster image
		h, err := arg(6)
		if err != nil {
			return 0, err
		}
		if h[0] != 0x30 {
			return 0, fmt.Errorf("%w: 1D 76 %02X", ErrUnsupported, h[0])
		}
		xb, rows := int(h[2])|int(h[3])<<8, int(h[4])|int(h[5])<<8
		data, err := arg(6 + xb*rows)
		if err != nil {
			return 0, err
		}
		p.flush(false)
		p.raster(data[6:], xb, rows)
		return 8 + xb*rows, nil
	case [2]byte{0x1D, 0x56}: // cut
		a, err := arg(1)
		if err != nil {
			return 0, err
		}
		n := 3
		if a[0] == 65 || a[0] == 66 {
			if _, err := arg(2); err != nil {
				return 0, err
			}
			n = 4
		}
		p.flush(false)
		p.cut()
		return n, nil
	case [2]byte{0x1D, 0x28}: // GS ( k: QR code
		h, err := arg(3)
		if err != nil {
			return 0, err
		}
		if h[0] != 0x6B {
			return 0, fmt.Errorf("%w: 1D 28 %02X", ErrUnsupported, h[0])
		}
		n := int(h[1]) | int(h[2])<<8
		body, err := arg(3 + n)
		if err != nil {
			return 0, err
		}
		if err := p.qr(body[3:]); err != nil {
			return 0, err
		}
		return 5 + n, nil
	}
	return 0, fmt.Errorf("%w: %02X %02X", ErrUnsupported, b[0], b[1])
}

func (p *printer) put(r rune) {
	p.line = append(p.line, cell{r: r, w: p.wMag, h: p.hMag, bold: p.bold})
}

func (c cell) width() int {
	if c.r < 0x80 {
		return 12 * c.w
	}
	return 24 * c.w
}

// flush prints the pending text, wrapping at the paper's edge as a printer
// does. An empty line feeds one line when lf says a line feed asked for it.
func (p *printer) flush(lf bool) {
	if len(p.line) == 0 {
		if lf {
			p.feed(lineDots * p.hMag)
		}
		return
	}
	cells := p.line
	p.line = nil
	for len(cells) > 0 && p.y <= MaxHeight {
		w, n := 0, 0
		for n < len(cells) && w+cells[n].width() <= p.dots {
			w += cells[n].width()
			n++
		}
		if n == 0 {
			n, w = 1, cells[0].width() // a character wider than the paper
		}
		p.textLine(cells[:n], w)
		cells = cells[n:]
	}
}

func (p *printer) textLine(cells []cell, width int) {
	h := 0
	text := make([]rune, 0, len(cells))
	for _, c := range cells {
		h = max(h, lineDots*c.h)
		text = append(text, c.r)
	}
	p.out.Lines = append(p.out.Lines, string(text))
	x := p.x(width)
	top := p.y
	p.grow(top + h)
	for _, c := range cells {
		p.glyph(c, x, top, h)
		x += c.width()
	}
	p.y = top + h
}

// x is where a piece width dots wide starts under the current alignment.
func (p *printer) x(width int) int {
	switch p.align {
	case 1:
		return max(0, (p.dots-width)/2)
	case 2:
		return max(0, p.dots-width)
	}
	return 0
}

func (p *printer) grow(h int) {
	n := h - len(p.rows)
	if n <= 0 {
		return
	}
	block := bytes.Repeat([]byte{0xFF}, n*p.dots) // white paper, all rows at once
	for i := 0; i < n; i++ {
		p.rows = append(p.rows, block[i*p.dots:(i+1)*p.dots:(i+1)*p.dots])
	}
}

func (p *printer) feed(dots int) {
	p.y += dots
	p.grow(p.y)
}

func (p *printer) dot(x, y int) {
	if x >= 0 && x < p.dots && y >= 0 && y < len(p.rows) {
		p.rows[y][x] = 0
	}
}

func (p *printer) raster(data []byte, xb, rows int) {
	x0 := p.x(xb * 8)
	p.grow(p.y + rows)
	for y := 0; y < rows; y++ {
		for x := 0; x < xb*8; x++ {
			if data[y*xb+x/8]&(0x80>>(x%8)) != 0 {
				p.dot(x0+x, p.y+y)
			}
		}
	}
	p.y += rows
}

func (p *printer) cut() {
	p.out.Cuts++
	p.feed(lineDots) // the printer feeds the paper to its cutter first
	for x := 0; x < p.dots; x += 8 {
		for i := 0; i < 4; i++ {
			p.dot(x+i, p.y-4)
		}
	}
	p.feed(8)
}

// qr handles one GS ( k function of the QR symbol (cn 0x31).
func (p *printer) qr(b []byte) error {
	if len(b) < 2 || b[0] != 0x31 {
		return fmt.Errorf("%w: GS ( k function % X", ErrUnsupported, b)
	}
	switch b[1] {
	case 0x41, 0x45: // model, error correction: drawn as model 2, level M
	case 0x43:
		if len(b) < 3 || b[2] < 1 || b[2] > 16 {
			return errors.New("virtual: QR module size out of range")
		}
		p.qrSize = int(b[2])
	case 0x50:
		if len(b) < 3 {
			return errors.New("virtual: QR store without data")
		}
		if len(b)-3 > MaxQRData {
			return fmt.Errorf("virtual: QR data of %d bytes: receipts carry at most %d", len(b)-3, MaxQRData)
		}
		p.qrData = string(b[3:])
	case 0x51:
		p.flush(false)
		q, err := qrcode.New(p.qrData, qrcode.Medium)
		if err != nil {
			return fmt.Errorf("virtual: QR: %w", err)
		}
		p.out.QR = append(p.out.QR, p.qrData)
		bits := q.Bitmap()
		m := p.qrSize
		size := len(bits) * m
		x0 := p.x(size)
		p.grow(p.y + size)
		for y, row := range bits {
			for x, on := range row {
				if on {
					for d := 0; d < m*m; d++ {
						p.dot(x0+x*m+d%m, p.y+y*m+d/m)
					}
				}
			}
		}
		p.y += size
	default:
		return fmt.Errorf("%w: GS ( k function %02X", ErrUnsupported, b[1])
	}
	return nil
}

// baseFace is the embedded font at the printer's base line height; every
// character is drawn at it and magnified. nil if the font fails to load.
var baseFace = sync.OnceValue(func() font.Face {
	f, err := opentype.Parse(assets.FontRegular)
	if err != nil {
		return nil
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: lineDots * 0.92, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil
	}
	return face
})

// glyph draws one character in its cell: the printer's font is not ours,
// so each character is drawn at the printer's base size (24 dots high),
// centred in the cell the printer would give it, then magnified.
func (p *printer) glyph(c cell, x, top, lineH int) {
	if c.r == ' ' {
		return
	}
	g := baseGlyph(c.r, c.bold)
	if g == nil {
		return
	}
	h := lineDots * c.h
	cw := g.Rect.Dx()
	y0 := top + lineH - h // characters sit on the line's bottom
	for y := 0; y < h; y++ {
		for xx := 0; xx < cw*c.w; xx++ {
			if g.GrayAt(xx/c.w, y/c.h).Y < 128 {
				p.dot(x+xx, y0+y)
			}
		}
	}
}

type glyphKey struct {
	r    rune
	bold bool
}

// glyphs caches characters drawn at the base size; Print holds drawing.
var glyphs = map[glyphKey]*image.Gray{}

const maxCachedGlyphs = 8192

func baseGlyph(r rune, bold bool) *image.Gray {
	k := glyphKey{r, bold}
	if g, ok := glyphs[k]; ok {
		return g
	}
	f := baseFace()
	if f == nil {
		return nil
	}
	adv, ok := f.GlyphAdvance(r)
	if !ok {
		adv = fixed.I(lineDots)
	}
	cw := 24
	if r < 0x80 {
		cw = 12
	}
	g := image.NewGray(image.Rect(0, 0, cw, lineDots))
	for i := range g.Pix {
		g.Pix[i] = 0xFF
	}
	m := f.Metrics()
	base := (lineDots+m.Ascent.Ceil()-m.Descent.Ceil())/2 + 1
	d := font.Drawer{Dst: g, Src: image.NewUniform(color.Black), Face: f}
	for i := 0; i <= boolInt(bold); i++ {
		d.Dot = fixed.Point26_6{X: fixed.I(cw)/2 - adv/2 + fixed.I(i), Y: fixed.I(base)}
		d.DrawString(string(r))
	}
	if len(glyphs) >= maxCachedGlyphs {
		clear(glyphs)
	}
	glyphs[k] = g
	return g
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
