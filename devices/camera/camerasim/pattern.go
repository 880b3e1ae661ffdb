// Package camerasim is the simulated camera for demo mode and tests: a
// moving test pattern with a frame counter and a face-shaped target, or a
// folder of JPEG files played in a loop, behind the same camera.Device
// interface as the V4L2 driver. Pattern frames are encoded as a UVC camera
// sends them — MJPEG without Huffman tables, or YUYV — so the real
// decoding runs on them. It can be unplugged, plugged back and stalled,
// to test the states a monitor reports.
package camerasim

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math"
	"sync"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// Faults shared by every simulated camera: a test unplugs one, plugs it
// back, or stops its frames.
type Faults struct {
	mu      sync.Mutex
	unplug  bool
	stalled bool
}

// Unplug makes the camera disappear: frames fail with camera.ErrGone and
// opening it fails until Plug.
func (f *Faults) Unplug() { f.set(func() { f.unplug = true }) }

// Plug puts it back.
func (f *Faults) Plug() { f.set(func() { f.unplug = false }) }

// Stall stops its frames (they time out) until Resume.
func (f *Faults) Stall() { f.set(func() { f.stalled = true }) }

// Resume lets frames flow again.
func (f *Faults) Resume() { f.set(func() { f.stalled = false }) }

func (f *Faults) set(change func()) {
	f.mu.Lock()
	change()
	f.mu.Unlock()
}

// await waits for the frame due at *next, as a camera's frames come at
// its rate, and moves *next on; it fails as the faults say.
func (f *Faults) await(next *time.Time, fps int, timeout time.Duration) error {
	unplugged, stalled := f.state()
	if unplugged {
		return camera.ErrGone
	}
	wait := time.Until(*next)
	if stalled || wait > timeout {
		time.Sleep(timeout)
		return camera.ErrTimeout
	}
	time.Sleep(wait)
	*next = next.Add(time.Second / time.Duration(fps))
	if time.Until(*next) < -time.Second {
		*next = time.Now() // fell behind (a slow reader): do not catch up in a burst
	}
	return nil
}

func (f *Faults) state() (unplugged, stalled bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.unplug, f.stalled
}

// Pattern is a simulated camera drawing a test pattern.
type Pattern struct {
	info   camera.Info
	fps    int
	faults *Faults

	format camera.Format
	img    *image.RGBA
	buf    bytes.Buffer
	data   []byte
	seq    uint64
	next   time.Time
}

// FaceFormats and DocumentFormats are what the two simulated cameras
// offer, like the real ones on terminals (MJPEG at several sizes, YUYV at
// the small one).
var (
	FaceFormats = []camera.Format{
		{Pixel: camera.MJPEG, Size: camera.Size{Width: 1280, Height: 720}},
		{Pixel: camera.MJPEG, Size: camera.Size{Width: 640, Height: 480}},
		{Pixel: camera.YUYV, Size: camera.Size{Width: 640, Height: 480}},
	}
	DocumentFormats = []camera.Format{
		{Pixel: camera.MJPEG, Size: camera.Size{Width: 1600, Height: 1200}},
		{Pixel: camera.MJPEG, Size: camera.Size{Width: 640, Height: 480}},
	}
)

// NewPattern makes a simulated camera with the id, offering formats, at
// fps frames a second. faults may be nil.
func NewPattern(id, name string, formats []camera.Format, fps int, faults *Faults) (*Pattern, error) {
	if faults == nil {
		faults = &Faults{}
	}
	if unplugged, _ := faults.state(); unplugged {
		return nil, fmt.Errorf("camerasim: %s: %w", id, camera.ErrGone)
	}
	if fps <= 0 || fps > 120 {
		return nil, fmt.Errorf("camerasim: %d frames a second", fps)
	}
	return &Pattern{info: camera.Info{ID: id, Name: name, Bus: "simulated", Path: id, Formats: formats}, fps: fps, faults: faults}, nil
}

func (p *Pattern) Info() camera.Info { return p.info }

func (p *Pattern) Start(f camera.Format) error {
	for _, o := range p.info.Formats {
		if o == f {
			p.format = f
			p.img = image.NewRGBA(image.Rect(0, 0, f.Size.Width, f.Size.Height))
			p.next = time.Now()
			return nil
		}
	}
	return fmt.Errorf("camerasim: %s does not offer %v", p.info.ID, f)
}

func (p *Pattern) Frame(timeout time.Duration) (camera.Frame, error) {
	if p.img == nil {
		return camera.Frame{}, fmt.Errorf("camerasim: %s not started", p.info.ID)
	}
	if err := p.faults.await(&p.next, p.fps, timeout); err != nil {
		return camera.Frame{}, err
	}
	p.seq++
	p.draw()
	if err := p.encode(); err != nil {
		return camera.Frame{}, err
	}
	return camera.Frame{Format: p.format, Data: p.data, Seq: p.seq, Time: time.Now()}, nil
}

func (p *Pattern) Close() error {
	p.img = nil
	return nil
}

// draw paints frame p.seq: colour bars sliding sideways, a face-shaped
// target in the middle, and the frame number.
func (p *Pattern) draw() {
	w, h := p.img.Rect.Dx(), p.img.Rect.Dy()
	bars := []color.RGBA{{235, 235, 235, 255}, {235, 235, 16, 255}, {16, 235, 235, 255}, {16, 235, 16, 255},
		{235, 16, 235, 255}, {235, 16, 16, 255}, {16, 16, 235, 255}}
	shift := int(p.seq*4) % w
	for x := range w {
		c := bars[((x+shift)%w)*len(bars)/w]
		for y := range h {
			off := y*p.img.Stride + x*4
			copy(p.img.Pix[off:off+4], []byte{c.R, c.G, c.B, 255})
		}
	}
	// The face target: a skin-toned oval with eyes and a mouth, where a
	// resident's face would be.
	cx, cy := float64(w)/2, float64(h)/2
	rx, ry := float64(h)*0.22, float64(h)*0.3
	skin := color.RGBA{224, 182, 150, 255}
	dark := color.RGBA{40, 30, 30, 255}
	for y := int(cy - ry); y <= int(cy+ry); y++ {
		for x := int(cx - rx); x <= int(cx+rx); x++ {
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			if dx*dx+dy*dy <= 1 {
				p.img.SetRGBA(x, y, skin)
			}
		}
	}
	for _, ex := range []float64{cx - rx*0.4, cx + rx*0.4} {
		disc(p.img, ex, cy-ry*0.2, rx*0.12, dark)
	}
	for a := 0.2; a < math.Pi-0.2; a += 0.01 {
		p.img.SetRGBA(int(cx+math.Cos(a)*rx*0.45), int(cy+ry*0.35+math.Sin(a)*ry*0.15), dark)
	}
	d := font.Drawer{Dst: p.img, Src: image.NewUniform(dark), Face: basicfont.Face7x13,
		Dot: fixed.P(10, h-10)}
	d.DrawString(fmt.Sprintf("%s frame %d", p.info.ID, p.seq))
}

func disc(img *image.RGBA, cx, cy, r float64, c color.RGBA) {
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if (float64(x)-cx)*(float64(x)-cx)+(float64(y)-cy)*(float64(y)-cy) <= r*r {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

// encode turns the picture into the frame a UVC camera would send.
func (p *Pattern) encode() error {
	switch p.format.Pixel {
	case camera.MJPEG:
		p.buf.Reset()
		if err := jpeg.Encode(&p.buf, p.img, &jpeg.Options{Quality: 80}); err != nil {
			return err
		}
		p.data = stripHuffman(p.buf.Bytes(), p.data[:0])
	case camera.YUYV:
		p.data = toYUYV(p.img, p.data[:0])
	default:
		return fmt.Errorf("camerasim: cannot make %v", p.format.Pixel)
	}
	return nil
}

// stripHuffman copies a JPEG without its DHT segments, as UVC cameras send
// MJPEG frames.
func stripHuffman(src, dst []byte) []byte {
	dst = append(dst, src[:2]...)
	i := 2
	for i+4 <= len(src) && src[i] == 0xFF && src[i+1] != 0xDA {
		n := int(src[i+2])<<8 | int(src[i+3])
		if src[i+1] != 0xC4 {
			dst = append(dst, src[i:i+2+n]...)
		}
		i += 2 + n
	}
	return append(dst, src[i:]...)
}

// toYUYV converts to YUYV 4:2:2, BT.601 video range.
func toYUYV(img *image.RGBA, dst []byte) []byte {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x := 0; x < w; x += 2 {
			y0, u0, v0 := yuv(row[x*4], row[x*4+1], row[x*4+2])
			y1, u1, v1 := yuv(row[x*4+4], row[x*4+5], row[x*4+6])
			dst = append(dst, y0, byte((int(u0)+int(u1))/2), y1, byte((int(v0)+int(v1))/2))
		}
	}
	return dst
}

func yuv(r, g, b byte) (y, u, v byte) {
	R, G, B := int32(r), int32(g), int32(b)
	y = byte((66*R+129*G+25*B+128)>>8 + 16)
	u = byte((-38*R-74*G+112*B+128)>>8 + 128)
	v = byte((112*R-94*G-18*B+128)>>8 + 128)
	return
}

// The simulated cameras a terminal or kioskctl can name in its
// configuration.
var known = []struct {
	id, name string
	formats  []camera.Format
	fps      int
}{
	{"sim:face", "simulated face camera", FaceFormats, 25},
	{"sim:document", "simulated document camera", DocumentFormats, 15},
}

// IDs are the ids Open knows.
func IDs() []string {
	var ids []string
	for _, k := range known {
		ids = append(ids, k.id)
	}
	return ids
}

// Open opens the simulated camera of the id: sim:face or sim:document.
func Open(id camera.ID) (camera.Device, error) {
	for _, k := range known {
		if k.id == id.String() {
			return NewPattern(k.id, k.name, k.formats, k.fps, nil)
		}
	}
	return nil, fmt.Errorf("camerasim: no simulated camera %s: %w", id, fs.ErrNotExist)
}
