package outbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

var benchSizes = []int{0, 200 << 10, 2 << 20}

func sizeName(n int) string {
	switch {
	case n == 0:
		return "0B"
	case n < 1<<20:
		return fmt.Sprintf("%dKB", n>>10)
	}
	return fmt.Sprintf("%dMB", n>>20)
}

// BenchmarkSubmit stores a record (a 512-byte personal part) with one
// attachment of each size: sealed, fsynced, committed.
func BenchmarkSubmit(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			dir := b.TempDir()
			s := openStore(b, dir, districtKey(b))
			defer s.Close()
			data := bytes.Repeat([]byte{0x5A}, size)
			personal := bytes.Repeat([]byte("p"), 512)
			b.SetBytes(int64(size))
			var atts []Attachment
			for b.Loop() {
				atts = atts[:0]
				if size > 0 {
					atts = append(atts, Attachment{Name: "doc", Data: bytes.NewReader(data)})
				}
				if _, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: personal, Attachments: atts}); err != nil {
					b.Fatal(err)
				}
			}
			info, _ := os.Stat(filepath.Join(dir, "outbox.db"))
			b.ReportMetric(float64(info.Size())/float64(b.N), "db-bytes/record")
		})
	}
}

// BenchmarkRawWriteFsync is the floor Submit is measured against: the same
// bytes (the attachment and the 512-byte personal part, unsealed) written
// to a new file in one write, fsynced and closed. It is one durable write
// with nothing to seal, hash or index; a store needs at least that. It
// also reports how much of its time went on creating the file, which
// Submit pays only for an attachment too large to be held in the store.
func BenchmarkRawWriteFsync(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			dir := b.TempDir()
			data := bytes.Repeat([]byte{0x5A}, size+512)
			b.SetBytes(int64(size))
			i := 0
			var create time.Duration
			for b.Loop() {
				i++
				start := time.Now()
				f, err := os.Create(filepath.Join(dir, strconv.Itoa(i)))
				create += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.Write(data); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
				if err := f.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(create.Nanoseconds())/float64(b.N), "create-ns/op")
		})
	}
}

// BenchmarkOpen opens a store holding 500 attachments of 200 KB (100 MB in
// outbox.db): opening reads every attachment it holds and checks it against
// its hash, so this is what that check adds to a terminal's start.
func BenchmarkOpen(b *testing.B) {
	dir := b.TempDir()
	key := districtKey(b)
	s := openStore(b, dir, key)
	data := bytes.Repeat([]byte{0x5A}, 200<<10)
	for range 500 {
		if _, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: []byte("p"),
			Attachments: []Attachment{{Name: "doc", Data: bytes.NewReader(data)}}}); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	for b.Loop() {
		openStore(b, dir, key).Close()
	}
}
