// Package camera is the terminal's cameras: the face camera (the
// resident's photo, compared with the ID card's) and the document camera
// (高拍仪). Both are UVC cameras that Linux exposes through V4L2; this
// package holds what does not depend on where frames come from — formats
// and their negotiation, decoding MJPEG (with the Huffman tables UVC
// cameras leave out) and YUYV into one reused RGBA buffer, still
// captures as JPEG, and the monitor that reports a camera's state to the
// device registry. The V4L2 driver is in camera/v4l2, the simulated camera
// in camera/camerasim.
package camera

import (
	"errors"
	"fmt"
	"time"
)

// Pixel formats a camera delivers frames in. The values are V4L2's
// FourCC codes.
type PixelFormat uint32

const (
	MJPEG PixelFormat = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	YUYV  PixelFormat = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
)

func (p PixelFormat) String() string {
	b := []byte{byte(p), byte(p >> 8), byte(p >> 16), byte(p >> 24)}
	return string(b)
}

// Size is a frame size in pixels.
type Size struct{ Width, Height int }

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.Width, s.Height) }

// Pixels is the frame's area.
func (s Size) Pixels() int { return s.Width * s.Height }

// ParseSize reads "WIDTHxHEIGHT".
func ParseSize(text string) (Size, error) {
	var s Size
	if _, err := fmt.Sscanf(text, "%dx%d", &s.Width, &s.Height); err != nil || s.Width < 16 || s.Height < 16 || s.Width > 10000 || s.Height > 10000 {
		return Size{}, fmt.Errorf("camera: size %q: want WIDTHxHEIGHT", text)
	}
	if s.String() != text {
		return Size{}, fmt.Errorf("camera: size %q: want WIDTHxHEIGHT", text)
	}
	return s, nil
}

// Format is one way a camera can stream: a pixel format at a size.
type Format struct {
	Pixel PixelFormat
	Size  Size
}

func (f Format) String() string { return f.Pixel.String() + " " + f.Size.String() }

// Frame is one frame as the camera sent it.
type Frame struct {
	Format Format
	Data   []byte
	Seq    uint64
	Time   time.Time
}

// Info describes a camera for technicians and the configuration.
type Info struct {
	// ID is stable across reboots and re-plugging: the /dev/v4l/by-id
	// name, or usb:VID:PID[:SERIAL]; "sim:…" for simulated cameras.
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Bus     string   `json:"bus"`
	Path    string   `json:"path"` // /dev/videoN now; it may change
	Formats []Format `json:"formats"`
}

// Device is one opened camera. Frames come only between Start and Close.
type Device interface {
	Info() Info
	// Start streams in format f (one of Info().Formats).
	Start(f Format) error
	// Frame waits up to timeout for the next frame. Its Data is valid
	// until the next call.
	Frame(timeout time.Duration) (Frame, error)
	Close() error
}

// Errors a Device reports.
var (
	// ErrTimeout is no frame within the timeout: a stalled camera.
	ErrTimeout = errors.New("camera: no frame in time")
	// ErrGone is a camera that disappeared (unplugged).
	ErrGone = errors.New("camera: device gone")
)
