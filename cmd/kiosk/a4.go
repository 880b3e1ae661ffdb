package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

// a4Printer is the terminal's A4 printer and its monitor; nil when none
// is configured.
type a4Printer struct {
	printer *a4printer.Printer
	monitor *a4printer.Monitor
}

// startA4 makes the configured A4 printer; it asks nothing yet (run
// does). The configuration was checked: a bad device is not reached.
func startA4(cfg config.Config, reg *devices.Registry, log *slog.Logger) (*a4Printer, error) {
	if cfg.A4Printer.Device == "" {
		return nil, nil
	}
	dev, err := a4printer.ParseDevice(cfg.A4Printer.Device)
	if err != nil {
		return nil, err
	}
	p, err := dev.Open()
	if err != nil {
		return nil, err
	}
	return &a4Printer{printer: p, monitor: a4printer.NewMonitor(p, devices.A4Printer, reg, log.With("part", "a4printer"))}, nil
}

// run watches the printer until ctx ends.
func (a *a4Printer) run(ctx context.Context, wg *sync.WaitGroup) {
	wg.Go(func() { a.monitor.Run(ctx) })
}
