package client

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/faultproxy"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

var (
	drainRecords = flag.Int("drain.records", 2000, "records queued for BenchmarkDrain (docs/benchmarks.md uses 10000)")
	linkRecords  = flag.Int("link.records", 300, "records queued for BenchmarkDrainSlowLink")
)

const benchAttachment = 50_000

// queued is a terminal data folder with n records of 50 KB waiting, made
// once and copied for each run: filling it is slower than draining it.
type queued struct {
	dir      string
	id       *Identity
	district string
	bytes    int64 // sealed bytes waiting
}

func fillQueue(b *testing.B, n int) queued {
	b.Helper()
	q := queued{district: b.TempDir()}
	bk := startBackend(b, q.district)
	tm := enrollTerminal(b, bk, "BENCH-0001")
	att := bytes.Repeat([]byte("scan"), benchAttachment/4)
	for i := range n {
		r, err := tm.queue.Submit(context.Background(), outbox.Submission{Kind: outbox.Application,
			Personal:    []byte(fmt.Sprintf(`{"n":%d}`, i)),
			Attachments: []outbox.Attachment{{Name: "doc", Data: bytes.NewReader(att)}}})
		if err != nil {
			b.Fatal(err)
		}
		q.bytes += int64(len(r.Sealed)) + r.Attachments[0].Size
	}
	tm.state.Close()
	tm.queue.Close()
	bk.stop()
	q.dir, q.id = tm.dir, tm.id
	return q
}

// copyDir copies a terminal's data folder for one run.
func copyDir(b *testing.B, from string) string {
	to := b.TempDir()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o700)
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := os.Create(filepath.Join(to, rel))
		if err != nil {
			return err
		}
		_, err = io.Copy(dst, src)
		return errorsJoin(err, dst.Close())
	})
	if err != nil {
		b.Fatal(err)
	}
	return to
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// drain runs one terminal's queue to empty against the district, through
// via when set, and returns how long it took.
func drain(b *testing.B, q queued, via func(addr string) string, tune func(*Options)) time.Duration {
	b.StopTimer()
	dir := copyDir(b, q.dir)
	bk := startBackendOn(b, copyDir(b, q.district), "127.0.0.1:0")
	backend := bk.url
	if via != nil {
		backend = via(bk.addr)
	}
	tm, err := openParts(dir, q.id, backend)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { tm.state.Close(); tm.queue.Close(); bk.stop() }()
	tm.client.opt.Heartbeat = nil
	if tune != nil {
		tune(&tm.client.opt)
	}
	b.StartTimer()
	start := time.Now()
	if err := tm.client.Once(context.Background()); err != nil {
		b.Fatal(err)
	}
	took := time.Since(start)
	b.StopTimer()
	if st := tm.client.Status(); st.Sent != *drainRecords && st.Sent != *linkRecords {
		b.Fatalf("drained %d records", st.Sent)
	}
	return took
}

// BenchmarkDrain empties a queue of 50 KB records over loopback: this
// client (batches of 200 records, 4 attachments in flight) against a naive
// one (a request per attachment and per record, one at a time, each answer
// settled on its own).
func BenchmarkDrain(b *testing.B) {
	q := fillQueue(b, *drainRecords)
	for _, c := range []struct {
		name string
		tune func(*Options)
	}{
		{"batched", nil},
		{"naive", func(o *Options) { o.BatchRecords, o.Uploads = 1, 1 }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				total += drain(b, q, nil, c.tune)
			}
			secs := total.Seconds() / float64(b.N)
			b.ReportMetric(float64(*drainRecords)/secs, "records/s")
			b.ReportMetric(float64(q.bytes)/secs/1e6, "MB/s")
		})
	}
}

// BenchmarkDrainSlowLink drains through a proxy that holds the link to
// 2 MB/s towards the district and reports the share of it used: bytes
// that crossed (TLS and HTTP included) and sealed payload alone.
func BenchmarkDrainSlowLink(b *testing.B) {
	const rate = 2_000_000
	q := fillQueue(b, *linkRecords)
	var share, payload float64
	for range b.N {
		var p *faultproxy.Proxy
		took := drain(b, q, func(addr string) string {
			var err error
			if p, err = faultproxy.Start(addr); err != nil {
				b.Fatal(err)
			}
			p.SetBandwidth(rate, 0)
			return "https://" + p.Addr()
		}, nil)
		share += float64(p.Stats().BytesToServer) / (took.Seconds() * rate)
		payload += float64(q.bytes) / (took.Seconds() * rate)
		p.Close()
	}
	b.ReportMetric(100*share/float64(b.N), "link-used-%")
	b.ReportMetric(100*payload/float64(b.N), "payload-%")
}
