package printer

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// The ESC/POS commands the renderer sends (devices.md §2).
var (
	escInit           = []byte{0x1B, 0x40}
	fsChineseOn       = []byte{0x1C, 0x26}
	escAlign          = []byte{0x1B, 0x61} // + 0 left, 1 centre, 2 right
	escBold           = []byte{0x1B, 0x45} // + 0/1
	gsSize            = []byte{0x1D, 0x21} // + (width-1)<<4 | (height-1)
	escFeedLines      = []byte{0x1B, 0x64} // + n
	gsRaster          = []byte{0x1D, 0x76, 0x30, 0x00}
	gsCutFeed         = []byte{0x1D, 0x56, 0x42} // + n: feed to the cutter, partial cut
	gsQR              = []byte{0x1D, 0x28, 0x6B}
	lineFeed     byte = 0x0A
)

// Render turns a receipt into the ESC/POS bytes for a printer profile.
func Render(r Receipt, p Profile) ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	e := &renderer{p: p, align: Left}
	e.out.Write(escInit)
	e.out.Write(fsChineseOn)
	for i, b := range r.Blocks {
		if err := e.block(b); err != nil {
			return nil, fmt.Errorf("printer: block %d (%s): %w", i+1, b.Kind, err)
		}
	}
	return e.out.Bytes(), nil
}

// renderer keeps the printer's mode so that each command is sent only
// when it changes: at 9600 baud every byte costs a millisecond.
type renderer struct {
	p     Profile
	out   bytes.Buffer
	align Align
	bold  bool
	size  byte
}

func (e *renderer) setAlign(a Align) {
	if a == "" {
		a = Left
	}
	if a != e.align {
		e.out.Write(escAlign)
		e.out.WriteByte(map[Align]byte{Left: 0, Center: 1, Right: 2}[a])
		e.align = a
	}
}

func (e *renderer) setBold(on bool) {
	if on != e.bold {
		e.out.Write(escBold)
		e.out.WriteByte(map[bool]byte{false: 0, true: 1}[on])
		e.bold = on
	}
}

func (e *renderer) setSize(w, h int) {
	s := byte(max(w, 1)-1)<<4 | byte(max(h, 1)-1)
	if s != e.size {
		e.out.Write(gsSize)
		e.out.WriteByte(s)
		e.size = s
	}
}

func (e *renderer) block(b Block) error {
	switch b.Kind {
	case KindText:
		mag := max(b.Width, 1)
		for _, para := range strings.Split(b.Text, "\n") {
			for _, line := range wrap(para, e.p.Columns/mag) {
				e.textLine(line, b.Align, b.Bold, b.Width, b.Height)
			}
		}
	case KindRow:
		for _, line := range rowLines(b.Text, b.Value, e.p.Columns) {
			e.textLine(line, Left, b.Bold, 1, 1)
		}
	case KindSeparator:
		c := b.Text
		if c == "" {
			c = "-"
		}
		e.textLine(strings.Repeat(c, e.p.Columns/displayWidth(c)), Left, false, 1, 1)
	case KindQR:
		return e.qr(b)
	case KindImage:
		e.setAlign(b.Align)
		e.raster(toMono(b.Image, e.p.Dots))
	case KindFeed:
		e.out.Write(escFeedLines)
		e.out.WriteByte(byte(b.Lines))
	case KindCut:
		if e.p.Cut {
			e.out.Write(gsCutFeed)
			e.out.WriteByte(0)
		} else {
			e.out.Write(escFeedLines) // no cutter: feed far enough to tear off
			e.out.WriteByte(4)
		}
	}
	return nil
}

// textLine prints one line: as GB text when every character has a two-byte
// code (or is ASCII), otherwise as a picture of the line drawn with the
// embedded font, so no character is ever dropped or replaced.
func (e *renderer) textLine(line string, a Align, bold bool, w, h int) {
	if enc, ok := encodeGB(line); ok {
		e.setAlign(a)
		e.setBold(bold)
		e.setSize(w, h)
		e.out.Write(enc)
		e.out.WriteByte(lineFeed)
		return
	}
	e.setAlign(Left) // the picture is as wide as the paper and aligned within
	e.raster(drawLine(line, e.p.Dots, a, bold, max(w, 1), max(h, 1)))
}

// encodeGB encodes s for the printer's Chinese mode: ASCII as one byte,
// everything else as a two-byte GB code. ok is false when some character
// has no two-byte code (a rare character, an emoji, the euro sign's
// one-byte GBK code) or has one that printer fonts commonly lack: the
// characters of CJK Extension A that GB 18030 put in GBK's spare codes
// (FE50–FEA0 among them).
func encodeGB(s string) ([]byte, bool) {
	out := make([]byte, 0, 2*len(s))
	enc := simplifiedchinese.GBK.NewEncoder()
	var buf [8]byte
	for _, r := range s {
		if r < 0x80 {
			if r < 0x20 || r == 0x7F {
				r = ' '
			}
			out = append(out, byte(r))
			continue
		}
		if r >= 0x3400 && r <= 0x4DBF || r >= 0xE000 && r <= 0xF8FF {
			return nil, false
		}
		n, _, err := enc.Transform(buf[:], []byte(string(r)), true)
		if err != nil || n != 2 || buf[0] < 0x81 || buf[0] == 0xFE && buf[1] < 0xA1 {
			return nil, false
		}
		out = append(out, buf[0], buf[1])
	}
	return out, true
}

// displayWidth counts columns as the printer does: ASCII one, anything
// else (a two-byte code) two.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r < 0x80 {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// wrap breaks s into lines of at most cols columns, at spaces where it can
// and between Chinese characters anywhere.
func wrap(s string, cols int) []string {
	if cols < 2 {
		cols = 2
	}
	var lines []string
	var cur []rune
	width, lastSpace := 0, -1
	for _, r := range s {
		rw := displayWidth(string(r))
		if width+rw > cols && r == ' ' { // the line ends at this space
			lines = append(lines, string(cur))
			cur, width, lastSpace = cur[:0], 0, -1
			continue
		}
		if width+rw > cols {
			if lastSpace > 0 && r < 0x80 {
				lines = append(lines, strings.TrimRight(string(cur[:lastSpace]), " "))
				cur = append([]rune(nil), cur[lastSpace+1:]...)
			} else {
				lines = append(lines, string(cur))
				cur = cur[:0]
			}
			width, lastSpace = displayWidth(string(cur)), -1
			if r == ' ' {
				continue
			}
		}
		if r == ' ' {
			lastSpace = len(cur)
		}
		cur = append(cur, r)
		width += rw
	}
	return append(lines, string(cur))
}

// rowLines lays a key and a value on one line, the value flush right, or on
// two when they do not fit.
func rowLines(key, value string, cols int) []string {
	kw, vw := displayWidth(key), displayWidth(value)
	if kw+1+vw <= cols {
		return []string{key + strings.Repeat(" ", cols-kw-vw) + value}
	}
	lines := wrap(key, cols)
	for _, v := range wrap(value, cols) {
		lines = append(lines, strings.Repeat(" ", max(0, cols-displayWidth(v)))+v)
	}
	return lines
}

// qrTargetDots is the width a QR code is drawn at when the receipt does
// not say: about 23 mm at 8 dots a millimetre, which a phone reads easily.
// Larger costs paper and, at 9600 baud, seconds: every dot row is sent.
const qrTargetDots = 184

// qrModule picks the module size: as asked, or what brings the code near
// qrTargetDots, from 3 to 6 dots; never under 3 dots, below which phones
// misread thermal prints.
func qrModule(b Block, modules, dots int) (int, error) {
	m := b.Module
	if m == 0 {
		m = max(3, min(6, qrTargetDots/modules))
	}
	if m < 3 || modules*m > dots {
		return 0, fmt.Errorf("a QR of %d modules does not fit %d dots at 3 dots a module: shorten the data", modules, dots)
	}
	return m, nil
}

func (e *renderer) qr(b Block) error {
	q, err := qrcode.New(b.Data, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("qr: %w", err)
	}
	bits := q.Bitmap() // with the 4-module quiet zone
	m, err := qrModule(b, len(bits), e.p.Dots)
	if err != nil {
		return err
	}
	e.setAlign(b.Align)
	if e.p.NativeQR {
		e.nativeQR(b.Data, min(m, 16))
		return nil
	}
	img := newMono(len(bits)*m, len(bits)*m)
	for y, row := range bits {
		for x, on := range row {
			if !on {
				continue
			}
			for dy := 0; dy < m; dy++ {
				for dx := 0; dx < m; dx++ {
					img.set(x*m+dx, y*m+dy)
				}
			}
		}
	}
	e.raster(img)
	return nil
}

// nativeQR has the printer draw the code (model 2, error level M).
func (e *renderer) nativeQR(data string, module int) {
	fn := func(args ...byte) {
		e.out.Write(gsQR)
		e.out.WriteByte(byte(len(args)))
		e.out.WriteByte(byte(len(args) >> 8))
		e.out.Write(args)
	}
	fn(0x31, 0x41, 0x32, 0x00)   // model 2
	fn(0x31, 0x43, byte(module)) // module size
	fn(0x31, 0x45, 0x31)         // error correction M
	n := len(data) + 3           // store the data
	e.out.Write(gsQR)
	e.out.WriteByte(byte(n))
	e.out.WriteByte(byte(n >> 8))
	e.out.Write([]byte{0x31, 0x50, 0x30})
	e.out.WriteString(data)
	fn(0x31, 0x51, 0x30) // print
	e.out.WriteByte(lineFeed)
}
