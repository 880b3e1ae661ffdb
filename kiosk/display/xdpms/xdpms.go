// Package xdpms drives the screen's power through the X server's DPMS
// extension: display.Power for the terminal's X session. Off, the X
// server itself wakes the screen on a touch and turns it off again after
// the DPMS timeouts, so no program has to watch the input.
package xdpms

import (
	"fmt"
	"time"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/dpms"
	"github.com/jezek/xgb/xproto"
)

// Screen is one X display's screen power.
type Screen struct {
	conn *xgb.Conn
}

// Open connects to the X display (":0"; "" takes $DISPLAY) and checks
// that it has DPMS.
func Open(display string) (*Screen, error) {
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("xdpms: connect: %w", err)
	}
	if err := dpms.Init(c); err != nil {
		c.Close()
		return nil, fmt.Errorf("xdpms: the X server has no DPMS: %w", err)
	}
	capable, err := dpms.Capable(c).Reply()
	if err != nil || !capable.Capable {
		c.Close()
		return nil, fmt.Errorf("xdpms: the display cannot be powered down (DPMS not capable)")
	}
	return &Screen{conn: c}, nil
}

// Close ends the connection.
func (s *Screen) Close() { s.conn.Close() }

// Keep turns the screen on and stops every blanking: the X screensaver
// and DPMS's own timeouts.
func (s *Screen) Keep() error {
	if err := xproto.SetScreenSaverChecked(s.conn, 0, 0, xproto.BlankingNotPreferred, xproto.ExposuresAllowed).Check(); err != nil {
		return fmt.Errorf("xdpms: screensaver off: %w", err)
	}
	if err := dpms.ForceLevelChecked(s.conn, dpms.DPMSModeOn).Check(); err != nil {
		return fmt.Errorf("xdpms: power on: %w", err)
	}
	if err := dpms.DisableChecked(s.conn).Check(); err != nil {
		return fmt.Errorf("xdpms: disable: %w", err)
	}
	return nil
}

// Sleep turns the screen off now. DPMS stays enabled with its timeouts
// at quiet, so after a touch wakes it the X server turns it off again.
func (s *Screen) Sleep(quiet time.Duration) error {
	secs := uint16(min(max(quiet, time.Second), 65535*time.Second) / time.Second)
	if err := dpms.EnableChecked(s.conn).Check(); err != nil {
		return fmt.Errorf("xdpms: enable: %w", err)
	}
	if err := dpms.SetTimeoutsChecked(s.conn, secs, secs, secs).Check(); err != nil {
		return fmt.Errorf("xdpms: timeouts: %w", err)
	}
	if err := dpms.ForceLevelChecked(s.conn, dpms.DPMSModeOff).Check(); err != nil {
		return fmt.Errorf("xdpms: power off: %w", err)
	}
	return nil
}

// State reports DPMS as the X server has it: enabled, and the power
// level (dpms.DPMSModeOn … DPMSModeOff).
func (s *Screen) State() (enabled bool, level uint16, err error) {
	r, err := dpms.Info(s.conn).Reply()
	if err != nil {
		return false, 0, fmt.Errorf("xdpms: info: %w", err)
	}
	return r.State, r.PowerLevel, nil
}
