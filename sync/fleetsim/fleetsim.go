// Package fleetsim measures what a district carries: it serves a district
// on loopback — one process on district.db, or several replicas on one
// PostgreSQL database — and runs a fleet of simulated terminals against it,
// each enrolled with a token and a certificate of its own, keeping its own
// outbox and syncing with the real sync client: a round every Round (its
// heartbeat), applications with a photo at a set rate, statuses fetched.
// It reports how long the rounds took (percentiles), how many records a
// second reached the district, and the processor time of the district and
// of the fleet apart. Everything stays on 127.0.0.1 and stops after
// Duration.
//
// The fleet runs in worker processes of PerProcess terminals each, this
// program started again (Worker), so that neither the district nor the
// fleet runs out of the files one process may open, and the district's
// process time is its own.
package fleetsim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// Config is a fleet and the district it runs against.
type Config struct {
	// Terminals is the fleet's size.
	Terminals int
	// Replicas is how many districtd serve the district: 1 on district.db
	// (Store empty), or any number on the PostgreSQL database Store.
	Replicas int
	Store    string
	// Round is how often a terminal syncs: its heartbeat (60 s).
	Round time.Duration
	// AppsPerHour is each terminal's rate of applications (2), each with
	// a photo of Photo bytes (150 KiB): a busy hall's terminal.
	AppsPerHour float64
	Photo       int
	// Duration is how long the fleet is measured, after every terminal
	// has enrolled and synced once (3 min).
	Duration time.Duration
	// PerProcess is how many terminals one worker process runs (4,000).
	PerProcess int
	// Dir holds the district and the terminals (a temporary folder).
	Dir string
	Log *slog.Logger
}

// Report is what a run measured.
type Report struct {
	Terminals   int           `json:"terminals"`
	Replicas    int           `json:"replicas"`
	Store       string        `json:"store"` // "bbolt" or "postgres"
	Duration    time.Duration `json:"duration"`
	Rounds      int           `json:"rounds"`       // sync rounds in the measured time
	FailedRound int           `json:"failed_round"` // rounds that ended in an error
	Records     int           `json:"records"`      // records the district acknowledged in the measured time
	RecordsPerS float64       `json:"records_per_second"`
	P50         time.Duration `json:"p50"`
	P90         time.Duration `json:"p90"`
	P99         time.Duration `json:"p99"`
	Max         time.Duration `json:"max"`
	EnrollTook  time.Duration `json:"enroll_took"` // enrolling the fleet and its first round
	// CPU is the processor time the district's process spent in the
	// measured time, its replicas together; FleetCPU the workers'.
	CPU      time.Duration `json:"cpu"`
	FleetCPU time.Duration `json:"fleet_cpu"`
}

func (c *Config) defaults() {
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.Round <= 0 {
		c.Round = time.Minute
	}
	if c.AppsPerHour < 0 {
		c.AppsPerHour = 0
	} else if c.AppsPerHour == 0 {
		c.AppsPerHour = 2
	}
	if c.Photo <= 0 {
		c.Photo = 150 << 10
	}
	if c.Duration <= 0 {
		c.Duration = 3 * time.Minute
	}
	if c.PerProcess <= 0 {
		c.PerProcess = 4000
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Run serves the district, runs the fleet in worker processes against it
// and reports.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg.defaults()
	rep := Report{Terminals: cfg.Terminals, Replicas: cfg.Replicas, Store: "bbolt"}
	if cfg.Store != "" {
		rep.Store = "postgres"
	} else if cfg.Replicas > 1 {
		return rep, errors.New("fleetsim: replicas share a PostgreSQL database: give Store")
	}
	if cfg.Dir == "" {
		dir, err := os.MkdirTemp("", "fleetsim-")
		if err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
		cfg.Dir = dir
	}
	raiseFileLimit()

	// The district.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ds, addrs, stop, err := serveDistrict(ctx, cfg)
	if err != nil {
		return rep, err
	}
	defer func() { cancel(); stop() }()

	// The fleet, in workers of PerProcess terminals, each terminal with a
	// token of its own and a replica in turn.
	start := time.Now()
	var workers []*worker
	defer func() {
		for _, w := range workers {
			w.stop()
		}
	}()
	var jobs []job
	for first := 0; first < cfg.Terminals; first += cfg.PerProcess {
		j := job{Dir: cfg.Dir, First: first, Round: cfg.Round, AppsPerHour: cfg.AppsPerHour, Photo: cfg.Photo, Duration: cfg.Duration}
		for i := first; i < min(first+cfg.PerProcess, cfg.Terminals); i++ {
			if ctx.Err() != nil {
				return rep, ctx.Err() // stopped while the tokens were being made
			}
			tok, err := ds[0].NewToken("模拟网点", 2*time.Hour) // any replica's token serves: the store is shared
			if err != nil {
				return rep, err
			}
			j.Terminals = append(j.Terminals, simTerminal{ID: fmt.Sprintf("SIM-%05d", i), Token: tok, Backend: "https://" + addrs[i%len(addrs)]})
		}
		jobs = append(jobs, j)
	}
	for _, j := range jobs {
		w, err := startWorker(ctx, j)
		if err != nil {
			return rep, err
		}
		workers = append(workers, w)
	}
	for _, w := range workers {
		if err := w.ready(); err != nil {
			return rep, err
		}
	}
	rep.EnrollTook = time.Since(start)
	cfg.Log.Info("fleet enrolled and synced once", "terminals", cfg.Terminals, "workers", len(workers), "took", rep.EnrollTook)

	// Measured: every worker at once, for Duration.
	cpuBefore := cpuTime()
	for _, w := range workers {
		if err := w.measure(); err != nil {
			return rep, err
		}
	}
	cfg.Log.Info("measuring", "for", cfg.Duration)
	var latencies []time.Duration
	for _, w := range workers {
		res, err := w.result()
		if err != nil {
			return rep, err
		}
		latencies = append(latencies, res.Latencies...)
		rep.FailedRound += res.Failed
		rep.Records += res.Records
		rep.FleetCPU += res.CPU
	}
	rep.CPU = cpuTime() - cpuBefore

	rep.Duration = cfg.Duration
	rep.Rounds = len(latencies)
	rep.RecordsPerS = float64(rep.Records) / cfg.Duration.Seconds()
	if len(latencies) > 0 {
		slices.Sort(latencies)
		at := func(q float64) time.Duration {
			return latencies[min(len(latencies)-1, int(math.Ceil(q*float64(len(latencies))))-1)]
		}
		rep.P50, rep.P90, rep.P99, rep.Max = at(0.50), at(0.90), at(0.99), latencies[len(latencies)-1]
	}
	return rep, nil
}

// maxConns is district.Options' default MaxConns.
const maxConns = 4096

// serveDistrict opens the district's replicas, serves each on a loopback
// port of its own and returns their addresses.
func serveDistrict(ctx context.Context, cfg Config) ([]*district.District, []string, func(), error) {
	var ds []*district.District
	var addrs []string
	var wg sync.WaitGroup
	closeAll := func() {
		wg.Wait()
		for _, d := range ds {
			d.Close()
		}
	}
	first := filepath.Join(cfg.Dir, "district-0")
	for i := range cfg.Replicas {
		dir := filepath.Join(cfg.Dir, fmt.Sprintf("district-%d", i))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, closeAll, err
		}
		if i > 0 {
			// A replica: the first's key, and its attachments folder.
			key, err := os.ReadFile(filepath.Join(first, district.ReplicaKeyFile))
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, district.ReplicaKeyFile), key, 0o600)
			}
			if err == nil {
				err = os.Symlink(filepath.Join(first, "attachments"), filepath.Join(dir, "attachments"))
			}
			if err != nil {
				return nil, nil, closeAll, err
			}
		}
		d, err := district.Open(district.Options{Dir: dir, Store: cfg.Store, Log: cfg.Log,
			// The whole fleet comes from 127.0.0.1: the per-address cap,
			// meant for a bank branch behind one router, is raised to the
			// cap on all connections, which keeps its default (4,096).
			MaxConnsPerAddr: maxConns})
		if err != nil {
			return nil, nil, closeAll, err
		}
		ds = append(ds, d)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, closeAll, err
		}
		addrs = append(addrs, ln.Addr().String())
		wg.Go(func() { d.Serve(ctx, ln) })
	}
	return ds, addrs, closeAll, nil
}

// cpuTime is the processor time the process has spent, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// raiseFileLimit lets the process open as many files as it may: a worker
// holds two for each of its terminals (its outbox and its sync state) and
// their connections, the district those connections' other ends. Root may
// raise the hard limit too.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) != nil {
		return
	}
	if want := (syscall.Rlimit{Cur: 1 << 20, Max: 1 << 20}); l.Max < want.Max && syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want) == nil {
		return
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
