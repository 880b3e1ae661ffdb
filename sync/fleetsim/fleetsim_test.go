package fleetsim

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district/pgtest"
)

func TestMain(m *testing.M) {
	Worker() // the test binary is also the fleet's worker
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// A small fleet, fast, in two workers: every terminal enrolls, syncs, and
// its records reach the district; the report adds up. On district.db, and
// on two replicas sharing PostgreSQL.
func TestSmallFleet(t *testing.T) {
	for _, c := range []struct {
		name     string
		replicas int
		store    func() string
	}{
		{"bbolt", 1, func() string { return "" }},
		{"postgres-2-replicas", 2, func() string { return pgtest.Database(t) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Run(context.Background(), Config{Terminals: 6, PerProcess: 4, Replicas: c.replicas, Store: c.store(),
				Round: 300 * time.Millisecond, AppsPerHour: 3600 / 0.3 / 2, Photo: 20 << 10, Duration: 3 * time.Second, Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", rep)
			if rep.Rounds < 6*5 || rep.FailedRound != 0 || rep.Records == 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.Max < rep.P99 || rep.CPU <= 0 || rep.FleetCPU <= 0 {
				t.Fatalf("report: %+v", rep)
			}
		})
	}
}
