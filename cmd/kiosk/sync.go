package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// startSync runs the district link in the background when the terminal is
// enrolled: it drains the outbox, brings statuses, catalog and
// configuration, and beats every minute. SIGUSR1 (kioskctl sync now) asks
// for a sync at once. The heartbeat carries the last outcome of the
// updater, whose state is in updateDir (update.StateDir), and each
// outcome is recorded once as an event (updateReports). A terminal that
// is not enrolled runs offline; its records wait, and it records no
// update outcome.
func startSync(ctx context.Context, wg *sync.WaitGroup, cfg *config.Config, queue *outbox.Store, reg *devices.Registry, updateDir string, changed func(), log *slog.Logger) (*client.Client, *client.State, func(), error) {
	id, err := client.LoadIdentity(client.IdentityDir(cfg.DataDir))
	if errors.Is(err, client.ErrNotEnrolled) {
		log.Warn("not enrolled with a district: records wait on the terminal (kioskctl provision)")
		listenSyncNow(ctx, wg, nil, log)
		return nil, nil, func() {}, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	state, err := client.OpenState(cfg.DataDir)
	if err != nil {
		return nil, nil, nil, err
	}
	updates := &updateReports{dir: updateDir, terminal: cfg.TerminalID, queue: queue, state: state, log: log}
	c, err := client.New(client.Options{Identity: id, Queue: queue, State: state, Log: log.With("part", "sync"),
		CheckCatalog: func(body []byte) error { _, err := catalog.Parse(body); return err },
		// The district's own recordings of the spoken prompts play before
		// the package's.
		Recordings: func(r protocol.Recordings) error {
			return voice.Install(filepath.Join(cfg.DataDir, "voice"), r.Prompts)
		},
		Heartbeat: func() protocol.Heartbeat { return updates.heartbeat(ctx, queue, reg, log) },
		Changed:   changed})
	if err != nil {
		state.Close()
		return nil, nil, nil, err
	}
	// A recorded outcome is counted in the queue and sent at once. At
	// start, before the link runs: an outcome from while the kiosk was
	// stopped (the updater restarts it to check a version).
	updates.onSubmit = func() { changed(); c.Kick() }
	updates.check(ctx)
	listenSyncNow(ctx, wg, c, log)
	wg.Go(func() { c.Run(ctx) })
	log.Info("syncing with the district", "backend", id.Backend, "terminal", id.TerminalID)
	applyDistrictConfig(cfg, state, log)
	return c, state, func() { state.Close() }, nil
}

// listenSyncNow kicks the link on each SIGUSR1 (kioskctl sync now); with
// no link (not enrolled) it says why nothing happens.
func listenSyncNow(ctx context.Context, wg *sync.WaitGroup, c *client.Client, log *slog.Logger) {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	wg.Go(func() {
		defer signal.Stop(usr1)
		for {
			select {
			case <-ctx.Done():
				return
			case <-usr1:
				if c == nil {
					log.Warn("sync asked for, but the terminal is not enrolled; provision it and restart it")
					continue
				}
				log.Info("sync asked for by a technician")
				c.Kick()
			}
		}
	})
}

// applyDistrictConfig takes the idle times the district last set over the
// configuration file's. It is read at start: a change the district makes
// takes effect when the terminal next starts.
func applyDistrictConfig(cfg *config.Config, state *client.State, log *slog.Logger) {
	dc, ok, err := state.Config()
	if err != nil {
		log.Error("district configuration", "err", err)
		return
	}
	if !ok {
		return
	}
	if dc.IdleSeconds > 0 {
		cfg.Idle.Timeout.Duration = time.Duration(dc.IdleSeconds) * time.Second
	}
	if dc.ElderlyIdleSeconds > 0 {
		cfg.Idle.ElderlyTimeout.Duration = time.Duration(dc.ElderlyIdleSeconds) * time.Second
	}
	log.Info("district configuration applied", "version", dc.Version)
}

// heartbeat describes the terminal for the district: software, devices,
// queue and disk. Nothing personal.
func heartbeat(queue *outbox.Store, reg *devices.Registry, log *slog.Logger) protocol.Heartbeat {
	hb := protocol.Heartbeat{Software: version, Devices: map[string]string{}}
	for _, s := range reg.Snapshot() {
		hb.Devices[string(s.Kind)] = s.State.String()
		if s.Actor != devices.NoOne {
			if hb.Attention == nil {
				hb.Attention = map[string]protocol.DeviceAttention{}
			}
			hb.Attention[string(s.Kind)] = protocol.DeviceAttention{Actor: s.Actor.String(), Reason: clip(s.Reason, 200)}
		}
	}
	st, err := queue.Stats()
	if err != nil {
		log.Error("outbox stats", "err", err)
		return hb
	}
	u := queue.Usage()
	hb.Queue = protocol.QueueReport{
		Depth:         st.ByState[outbox.Queued] + st.ByState[outbox.Sending] + st.ByState[outbox.Exported],
		OldestSeconds: int64(st.OldestQueued.Seconds()),
		Rejected:      st.ByState[outbox.Rejected],
		DiskUsed:      u.Used,
		DiskBudget:    u.Budget,
		DiskNear:      u.Near,
	}
	hb.StoreRecovered = clip(queue.Recovered(), 900)
	return hb
}

// clip shortens s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
