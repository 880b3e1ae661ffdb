// Package fleetsim measures what a district carries: it serves a district
// on loopback — one process on district.db, or several replicas on one
// PostgreSQL database — and runs a fleet of simulated terminals against it,
// each enrolled with a token and a certificate of its own, keeping its own
// outbox and syncing with the real sync client: a round every Round (its
// heartbeat), applications with a photo at a set rate, statuses fetched.
// It reports how long the rounds took (percentiles) and how many records a
// second reached the district. Everything stays on 127.0.0.1 and stops
// after Duration.
package fleetsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
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
	// CPU is the processor time the process spent in the measured time:
	// the district's and the simulated terminals' together, an upper
	// bound on the district's own.
	CPU time.Duration `json:"cpu"`
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
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// terminal is one simulated terminal.
type terminal struct {
	id     string
	queue  *outbox.Store
	client *client.Client
	state  *client.State
}

// Run runs the fleet and reports.
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
	defer stop()

	// The fleet, enrolled a few at a time, each round-robin to a replica.
	start := time.Now()
	terms := make([]*terminal, cfg.Terminals)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, cfg.Terminals)
	for i := range terms {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			t, err := enroll(ctx, cfg, ds[0], i, "https://"+addrs[i%len(addrs)])
			if err != nil {
				errs <- err
				return
			}
			terms[i] = t
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return rep, err
	}
	defer func() {
		for _, t := range terms {
			t.state.Close()
			t.queue.Close()
		}
	}()
	cfg.Log.Info("fleet enrolled", "terminals", cfg.Terminals, "took", time.Since(start))

	// The fleet at work: every terminal syncs once to start, then every
	// Round, its first at a random point of the first Round.
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    int
		measuring atomic.Bool
	)
	photo := make([]byte, cfg.Photo)
	for i := range photo {
		photo[i] = byte(i * 7)
	}
	var first sync.WaitGroup
	first.Add(len(terms))
	var running sync.WaitGroup
	for i, t := range terms {
		running.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(i), 42))
			round := func() {
				began := time.Now()
				err := t.client.Once(ctx)
				took := time.Since(began)
				if measuring.Load() && ctx.Err() == nil {
					mu.Lock()
					latencies = append(latencies, took)
					if err != nil {
						failed++
						if failed <= 10 {
							cfg.Log.Warn("round failed", "terminal", t.id, "err", err)
						}
					}
					mu.Unlock()
				}
			}
			round()
			first.Done()
			timer := time.NewTimer(time.Duration(rnd.Int64N(int64(cfg.Round))))
			defer timer.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				// Applications since the last round: a Poisson count.
				for range poisson(rnd, cfg.AppsPerHour*cfg.Round.Hours()) {
					if err := submit(ctx, t, rnd, photo); err != nil {
						cfg.Log.Warn("submit", "terminal", t.id, "err", err)
					}
				}
				round()
				timer.Reset(cfg.Round)
			}
		})
	}
	first.Wait()
	rep.EnrollTook = time.Since(start)
	sentBefore := sent(terms)
	cpuBefore := cpuTime()
	measuring.Store(true)
	cfg.Log.Info("measuring", "for", cfg.Duration)
	select {
	case <-ctx.Done():
	case <-time.After(cfg.Duration):
	}
	measuring.Store(false)
	rep.CPU = cpuTime() - cpuBefore
	rep.Records = sent(terms) - sentBefore
	cancel()
	running.Wait()

	rep.Duration = cfg.Duration
	rep.Rounds, rep.FailedRound = len(latencies), failed
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

func sent(terms []*terminal) int {
	n := 0
	for _, t := range terms {
		n += t.client.Status().Sent
	}
	return n
}

// poisson draws a count of events of mean lambda.
func poisson(rnd *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rnd.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func submit(ctx context.Context, t *terminal, rnd *rand.Rand, photo []byte) error {
	personal := fmt.Appendf(nil, `{"service":"SB-001","form":{"phone":"1380013%04d"}}`, rnd.IntN(10000))
	// A photo a little different each time: attachments are content-addressed.
	p := slices.Clone(photo)
	p[0], p[1] = byte(rnd.Uint32()), byte(rnd.Uint32())
	_, err := t.queue.Submit(ctx, outbox.Submission{Kind: outbox.Application,
		Public:      outbox.Public{Service: "SB-001", Receipt: fmt.Sprintf("%s-%d", t.id, rnd.Uint32())},
		Personal:    personal,
		Attachments: []outbox.Attachment{{Name: "face.jpg", Data: bytes.NewReader(p)}}})
	return err
}

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
			// meant for a bank branch behind one router, would refuse it.
			MaxConnsPerAddr: 4 * cfg.Terminals, MaxConns: 8 * cfg.Terminals})
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

// enroll enrolls terminal i with a token d makes (the store is shared:
// any replica's token serves), through backend.
func enroll(ctx context.Context, cfg Config, d *district.District, i int, backend string) (*terminal, error) {
	id := fmt.Sprintf("SIM-%05d", i)
	tok, err := d.NewToken("模拟网点", time.Hour)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(cfg.Dir, "terminals", id)
	ident, err := client.Enroll(ctx, client.EnrollOptions{Backend: backend, Token: tok, TerminalID: id,
		Dir: client.IdentityDir(dir), KeysPath: filepath.Join(dir, "district.pub")})
	if err != nil {
		return nil, fmt.Errorf("fleetsim: enroll %s: %w", id, err)
	}
	keys, err := os.ReadFile(filepath.Join(dir, "district.pub"))
	if err != nil {
		return nil, err
	}
	q, err := outbox.OpenSealedTo(dir, string(keys), 0)
	if err != nil {
		return nil, err
	}
	st, err := client.OpenState(dir)
	if err != nil {
		q.Close()
		return nil, err
	}
	hb := protocol.Heartbeat{Software: "fleetsim", Devices: map[string]string{"idcard": "online", "printer": "online", "facecam": "online"}}
	c, err := client.New(client.Options{Identity: ident, Queue: q, State: st, HeartbeatEvery: cfg.Round,
		Log: slog.New(slog.DiscardHandler), Heartbeat: func() protocol.Heartbeat { return hb }})
	if err != nil {
		st.Close()
		q.Close()
		return nil, err
	}
	return &terminal{id: id, queue: q, client: c, state: st}, nil
}

// raiseFileLimit lets the process open what a fleet needs: each terminal
// holds its outbox's files and a connection at each end.
// cpuTime is the processor time the process has spent, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Four files a terminal: its outbox, its sync state, and the two ends of
// its connection. Root may raise the hard limit too.
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
