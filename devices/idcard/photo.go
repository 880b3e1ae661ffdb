package idcard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os/exec"
	"time"

	"golang.org/x/image/bmp"
)

// PhotoDecoder turns a card's WLT photo into an image by running an
// external decoder program: WLT bytes on its standard input, a BMP or PNG
// on its standard output. WLT is a closed format with no open decoder, so
// the program is whatever the reader's vendor licenses; without one the
// terminal works on without the photo.
type PhotoDecoder struct {
	Program string        // path of the decoder; "" means none
	Args    []string      // extra arguments
	Timeout time.Duration // default 3 s
}

// ErrNoPhotoDecoder is returned when no decoder program is configured.
var ErrNoPhotoDecoder = errors.New("idcard: no photo decoder configured")

// maxPhotoOutput bounds what a decoder may write: a 102×126 photo is about
// 40 KB as a BMP; anything far larger is a broken decoder.
const maxPhotoOutput = 4 << 20

// Decode runs the decoder on wlt and returns the photo.
func (d PhotoDecoder) Decode(ctx context.Context, wlt []byte) (image.Image, error) {
	if d.Program == "" {
		return nil, ErrNoPhotoDecoder
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.Program, d.Args...)
	cmd.Stdin = bytes.NewReader(wlt)
	var out limitedBuffer
	out.max = maxPhotoOutput
	cmd.Stdout = &out
	cmd.Stderr = io.Discard // it may echo what it decoded: never kept
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("idcard: photo decoder: no result within %v", timeout)
		}
		return nil, fmt.Errorf("idcard: photo decoder: %w", err)
	}
	if out.over {
		return nil, fmt.Errorf("idcard: photo decoder wrote more than %d bytes", maxPhotoOutput)
	}
	b := out.Bytes()
	var img image.Image
	var err error
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG")):
		img, err = png.Decode(bytes.NewReader(b))
	case bytes.HasPrefix(b, []byte("BM")):
		img, err = bmp.Decode(bytes.NewReader(b))
	default:
		return nil, errors.New("idcard: photo decoder wrote neither PNG nor BMP")
	}
	if err != nil {
		return nil, fmt.Errorf("idcard: photo decoder output: %w", err)
	}
	if s := img.Bounds().Size(); s.X < 16 || s.Y < 16 || s.X > 2000 || s.Y > 2000 {
		return nil, fmt.Errorf("idcard: photo decoder gave a %dx%d image", s.X, s.Y)
	}
	return img, nil
}

type limitedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.Len()+len(p) > l.max {
		l.over = true
		return 0, errors.New("too much output")
	}
	return l.Buffer.Write(p)
}
