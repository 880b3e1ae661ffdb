package idcardsim

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices/ptyharness"
)

// PTY serves a Sim on a pseudo-terminal, behind a stable path (a symbolic
// link, as udev gives a real reader) so that the driver can open it by the
// same name after an unplug and a re-plug.
type PTY struct {
	sim  *Sim
	link string

	mu     sync.Mutex
	master *os.File
	slave  *os.File // held open so the master never sees EIO between opens
	cancel context.CancelFunc
	done   chan struct{}
}

// ServePTY creates a pseudo-terminal, links link to it, and serves sim on
// it until Close or Unplug.
func ServePTY(sim *Sim, link string) (*PTY, error) {
	p := &PTY{sim: sim, link: link}
	if err := p.Plug(); err != nil {
		return nil, err
	}
	return p, nil
}

// Path returns the stable path the driver opens.
func (p *PTY) Path() string { return p.link }

// Plug starts a new pseudo-terminal behind the link (after Unplug).
func (p *PTY) Plug() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.master != nil {
		return errors.New("idcardsim: already plugged in")
	}
	master, slave, err := ptyharness.Open()
	if err != nil {
		return fmt.Errorf("idcardsim: %w", err)
	}
	tmp := p.link + ".new"
	os.Remove(tmp)
	if err := os.Symlink(slave.Name(), tmp); err != nil {
		master.Close()
		slave.Close()
		return fmt.Errorf("idcardsim: link: %w", err)
	}
	if err := os.Rename(tmp, p.link); err != nil {
		master.Close()
		slave.Close()
		return fmt.Errorf("idcardsim: link: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.master, p.slave, p.cancel, p.done = master, slave, cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		p.sim.Serve(ctx, master) // ends when the master is closed
	}()
	return nil
}

// Unplug takes the reader away: the pseudo-terminal closes (the driver's
// reads fail) and the link disappears, as when a USB adapter is pulled.
func (p *PTY) Unplug() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.master == nil {
		return
	}
	os.Remove(p.link)
	p.cancel()
	p.master.Close()
	p.slave.Close()
	<-p.done
	p.master, p.slave = nil, nil
}

// Close unplugs the reader for good.
func (p *PTY) Close() error {
	p.Unplug()
	return nil
}
