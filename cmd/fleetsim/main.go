// Command fleetsim measures what a district carries: a fleet of simulated
// terminals, each enrolled and syncing with the real sync client, against
// a district it serves itself on loopback — on district.db, or as replicas
// on a PostgreSQL database (sync/fleetsim).
//
//	fleetsim --terminals 500 --duration 3m
//	fleetsim --terminals 1000 --replicas 2 --store 'host=/tmp/pg dbname=fleet'
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/fleetsim"
)

func main() {
	fleetsim.Worker() // when started as one of the fleet's workers, that is all
	var cfg fleetsim.Config
	flag.IntVar(&cfg.Terminals, "terminals", 100, "the fleet's size")
	flag.IntVar(&cfg.Replicas, "replicas", 1, "districtd replicas (more than one needs --store)")
	flag.StringVar(&cfg.Store, "store", "", "a PostgreSQL database (`DSN`) for the district; empty: district.db in a temporary folder")
	flag.DurationVar(&cfg.Round, "round", time.Minute, "how often each terminal syncs (its heartbeat)")
	flag.Float64Var(&cfg.AppsPerHour, "apps-per-hour", 2, "applications a terminal takes an hour, each with a photo")
	flag.IntVar(&cfg.Photo, "photo", 150<<10, "the photo's size in `BYTES`")
	flag.IntVar(&cfg.PerProcess, "per-process", 4000, "terminals in each worker process")
	flag.DurationVar(&cfg.Duration, "duration", 3*time.Minute, "how long the fleet is measured once enrolled")
	asJSON := flag.Bool("json", false, "print the report as JSON")
	flag.Parse()
	if flag.NArg() != 0 || cfg.Terminals <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := fleetsim.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleetsim:", err)
		os.Exit(1)
	}
	if *asJSON {
		json.NewEncoder(os.Stdout).Encode(rep)
		return
	}
	fmt.Printf("%d terminals, %d replica(s) on %s, %s measured (enrolled and first round in %s)\n",
		rep.Terminals, rep.Replicas, rep.Store, rep.Duration, rep.EnrollTook.Round(time.Millisecond))
	fmt.Printf("rounds %d (%d failed); records %d, %.2f/s\n", rep.Rounds, rep.FailedRound, rep.Records, rep.RecordsPerS)
	fmt.Printf("round latency p50 %s  p90 %s  p99 %s  max %s\n", rep.P50.Round(time.Millisecond), rep.P90.Round(time.Millisecond),
		rep.P99.Round(time.Millisecond), rep.Max.Round(time.Millisecond))
	fmt.Printf("CPU in %s: district %.1f s (%.0f%% of a core), fleet %.1f s (%.0f%%)\n", rep.Duration,
		rep.CPU.Seconds(), 100*rep.CPU.Seconds()/rep.Duration.Seconds(),
		rep.FleetCPU.Seconds(), 100*rep.FleetCPU.Seconds()/rep.Duration.Seconds())
}
