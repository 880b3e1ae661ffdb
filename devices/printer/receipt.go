// Package printer prints receipts on Epson-compatible Chinese thermal
// printers (58 mm and 80 mm): a receipt model, its rendering to ESC/POS with
// two-byte GB text and raster QR codes, the printer's real-time status in the
// device model, and the transports that reach it (USB printer class, serial,
// a device file, raw TCP port 9100).
package printer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
)

// Kind is the kind of a receipt block.
type Kind string

const (
	KindText      Kind = "text"      // a line (or more, wrapped) of text
	KindSeparator Kind = "separator" // a line of one repeated character
	KindRow       Kind = "row"       // key on the left, value on the right
	KindQR        Kind = "qr"        // a QR code
	KindImage     Kind = "image"     // a picture (a logo)
	KindFeed      Kind = "feed"      // blank lines
	KindCut       Kind = "cut"       // feed past the cutter and cut
)

// Align is a block's horizontal alignment.
type Align string

const (
	Left   Align = "left"
	Center Align = "center"
	Right  Align = "right"
)

// Block is one element of a receipt. Which fields count depends on Kind;
// the JSON form is documented in docs/receipt.md.
type Block struct {
	Kind Kind `json:"type"`
	// Text is the text of a text block, the key of a row, or the character
	// of a separator ("-" when empty).
	Text  string `json:"text,omitempty"`
	Value string `json:"value,omitempty"` // a row's value
	Align Align  `json:"align,omitempty"` // text, qr, image; left when empty
	Bold  bool   `json:"bold,omitempty"`
	// Width and Height magnify text 1 to 8 times (0 means 1).
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// Data is a QR code's payload.
	Data string `json:"data,omitempty"`
	// Module is the size of a QR module in dots: 0 draws the code about
	// 23 mm wide (3 to 6 dots a module); at least 3 either way.
	Module int `json:"module,omitempty"`
	// Image is a picture block's image; PNG carries it in JSON.
	Image image.Image `json:"-"`
	PNG   []byte      `json:"png,omitempty"`
	// Lines is how many lines a feed block feeds.
	Lines int `json:"lines,omitempty"`
}

// Receipt is what is printed for one resident.
type Receipt struct {
	Blocks []Block `json:"blocks"`
}

// The blocks' constructors, for building receipts in code.

func Text(s string) Block { return Block{Kind: KindText, Text: s} }
func Title(s string) Block {
	return Block{Kind: KindText, Text: s, Align: Center, Bold: true, Width: 2, Height: 2}
}
func Separator() Block                   { return Block{Kind: KindSeparator} }
func Row(key, value string) Block        { return Block{Kind: KindRow, Text: key, Value: value} }
func QR(data string) Block               { return Block{Kind: KindQR, Data: data, Align: Center} }
func Picture(img image.Image) Block      { return Block{Kind: KindImage, Image: img, Align: Center} }
func Feed(lines int) Block               { return Block{Kind: KindFeed, Lines: lines} }
func Cut() Block                         { return Block{Kind: KindCut} }
func (b Block) Aligned(a Align) Block    { b.Align = a; return b }
func (b Block) Emphasised() Block        { b.Bold = true; return b }
func (b Block) Magnified(w, h int) Block { b.Width, b.Height = w, h; return b }

// maxQRData bounds a QR payload: receipts carry a short link, not a file.
const maxQRData = 512

// nonASCII returns the index of the first byte of s that is not printable
// ASCII, or -1.
func nonASCII(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return i
		}
	}
	return -1
}

// Validate checks every block and decodes PNG images.
func (r *Receipt) Validate() error {
	if len(r.Blocks) == 0 {
		return errors.New("printer: empty receipt")
	}
	for i := range r.Blocks {
		if err := r.Blocks[i].validate(); err != nil {
			return fmt.Errorf("printer: block %d (%s): %w", i+1, r.Blocks[i].Kind, err)
		}
	}
	return nil
}

func (b *Block) validate() error {
	switch b.Align {
	case "", Left, Center, Right:
	default:
		return fmt.Errorf("align %q: want left, center or right", b.Align)
	}
	if b.Width < 0 || b.Width > 8 || b.Height < 0 || b.Height > 8 {
		return fmt.Errorf("size %dx%d: each 1 to 8", b.Width, b.Height)
	}
	switch b.Kind {
	case KindText:
		if strings.ContainsAny(b.Text, "\x00\x1b\x1c\x1d\x10") {
			return errors.New("text holds control characters")
		}
	case KindRow:
		if strings.ContainsAny(b.Text+b.Value, "\n\x00\x1b\x1c\x1d\x10") {
			return errors.New("row holds control characters")
		}
	case KindSeparator:
		if n := len([]rune(b.Text)); n > 1 {
			return errors.New("separator text must be one character")
		}
	case KindQR:
		if b.Data == "" || len(b.Data) > maxQRData {
			return fmt.Errorf("qr data of %d bytes: want 1 to %d", len(b.Data), maxQRData)
		}
		if i := nonASCII(b.Data); i >= 0 {
			return fmt.Errorf("qr data holds %q at byte %d: a QR code carries printable ASCII only (a link with anything else percent-encoded), as scanners read other bytes in whatever encoding they guess", []rune(b.Data[i:])[0], i)
		}
		if b.Module != 0 && (b.Module < 3 || b.Module > 16) {
			return fmt.Errorf("qr module %d dots: want 3 to 16 (thermal paper needs at least 3)", b.Module)
		}
	case KindImage:
		if b.Image == nil {
			if len(b.PNG) == 0 {
				return errors.New("image without png")
			}
			img, err := png.Decode(bytes.NewReader(b.PNG))
			if err != nil {
				return fmt.Errorf("png: %w", err)
			}
			b.Image = img
		}
		if s := b.Image.Bounds().Size(); s.X > 4096 || s.Y > 4096 || s.X == 0 || s.Y == 0 {
			return fmt.Errorf("image %dx%d: want up to 4096 dots a side", s.X, s.Y)
		}
	case KindFeed:
		if b.Lines < 1 || b.Lines > 20 {
			return fmt.Errorf("feed %d lines: want 1 to 20", b.Lines)
		}
	case KindCut:
	default:
		return fmt.Errorf("unknown block type %q", b.Kind)
	}
	return nil
}

// ParseReceipt reads a receipt in its JSON form and checks it.
func ParseReceipt(data []byte) (Receipt, error) {
	var r Receipt
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Receipt{}, fmt.Errorf("printer: receipt: %w", err)
	}
	if err := r.Validate(); err != nil {
		return Receipt{}, err
	}
	return r, nil
}
