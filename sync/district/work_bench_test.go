package district

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district/pgtest"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// A district of a busy year: 1,000,000 applications from 400 terminals at
// 40 sites, over 365 days, in 60 services (service 59 is rare: one in a
// thousand), in every state; 100,000 ratings, one in ten of them bad, half
// of those closed. It is written straight into the store (the records'
// sealed parts are one sample: the inbox never opens them), once per run
// of the benchmarks, and takes a minute or two.
const (
	benchApps      = 1_000_000
	benchRatings   = 100_000
	benchTerminals = 400
	benchServices  = 60
)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

func benchDistrict(b *testing.B) *District {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "district-bench-")
		if benchErr == nil {
			benchErr = fillBenchDistrict(benchDir)
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	d, err := Open(Options{Dir: benchDir, Now: func() time.Time { return benchNow }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	// The store holds what the benchmark says it does.
	page, err := d.Inbox(InboxQuery{})
	var apps uint64
	for _, n := range page.Counts {
		apps += n
	}
	dash, err2 := d.RatingDashboard(RatingQuery{})
	if err != nil || err2 != nil || apps != benchApps || dash.All.Total() != benchRatings || dash.All.Bad() != benchRatings/10 ||
		dash.Cases.Closed != benchRatings/20 {
		b.Fatalf("the benchmark district holds %d applications, %d ratings (%d bad, %d closed): %v %v", apps, dash.All.Total(), dash.All.Bad(), dash.Cases.Closed, err, err2)
	}
	return d
}

var benchNow = time.Date(2026, 12, 31, 12, 0, 0, 0, Local)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	pgtest.Stop()
	os.Exit(code)
}

func benchService(i int) string {
	if i%1000 == 999 {
		return "SV-059"
	}
	return fmt.Sprintf("SV-%03d", i%(benchServices-1))
}

func fillBenchDistrict(dir string) error {
	d, err := Open(Options{Dir: dir})
	if err != nil {
		return err
	}
	defer d.Close()
	sample, err := sealSample(d)
	if err != nil {
		return err
	}
	// Written without an fsync a transaction, then synced once.
	bs := d.db.(*boltStore)
	bs.db.NoSync = true
	defer func() { bs.db.NoSync = false; bs.db.Sync() }()
	start := benchNow.AddDate(-1, 0, 0)
	step := 365 * 24 * time.Hour / benchApps
	err = d.db.Update(func(tx Tx) error {
		for t := range benchTerminals {
			id := fmt.Sprintf("HALL-%03d", t)
			if err := putJSON(tx.Bucket(bucketTerminals), []byte(id), Terminal{ID: id, Site: fmt.Sprintf("网点%02d", t%40), Enrolled: start}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rules := DefaultRules
	const chunk = 50_000
	for from := 0; from < benchApps; from += chunk {
		err := d.db.Update(func(tx Tx) error {
			for i := from; i < from+chunk; i++ {
				at := start.Add(time.Duration(i) * step).UTC()
				terminal := fmt.Sprintf("HALL-%03d", i%benchTerminals)
				receipt := fmt.Sprintf("%s-%d", terminal, i)
				rec := protocol.Record{ID: seqID(i + 1), Seq: uint64(i + 1), Kind: "application", Created: at,
					Public: protocol.Public{Service: benchService(i), Receipt: receipt}, Sealed: sample}
				s := Stored{Terminal: terminal, Record: rec, Received: at, Via: "sync", State: States[i%len(States)], Updated: at}
				b, err := tx.Bucket(bucketRecords).CreateBucketIfNotExists([]byte(terminal))
				if err != nil {
					return err
				}
				if err := putJSON(b, []byte(rec.ID), s); err != nil {
					return err
				}
				if err := fileInInbox(tx, s, ""); err != nil {
					return err
				}
				if i%(benchApps/benchRatings) == 0 {
					// One rating in ten bad; most satisfied.
					level := []int{1, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5}[(i/(benchApps/benchRatings))%20]
					r := Rating{Receipt: receipt, Service: rec.Public.Service, Terminal: terminal, Level: level, Record: terminal + "/" + rec.ID, At: at}
					if err := putRating(tx, r); err != nil {
						return err
					}
					if r.Bad() {
						c := Case{Kind: CaseRating, Key: receipt, Terminal: terminal, Service: r.Service, Record: r.Record, Opened: at,
							Deadline: rules.Deadline(at, rules.BadRatingDays), Level: level, Reason: "等候太久"}
						if err := openCase(tx, c); err != nil {
							return err
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// Every second bad rating worked and closed, two days after it came.
	var open []Case
	err = d.db.View(func(tx Tx) error {
		return tx.Bucket(bucketOpenCases).ForEach(func(k, _ []byte) error {
			var c Case
			_, err := getJSON(tx.Bucket(bucketCases), k[8:], &c)
			open = append(open, c)
			return err
		})
	})
	for i := 0; i < len(open) && err == nil; i += 2 {
		c := open[i]
		d.opt.Now = func() time.Time { return c.Opened.Add(48 * time.Hour) }
		for _, s := range StepsOf(CaseRating) {
			if _, err = d.CaseStep(Staff{Name: "zhao", Role: RoleSupervisor}, "", c.ID(), s, "已处理"); err != nil {
				break
			}
		}
	}
	return err
}

func sealSample(d *District) ([]byte, error) {
	var tb testing.T
	s := sealed(&tb, d, `{"service":"SV-001","form":{"address":"江北区建设路 1 号"}}`)
	if tb.Failed() {
		return nil, fmt.Errorf("sealing a sample failed")
	}
	return s, nil
}

// BenchmarkInbox is a page of 50 applications of the benchmark district,
// as the console asks for them.
//
//	go test -run '^$' -bench 'Inbox|RatingDashboard' -benchtime 100x -count 6 ./sync/district/
func BenchmarkInbox(b *testing.B) {
	d := benchDistrict(b)
	var middle string
	if p, err := d.Inbox(InboxQuery{Limit: 500}); err == nil {
		middle = p.Next
	}
	for _, c := range []struct {
		name string
		q    InboxQuery
	}{
		{"all", InboxQuery{}},
		{"state=received", InboxQuery{State: "received"}},
		{"state=done/page=2", InboxQuery{State: "done", After: middle}},
		{"terminal", InboxQuery{Terminal: "HALL-123"}},
		{"site", InboxQuery{Site: "网点07"}},
		{"rare-service", InboxQuery{Service: "SV-059"}},
		{"rare-service+received", InboxQuery{Service: "SV-059", State: "received"}},
		{"a-week", InboxQuery{From: benchNow.AddDate(0, 0, -37), To: benchNow.AddDate(0, 0, -30)}},
		{"nothing-matches", InboxQuery{Service: "SV-999"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.Inbox(c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRatingDashboard counts the benchmark district's 100,000 ratings.
func BenchmarkRatingDashboard(b *testing.B) {
	d := benchDistrict(b)
	for _, c := range []struct {
		name string
		q    RatingQuery
	}{
		{"year", RatingQuery{}},
		{"month", RatingQuery{From: benchNow.AddDate(0, -1, 0), To: benchNow}},
		{"site", RatingQuery{Site: "网点07"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := d.RatingDashboard(c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
