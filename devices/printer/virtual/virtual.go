// Package virtual is a virtual receipt printer: it decodes the ESC/POS that
// this project sends back into a picture of the receipt, at the paper's dot
// width, with text drawn in the embedded font and raster images as sent.
// Text fills the printer's character cells as its font A does: 12×24 dots
// for ASCII, descenders included, with a glyph too wide for its cell (m, W)
// narrowed rather than cut; 24×24 for Chinese, the font's em box. The
// tests read receipts back with it; technicians preview receipts with it
// (kioskctl print --device png:FILE); demo mode prints to it.
package virtual

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"sync"

	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
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
	font   *cellFont
}

// drawing serialises Print: the glyph cache is shared.
var drawing sync.Mutex

// Print decodes data as sent to a printer with dots of width.
func Print(data []byte, dots int) (Receipt, error) {
	if dots < 8 || dots > 2048 {
		return Receipt{}, fmt.Errorf("virtual: width of %d dots", dots)
	}
	cf, err := loadCellFont()
	if err != nil {
		return Receipt{}, fmt.Errorf("virtual: font: %w", err)
	}
	drawing.Lock()
	defer drawing.Unlock()
	p := &printer{dots: dots, font: cf}
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

// cellFont draws the embedded font's outlines into the printer's character
// cells. The printer's own fonts are bitmaps made for their cells; ours is a
// proportional font, so each kind of cell gets its own vertical scale and
// baseline, and a glyph too wide for its cell is narrowed, not cut.
type cellFont struct {
	f    *sfnt.Font
	half cellBox // 12×24 cells: ASCII
	full cellBox // 24×24 cells: everything else
}

// cellBox is where a band of font units lands in a cell's 24 rows.
type cellBox struct {
	scale float64 // dots per font unit
	base  float64 // the baseline, in dots below the cell's top
}

// fit maps the font units from top to bottom (y down, baseline 0) onto the
// cell's rows.
func fit(top, bottom float64) cellBox {
	scale := lineDots / (bottom - top)
	return cellBox{scale: scale, base: -top * scale}
}

// loadCellFont measures the font once. Half-width cells hold every printable
// ASCII glyph's ink from its highest top to its lowest descender: centring
// the font's whole line height, as before, pushed descenders out of the cell.
// Full-width cells hold the ideographic em box, the square that Chinese
// glyphs are designed in, as a printer's 24×24 font does.
var loadCellFont = sync.OnceValues(func() (*cellFont, error) {
	f, err := sfnt.Parse(assets.FontRegular)
	if err != nil {
		return nil, fmt.Errorf("parse font: %w", err)
	}
	var buf sfnt.Buffer
	upem := fixed.I(int(f.UnitsPerEm()))
	bounds := func(r rune) (fixed.Rectangle26_6, bool, error) {
		i, err := f.GlyphIndex(&buf, r)
		if err != nil || i == 0 {
			return fixed.Rectangle26_6{}, false, err
		}
		b, _, err := f.GlyphBounds(&buf, i, upem, font.HintingNone)
		return b, err == nil, err
	}
	var top, bottom fixed.Int26_6
	for r := rune(0x21); r < 0x7F; r++ {
		b, ok, err := bounds(r)
		if err != nil {
			return nil, fmt.Errorf("measure %q: %w", r, err)
		}
		if ok {
			top, bottom = min(top, b.Min.Y), max(bottom, b.Max.Y)
		}
	}
	if bottom-top <= 0 {
		return nil, errors.New("font has no ASCII glyphs")
	}
	cf := &cellFont{f: f, half: fit(units(top), units(bottom))}
	// U+2588 FULL BLOCK fills the em box in CJK fonts; without it, centre
	// an em on the font's line.
	em, ok, err := bounds('\u2588')
	if err != nil {
		return nil, fmt.Errorf("measure the em box: %w", err)
	}
	if ok && em.Max.Y > em.Min.Y {
		cf.full = fit(units(em.Min.Y), units(em.Max.Y))
	} else {
		m, err := f.Metrics(&buf, upem, font.HintingNone)
		if err != nil {
			return nil, fmt.Errorf("font metrics: %w", err)
		}
		mid := units(m.Descent-m.Ascent) / 2
		cf.full = fit(mid-units(upem)/2, mid+units(upem)/2)
	}
	return cf, nil
})

// units converts a length measured at one pixel per font unit.
func units(v fixed.Int26_6) float64 { return float64(v) / 64 }

// glyph draws one character in its cell at the base size, then magnifies it
// dot by dot as a printer magnifies its bitmap font.
func (p *printer) glyph(c cell, x, top, lineH int) {
	if c.r == ' ' {
		return
	}
	g := p.font.baseGlyph(c.r, c.bold)
	h := lineDots * c.h
	cw := g.Rect.Dx()
	y0 := top + lineH - h // characters sit on the line's bottom
	for y := 0; y < h; y++ {
		for xx := 0; xx < cw*c.w; xx++ {
			if g.AlphaAt(xx/c.w, y/c.h).A >= 128 { // at least half the dot inked
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
var glyphs = map[glyphKey]*image.Alpha{}

const maxCachedGlyphs = 8192

// baseGlyph is the coverage of one character in its cell, one byte a dot.
// A glyph whose outline cannot be loaded is left blank: its text is still
// in Receipt.Lines.
func (cf *cellFont) baseGlyph(r rune, bold bool) *image.Alpha {
	k := glyphKey{r, bold}
	if g, ok := glyphs[k]; ok {
		return g
	}
	cw, box := 24, cf.full
	if r < 0x80 {
		cw, box = 12, cf.half
	}
	g := image.NewAlpha(image.Rect(0, 0, cw, lineDots))
	if len(glyphs) >= maxCachedGlyphs {
		clear(glyphs)
	}
	glyphs[k] = g
	var buf sfnt.Buffer
	upem := fixed.I(int(cf.f.UnitsPerEm()))
	i, err := cf.f.GlyphIndex(&buf, r)
	if err != nil {
		return g
	}
	b, adv, err := cf.f.GlyphBounds(&buf, i, upem, font.HintingNone)
	if err != nil {
		return g
	}
	segs, err := cf.f.LoadGlyph(&buf, i, upem, nil)
	if err != nil {
		return g
	}
	// Emphasis is a second strike one dot to the right, as printers do it.
	strikes := 1 + boolInt(bold)
	// The ink keeps one blank column on each side so that neighbours never
	// run together; a glyph wider than that (m, W, @ in a 12-dot cell) is
	// narrowed to fit rather than cut at the cell's edge.
	room := float64(cw - 2 - (strikes - 1))
	sx := box.scale
	if w := units(b.Max.X-b.Min.X) * sx; w > room {
		sx *= room / w
	}
	// Centre the advance, as the glyph's side bearings intend, then move the
	// ink inside the margins if the advance is wider than the cell.
	x0 := (float64(cw) - units(adv)*sx) / 2
	left := x0 + units(b.Min.X)*sx
	right := x0 + units(b.Max.X)*sx + float64(strikes-1)
	if left < 1 {
		x0 += 1 - left
	} else if right > float64(cw-1) {
		x0 -= right - float64(cw-1)
	}
	z := vector.NewRasterizer(cw, lineDots)
	for s := 0; s < strikes; s++ {
		dx := x0 + float64(s)
		pt := func(q fixed.Point26_6) (float32, float32) {
			return float32(dx + units(q.X)*sx), float32(box.base + units(q.Y)*box.scale)
		}
		z.Reset(cw, lineDots)
		for n, seg := range segs {
			ax, ay := pt(seg.Args[0])
			bx, by := pt(seg.Args[1])
			cx, cy := pt(seg.Args[2])
			switch seg.Op {
			case sfnt.SegmentOpMoveTo:
				if n > 0 {
					z.ClosePath() // the rasteriser leaves contours open
				}
				z.MoveTo(ax, ay)
			case sfnt.SegmentOpLineTo:
				z.LineTo(ax, ay)
			case sfnt.SegmentOpQuadTo:
				z.QuadTo(ax, ay, bx, by)
			case sfnt.SegmentOpCubeTo:
				z.CubeTo(ax, ay, bx, by, cx, cy)
			}
		}
		z.ClosePath()
		z.Draw(g, g.Rect, image.Opaque, image.Point{}) // over the first strike
	}
	return g
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
