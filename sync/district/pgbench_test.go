package district

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/yizhan-kiosk/yizhan/sync/district/pgtest"
	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// BenchmarkMigrateToPostgres moves the benchmark district (1,000,000
// applications, 100,000 ratings) from a copy of its district.db to a fresh
// database, checks included.
//
//	go test -run '^$' -bench MigrateToPostgres -benchtime 1x -count 3 ./sync/district/
func BenchmarkMigrateToPostgres(b *testing.B) {
	d := benchDistrict(b)
	d.Close()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		src, err := os.Open(filepath.Join(benchDir, "district.db"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := durable.WriteFrom(filepath.Join(dir, "district.db"), src, 0o600); err != nil {
			b.Fatal(err)
		}
		src.Close()
		dsn := pgtest.Database(b)
		b.StartTimer()
		rep, err := MigrateToPostgres(dir, dsn, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Keys), "keys")
		b.ReportMetric(float64(rep.Took.Microseconds())/float64(rep.Keys), "µs/key")
	}
}

// BenchmarkAttachmentStores writes a photo-sized attachment durably the two
// ways replicas could share them: a file fsynced in a folder (what the
// district does; on a shared folder every replica sees it), or rows of
// 256 KiB chunks in PostgreSQL, committed.
//
//	go test -run '^$' -bench AttachmentStores -count 6 ./sync/district/
func BenchmarkAttachmentStores(b *testing.B) {
	for _, size := range []int{200 << 10, 2 << 20} {
		blob := make([]byte, size)
		rand.Read(blob)
		b.Run(fmt.Sprintf("folder/%dKiB", size>>10), func(b *testing.B) {
			dir := b.TempDir()
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				i++
				if _, err := durable.WriteFrom(filepath.Join(dir, fmt.Sprint(i)), bytes.NewReader(blob), 0o600); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("postgres/%dKiB", size>>10), func(b *testing.B) {
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, pgtest.Database(b))
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, `CREATE TABLE blob_chunks (name text, n int, data bytea, PRIMARY KEY (name, n))`); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				i++
				tx, err := conn.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				r := bytes.NewReader(blob)
				chunk := make([]byte, 256<<10)
				for n := 0; ; n++ {
					m, err := io.ReadFull(r, chunk)
					if m > 0 {
						if _, err := tx.Exec(ctx, `INSERT INTO blob_chunks VALUES ($1, $2, $3)`, fmt.Sprint(i), n, chunk[:m]); err != nil {
							b.Fatal(err)
						}
					}
					if err != nil {
						break
					}
				}
				if err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
