package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
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

// Print prints a job and has the monitor ask after the printer at once
// when the job finds it stopped, and when the job ends: the status bar
// and the heartbeat say paper out as the resident hears it.
func (a *a4Printer) Print(ctx context.Context, job a4printer.Job, f a4printer.Follow) error {
	defer a.monitor.Poke()
	tell := f.Progress
	f.Progress = func(p a4printer.Progress) {
		a.monitor.Poke()
		if tell != nil {
			tell(p)
		}
	}
	return a.printer.Print(ctx, job, f)
}

// districtDocuments asks the district for documents through the sync's
// link, its refusals in the journey's terms.
type districtDocuments struct{ link *client.Client }

func (d districtDocuments) Document(ctx context.Context, req protocol.DocumentRequest) (protocol.Document, error) {
	doc, err := d.link.Document(ctx, req)
	var ni *client.NotIssuedError
	if errors.As(err, &ni) {
		return doc, &journey.NotIssued{Message: ni.Message}
	}
	return doc, err
}
