package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/serialline"
	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
)

// Port is a connection to a printer: bytes out, status back.
type Port interface {
	// Write sends all of p or fails; it gives up when ctx ends.
	Write(ctx context.Context, p []byte) error
	// Status asks the printer for its real-time status. A port that cannot
	// hear back (a one-way printer) returns ErrNoStatus.
	Status(ctx context.Context) (Status, error)
	Close() error
}

// ErrNoStatus means the printer cannot report its status on this port.
var ErrNoStatus = errors.New("printer: no status on this port")

// ErrGone means the printer's port went away (unplugged, connection lost).
var ErrGone = errors.New("printer: port gone")

// byteConn is a byte stream with deadlines: a TCP connection, a device
// file the poller can wait on, or a serial line.
type byteConn interface {
	io.ReadWriteCloser
	SetReadDeadline(time.Time) error
	SetWriteDeadline(time.Time) error
}

// streamPort speaks ESC/POS over a byte stream and asks status with
// DLE EOT 1–4.
type streamPort struct {
	c   byteConn
	buf []byte
	// answered: the printer has answered a status request on this port.
	// Until it does, silence means a one-way printer (or cable); after,
	// silence means the printer stopped answering.
	answered bool
}

// ErrNoReply means a printer that answers status requests did not.
var ErrNoReply = errors.New("printer: no status reply")

// statusWait is how long the printer has to answer one DLE EOT.
const statusWait = 500 * time.Millisecond

// writeChunk keeps each write short, so a cancelled print stops soon.
const writeChunk = 512

func deadline(ctx context.Context, d time.Duration) time.Time {
	if dl, ok := ctx.Deadline(); ok {
		return dl
	}
	return time.Now().Add(d)
}

func (s *streamPort) Write(ctx context.Context, p []byte) error {
	for len(p) > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("printer: write: %w", err)
		}
		n := min(writeChunk, len(p))
		if err := s.c.SetWriteDeadline(deadline(ctx, 30*time.Second)); err != nil && !errors.Is(err, os.ErrNoDeadline) {
			return fmt.Errorf("printer: write: %w", err)
		}
		w, err := s.c.Write(p[:n])
		if err != nil {
			return fmt.Errorf("printer: write after %d bytes: %w", w, mapGone(err))
		}
		p = p[w:]
	}
	return nil
}

func (s *streamPort) Status(ctx context.Context) (Status, error) {
	s.drain()
	var r [4]byte
	for n := byte(1); n <= 4; n++ {
		if err := s.Write(ctx, dleEOT(n)); err != nil {
			return Status{}, err
		}
		b, err := s.readByte(ctx)
		if errors.Is(err, ErrNoStatus) && s.answered {
			return Status{}, ErrNoReply
		}
		if err != nil {
			return Status{}, err
		}
		s.answered = true
		r[n-1] = b
	}
	return ParseStatus(r)
}

// readByte reads the one-byte answer to a status request.
func (s *streamPort) readByte(ctx context.Context) (byte, error) {
	dl := time.Now().Add(statusWait)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	if err := s.c.SetReadDeadline(dl); err != nil {
		return 0, ErrNoStatus
	}
	var b [1]byte
	for {
		n, err := s.c.Read(b[:])
		if n == 1 {
			return b[0], nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, fmt.Errorf("printer: no status reply: %w", ErrNoStatus)
		}
		if err != nil {
			return 0, fmt.Errorf("printer: status: %w", mapGone(err))
		}
	}
}

// drain drops bytes left from an earlier reply (or from a printer that
// answered a DLE EOT it found inside picture data).
func (s *streamPort) drain() {
	if s.c.SetReadDeadline(time.Now().Add(20*time.Millisecond)) != nil {
		return
	}
	if s.buf == nil {
		s.buf = make([]byte, 256)
	}
	for i := 0; i < 16; i++ {
		if n, err := s.c.Read(s.buf); n == 0 || err != nil {
			return
		}
	}
}

func (s *streamPort) Close() error { return s.c.Close() }

func mapGone(err error) error {
	if errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENODEV) || errors.Is(err, io.EOF) || errors.Is(err, serialline.ErrGone) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("%w: %v", ErrGone, err)
	}
	return err
}

// OpenSerial opens a printer on a serial port.
func OpenSerial(path string, baud int) (Port, error) {
	p, err := serialline.Open(path, baud)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("printer: open %s: %w", path, ErrGone)
		}
		return nil, fmt.Errorf("printer: open %s: %w", path, err)
	}
	return &streamPort{c: p}, nil
}

// OpenFile opens a printer's device file (/dev/usb/lp0), or a capture
// file. Under /dev a missing file is a printer gone (ErrGone); anywhere
// else the path is a capture of what would be printed, made when missing,
// each receipt added at its end. Writes to a device have deadlines where
// the driver lets the file be polled; Linux's usblp does, but prefer the
// usb: device, which also detaches usblp.
func OpenFile(path string) (Port, error) {
	device, err := isDeviceNode(path)
	if err != nil {
		return nil, fmt.Errorf("printer: open %s: %w", path, err)
	}
	if !device {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("printer: capture %s: %w", path, err)
		}
		return &streamPort{c: f}, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("printer: open %s: %w", path, ErrGone)
		}
		return nil, fmt.Errorf("printer: open %s: %w", path, err)
	}
	return &streamPort{c: f}, nil
}

// isDeviceNode reports whether path is a printer's device file: under
// /dev, itself or where its link leads. A link whose target is gone is
// a device gone (ErrGone): a capture is never made through a link.
func isDeviceNode(path string) (bool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, err
	}
	if strings.HasPrefix(abs, "/dev/") {
		return true, nil
	}
	fi, err := os.Lstat(abs)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return false, nil // not there yet, or a file: a capture
	}
	target, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return false, fmt.Errorf("a link to nothing: %w", ErrGone)
	}
	return strings.HasPrefix(target, "/dev/"), nil
}

// OpenTCP connects to a network printer's raw port (9100).
func OpenTCP(ctx context.Context, addr string) (Port, error) {
	var d net.Dialer
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("printer: connect %s: %w", addr, err)
	}
	return &streamPort{c: c.(*net.TCPConn)}, nil
}

// Device names a printer as kioskctl and the configuration write it:
// usb, usb:VID:PID, serial:PATH[:BAUD], file:PATH, tcp:HOST:PORT or
// png:PATH (the virtual printer).
type Device struct {
	Kind     string // usb, serial, file, tcp, png
	VID, PID uint16 // usb; zero for the first printer found
	Path     string // serial, file, png; host:port for tcp
	Baud     int
}

// ParseDevice reads a device name.
func ParseDevice(s string) (Device, error) {
	kind, rest, _ := strings.Cut(s, ":")
	bad := func(why string) (Device, error) {
		return Device{}, fmt.Errorf("printer: device %q: %s", s, why)
	}
	switch kind {
	case "usb":
		if rest == "" {
			return Device{Kind: "usb"}, nil
		}
		vid, pid, err := usbdev.ParseID(rest)
		if err != nil {
			return bad("want usb:VID:PID in hex")
		}
		return Device{Kind: "usb", VID: vid, PID: pid}, nil
	case "serial":
		path, baud, err := serialline.ParsePort(rest)
		if err != nil {
			return bad(err.Error())
		}
		return Device{Kind: "serial", Path: path, Baud: baud}, nil
	case "file", "png":
		if rest == "" {
			return bad("want " + kind + ":PATH")
		}
		return Device{Kind: kind, Path: rest}, nil
	case "tcp":
		if _, _, err := net.SplitHostPort(rest); err != nil {
			return bad("want tcp:HOST:PORT")
		}
		return Device{Kind: "tcp", Path: rest}, nil
	}
	return bad("want usb, usb:VID:PID, serial:PATH[:BAUD], file:PATH, tcp:HOST:PORT or png:PATH")
}

func (d Device) String() string {
	switch d.Kind {
	case "usb":
		if d.VID == 0 && d.PID == 0 {
			return "usb"
		}
		return fmt.Sprintf("usb:%04x:%04x", d.VID, d.PID)
	case "serial":
		return fmt.Sprintf("serial:%s:%d", d.Path, d.Baud)
	}
	return d.Kind + ":" + d.Path
}

// Open opens the device; dots is the paper width, for the virtual printer.
func (d Device) Open(ctx context.Context, dots int) (Port, error) {
	switch d.Kind {
	case "usb":
		return OpenUSB(d.VID, d.PID)
	case "serial":
		return OpenSerial(d.Path, d.Baud)
	case "file":
		return OpenFile(d.Path)
	case "tcp":
		return OpenTCP(ctx, d.Path)
	case "png":
		return OpenPNG(d.Path, dots), nil
	}
	return nil, fmt.Errorf("printer: unknown device kind %q", d.Kind)
}
