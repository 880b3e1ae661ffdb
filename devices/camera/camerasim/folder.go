package camerasim

import (
	"bytes"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// Folder is a simulated camera that plays the JPEG files of a folder in a
// loop, in name order: recorded frames of a real camera, or photos of
// documents for a demo.
type Folder struct {
	info    camera.Info
	fps     int
	faults  *Faults
	frames  [][]byte
	started bool
	seq     uint64
	next    time.Time
}

// NewFolder reads every .jpg in dir of the first file's size.
func NewFolder(id, dir string, fps int, faults *Faults) (*Folder, error) {
	if faults == nil {
		faults = &Faults{}
	}
	if fps <= 0 || fps > 120 {
		return nil, fmt.Errorf("camerasim: %d frames a second", fps)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("camerasim: %w", err)
	}
	var names []string
	for _, e := range entries {
		if n := strings.ToLower(e.Name()); !e.IsDir() && (strings.HasSuffix(n, ".jpg") || strings.HasSuffix(n, ".jpeg")) {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	f := &Folder{fps: fps, faults: faults}
	var size camera.Size
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("camerasim: %w", err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(camera.RepairMJPEG(data)))
		if err != nil {
			return nil, fmt.Errorf("camerasim: %s: %w", n, err)
		}
		s := camera.Size{Width: cfg.Width, Height: cfg.Height}
		if size == (camera.Size{}) {
			size = s
		}
		if s == size {
			f.frames = append(f.frames, data)
		}
	}
	if len(f.frames) == 0 {
		return nil, fmt.Errorf("camerasim: no JPEG files in %s", dir)
	}
	f.info = camera.Info{ID: id, Name: "folder " + filepath.Base(dir), Bus: "simulated", Path: dir,
		Formats: []camera.Format{{Pixel: camera.MJPEG, Size: size}}}
	return f, nil
}

func (f *Folder) Info() camera.Info { return f.info }

func (f *Folder) Start(format camera.Format) error {
	if format != f.info.Formats[0] {
		return fmt.Errorf("camerasim: %s offers only %v", f.info.ID, f.info.Formats[0])
	}
	f.started, f.next = true, time.Now()
	return nil
}

func (f *Folder) Frame(timeout time.Duration) (camera.Frame, error) {
	if !f.started {
		return camera.Frame{}, fmt.Errorf("camerasim: %s not started", f.info.ID)
	}
	if err := f.faults.await(&f.next, f.fps, timeout); err != nil {
		return camera.Frame{}, err
	}
	data := f.frames[f.seq%uint64(len(f.frames))]
	f.seq++
	return camera.Frame{Format: f.info.Formats[0], Data: data, Seq: f.seq, Time: time.Now()}, nil
}

func (f *Folder) Close() error {
	f.started = false
	return nil
}
