package printer

import (
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
)

// PNGPort is the virtual printer as a Port: each write is one receipt,
// decoded back into a picture and saved as a PNG file.
type PNGPort struct {
	path string
	dots int

	mu   sync.Mutex
	last virtual.Receipt
}

// OpenPNG returns a virtual printer that saves each receipt at path.
func OpenPNG(path string, dots int) *PNGPort { return &PNGPort{path: path, dots: dots} }

func (p *PNGPort) Write(ctx context.Context, b []byte) error {
	r, err := virtual.Print(b, p.dots)
	if err != nil {
		return fmt.Errorf("printer: virtual: %w", err)
	}
	p.mu.Lock()
	p.last = r
	p.mu.Unlock()
	tmp := p.path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("printer: virtual: %w", err)
	}
	if err := png.Encode(f, r.Image); err != nil {
		f.Close()
		return fmt.Errorf("printer: virtual: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("printer: virtual: %w", err)
	}
	return os.Rename(tmp, filepath.Clean(p.path))
}

// Last returns the last receipt printed, or nil.
func (p *PNGPort) Last() image.Image {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last.Image == nil {
		return nil
	}
	return p.last.Image
}

// Status of the virtual printer: always ready.
func (p *PNGPort) Status(context.Context) (Status, error) { return Status{}, nil }

func (p *PNGPort) Close() error { return nil }
