// Package scannersim is a simulated serial 2D-code scanner on a
// pseudo-terminal: each Scan sends a code the way a real one does, its
// bytes then a CR (or the line end asked for), to the real driver
// (devices/scanner) reading the pty's slave side by its path.
package scannersim

import (
	"fmt"
	"os"

	"github.com/yizhan-kiosk/yizhan/devices/ptyharness"
)

// PTY is a simulated scanner: its port's path for the driver, and the
// pty's master side it writes scans to.
type PTY struct {
	master, slave *os.File
}

// Open makes a simulated scanner on a new pseudo-terminal.
func Open() (*PTY, error) {
	m, s, err := ptyharness.Open()
	if err != nil {
		return nil, err
	}
	return &PTY{master: m, slave: s}, nil
}

// Path is the port the driver opens (serial:PATH).
func (p *PTY) Path() string { return p.slave.Name() }

// Scan sends code and a CR, as a scanner does after a good read.
func (p *PTY) Scan(code string) error { return p.Send(code + "\r") }

// Send sends bytes as they are: line ends of other kinds, a read cut in
// two, garbage.
func (p *PTY) Send(b string) error {
	if _, err := p.master.Write([]byte(b)); err != nil {
		return fmt.Errorf("scannersim: %w", err)
	}
	return nil
}

// Close unplugs the scanner.
func (p *PTY) Close() error {
	p.slave.Close()
	return p.master.Close()
}
