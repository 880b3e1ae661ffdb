package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
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
	rc := idcard.ReaderConfig{Report: func(s devices.Status) { reg.Report(s) }, Log: log}
	cr := &cardReader{close: func() {}}
	src := idcard.Source{Port: cfg.IDCard.Port, Baud: cfg.IDCard.Baud, USB: cfg.IDCard.USB}
	if demo {
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
		path, err := filepath.Abs(p.Path()) // the demo's data folder is relative
		if err != nil {
			p.Close()
			return nil, fmt.Errorf("simulated card reader: %w", err)
		}
		src = idcard.Source{Port: path, Baud: 115200}
	}
	open, err := src.Opener()
	switch {
	case errors.Is(err, idcard.ErrNoSource):
		reg.Report(devices.Status{Kind: devices.IDCardReader, State: devices.NoDevice, Actor: devices.Technician, Reason: "no reader configured"})
		return nil, nil
	case err != nil:
		cr.close()
		return nil, err
	}
	rc.Open = open
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
