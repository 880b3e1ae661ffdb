// Package a4printer is the terminal's A4 printer, for the certificates and
// forms a resident takes away. It is reached through the print system a
// Debian terminal already has: a CUPS queue, which turns a PDF into the
// printer's own language with the printer's driver, and is spoken to in
// IPP (devices/ipp) on the local cupsd — no printer language is written
// here. The package sends a PDF as a job, follows the job to its end
// (completed, or paper out, jammed, stopped) and reports the printer's
// state to the device registry with who must act.
//
// A job the resident cannot wait for is cancelled, never left to come
// out later: a certificate left in the tray is someone's personal data.
package a4printer

import (
	"fmt"
	"net/url"
	"strings"
)

// Device names an A4 printer: "cups:QUEUE", a queue of the terminal's own
// cupsd (ipp://localhost:631/printers/QUEUE), or "ipp://HOST[:PORT]/PATH",
// any IPP printer or print server. ParseDevice reads the grammar, String
// writes it, Open makes the printer.
type Device struct {
	// URI is the printer's IPP URI.
	URI string
	// Queue is the CUPS queue's name, for "cups:QUEUE"; "" otherwise.
	Queue string
}

// cupsURI is where the terminal's own cupsd serves a queue.
const cupsURI = "ipp://localhost:631/printers/"

// ParseDevice reads an A4 printer's name.
func ParseDevice(s string) (Device, error) {
	bad := func(why string) (Device, error) {
		return Device{}, fmt.Errorf("a4printer: device %q: %s", s, why)
	}
	if q, ok := strings.CutPrefix(s, "cups:"); ok {
		if !validQueue(q) {
			return bad("a queue name is 1 to 127 letters, digits, '-', '_' or '.'")
		}
		return Device{URI: cupsURI + q, Queue: q}, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "ipp" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		!strings.HasPrefix(u.Path, "/") || u.Hostname() == "" {
		return bad("want cups:QUEUE or ipp://HOST[:PORT]/PATH")
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return bad("port out of range")
	}
	return Device{URI: u.String()}, nil
}

func (d Device) String() string {
	if d.Queue != "" {
		return "cups:" + d.Queue
	}
	return d.URI
}

// validQueue: the names lpadmin makes (CUPS takes any printable character
// but space, '/', '#', '\\', quotes; the terminal takes the plain ones).
func validQueue(q string) bool {
	if q == "" || len(q) > 127 {
		return false
	}
	for _, c := range q {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

func validPort(p string) bool {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' || n > 65535 {
			return false
		}
		n = n*10 + int(c-'0')
	}
	return n > 0 && n <= 65535 && p[0] != '0'
}
