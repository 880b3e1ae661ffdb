package outbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
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

// BenchmarkSubmit stores a record with one attachment of each size: sealed,
// fsynced, committed.
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
// bytes (plus the personal part) written to a new file and fsynced, then a
// second small write and fsync for the record, as Submit's two durable
// steps need at the least.
func BenchmarkRawWriteFsync(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(sizeName(size), func(b *testing.B) {
			dir := b.TempDir()
			data := bytes.Repeat([]byte{0x5A}, size+512)
			b.SetBytes(int64(size))
			i := 0
			for b.Loop() {
				i++
				f, err := os.Create(filepath.Join(dir, fmt.Sprint(i)))
				if err != nil {
					b.Fatal(err)
				}
				f.Write(data)
				f.Sync()
				f.Close()
			}
		})
	}
}
