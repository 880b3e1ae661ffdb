package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

// cardReader is the terminal's ID-card reader, real or simulated.
type cardReader struct {
	reader *idcard.Reader
	// placeSample puts the next sample card on a simulated reader; nil on a
	// real one.
	placeSample func()
	close       func()
}

// startCardReader opens the configured reader, or in demo mode a simulated
// module on a pseudo-terminal in the data folder, read through the real
// serial driver. It returns nil when the terminal has no reader.
func startCardReader(cfg config.Config, demo bool, reg *devices.Registry, log *slog.Logger) (*cardReader, error) {
	c := cfg.IDCard
	rc := idcard.ReaderConfig{Report: func(s devices.Status) { reg.Report(s) }, Log: log}
	cr := &cardReader{close: func() {}}
	switch {
	case demo:
		sim := idcardsim.New()
		p, err := idcardsim.ServePTY(sim, filepath.Join(cfg.DataDir, "idcard-sim"))
		if err != nil {
			return nil, fmt.Errorf("simulated card reader: %w", err)
		}
		cards := idcard.SampleCards()
		var mu sync.Mutex
		next := 0
		cr.placeSample = func() {
			mu.Lock()
			defer mu.Unlock()
			sim.Remove()
			sim.Place(cards[next%len(cards)])
			next++
		}
		cr.close = func() { p.Close() }
		path := p.Path()
		rc.Open = func() (idcard.Transport, error) { return idcard.OpenSerial(path, 115200) }
	case c.Port != "":
		rc.Open = func() (idcard.Transport, error) { return idcard.OpenSerial(c.Port, c.Baud) }
	case c.USB != "":
		vid, pid, err := usbdev.ParseID(c.USB)
		if err != nil {
			return nil, fmt.Errorf("idcard.usb: %w", err)
		}
		rc.Open = func() (idcard.Transport, error) { return idcard.OpenUSB(vid, pid) }
	default:
		reg.Report(devices.Status{Kind: devices.IDCardReader, State: devices.NoDevice, Actor: devices.Technician, Reason: "no reader configured"})
		return nil, nil
	}
	cr.reader = idcard.NewReader(rc)
	return cr, nil
}

// run reads cards until ctx ends, passing each placement to onCard.
func (cr *cardReader) run(ctx context.Context, wg *sync.WaitGroup, onCard func(idcard.Event)) {
	wg.Go(func() { cr.reader.Run(ctx) })
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-cr.reader.Events():
				onCard(ev)
			}
		}
	})
}
