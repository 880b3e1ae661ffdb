// Package simulated stands in for the terminal's devices in demo mode. Each
// simulated device reports the states a real one goes through when the
// terminal starts — busy while it checks itself, then online — so the
// screens and the device panel can be seen and tested without hardware.
// The wire-level simulators that the real drivers are tested against live
// with those drivers.
package simulated

import (
	"context"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
)

// Run reports every kind as busy, waits selfTest (the time a real device
// takes to answer its first status request), then reports it online. It
// returns when all are online or ctx ends.
func Run(ctx context.Context, reg *devices.Registry, selfTest time.Duration, kinds ...devices.Kind) error {
	for _, k := range kinds {
		reg.Report(devices.Status{Kind: k, State: devices.Busy, Actor: devices.NoOne, Reason: "simulated self-test"})
	}
	t := time.NewTimer(selfTest)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	for _, k := range kinds {
		reg.Report(devices.Status{Kind: k, State: devices.Online, Actor: devices.NoOne, Reason: "simulated"})
	}
	return nil
}
