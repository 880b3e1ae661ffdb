// Package scanner reads the 2D-code scanner a resident holds a QR code to
// (their receipt's, to see how their application stands). Kiosk scanners
// connect in one of two ways, and both are read here:
//
//   - a serial line — a USB-serial or CDC-ACM port, or a UART — that
//     sends each code followed by a CR (some send CR LF, or LF);
//   - a USB keyboard "wedge" that types each code and presses Enter, read
//     from its evdev device with an exclusive grab, so that its keystrokes
//     never reach the screens as typing.
//
// Both end in the same framing (Framer): a code is the bytes between two
// line ends, printable ASCII, at most MaxCode bytes. Anything else is
// dropped whole and said (ErrBadCode), never passed on in part.
package scanner

import (
	"errors"
	"fmt"
)

// MaxCode is the longest code taken: a receipt's QR (a URL with its
// signature) is well under it; a scanner pointed at a page of text is not.
const MaxCode = 1024

// ErrBadCode is a scan that is not a code the terminal takes: too long,
// or holding bytes that are not printable ASCII.
var ErrBadCode = errors.New("scanner: not a code the terminal reads")

// Framer cuts a scanner's byte stream into codes. The zero value is
// ready. It is not safe for concurrent use.
type Framer struct {
	buf  []byte
	bad  error // set while the code being read is refused
	last byte  // the last line end seen, to take CR LF as one
}

// Scan is one scan: a code, or why it was refused.
type Scan struct {
	Code string
	Err  error // wraps ErrBadCode
}

// Feed takes the next bytes and returns the scans they complete, in the
// order they came.
func (f *Framer) Feed(p []byte) (scans []Scan) {
	for _, b := range p {
		switch {
		case b == '\r' || b == '\n':
			if b == '\n' && f.last == '\r' && len(f.buf) == 0 && f.bad == nil {
				f.last = 0 // the LF of a CR LF
				continue
			}
			f.last = b
			switch {
			case f.bad != nil:
				scans = append(scans, Scan{Err: f.bad})
			case len(f.buf) > 0:
				scans = append(scans, Scan{Code: string(f.buf)})
			}
			f.buf, f.bad = f.buf[:0], nil
			continue
		case f.bad != nil:
		case b < 0x20 || b > 0x7e:
			f.bad = fmt.Errorf("%w: byte 0x%02x", ErrBadCode, b)
		case len(f.buf) >= MaxCode:
			f.bad = fmt.Errorf("%w: over %d bytes", ErrBadCode, MaxCode)
		default:
			f.buf = append(f.buf, b)
		}
		f.last = 0
	}
	return scans
}
