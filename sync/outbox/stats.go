package outbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Stats summarises the queue for technicians and the heartbeat.
type Stats struct {
	ByState      map[State]int `json:"by_state"`
	ByKind       map[Kind]int  `json:"by_kind"`
	OldestQueued time.Duration `json:"oldest_queued_ns"` // 0 when nothing waits
	UsedBytes    int64         `json:"used_bytes"`
	BudgetBytes  int64         `json:"budget_bytes"`
	Recovered    string        `json:"recovered,omitempty"`
}

// Stats counts the records and measures the disk.
func (s *Store) Stats() (Stats, error) {
	st := Stats{ByState: map[State]int{}, ByKind: map[Kind]int{}, Recovered: s.recovered}
	now := s.opt.Now()
	err := s.All(func(r Record) bool {
		st.ByState[r.State]++
		st.ByKind[r.Kind]++
		if r.State == Queued || r.State == Sending || r.State == Exported {
			st.OldestQueued = max(st.OldestQueued, now.Sub(r.Created))
		}
		return true
	})
	u := s.Usage()
	st.UsedBytes, st.BudgetBytes = u.Used, u.Budget
	return st, err
}

// Reader reads a store without the district's keys, for the technician's
// tool: public parts and counts only. It fails while the terminal has the
// store open.
type Reader struct{ s *Store }

// ErrInUse means the running terminal holds the store.
var ErrInUse = errors.New("outbox: the store is in use by the running terminal")

// OpenReader opens the store in dir read-only.
func OpenReader(dir string, budget int64) (*Reader, error) {
	s, err := openExisting(dir, budget, true)
	if err != nil {
		return nil, err
	}
	return &Reader{s: s}, nil
}

// openExisting opens a store the terminal made, for the technician's tool:
// without the district's keys (so no Submit), failing with ErrInUse while
// the running terminal holds it, and with the checks the terminal's Open
// makes (damaged pages, a newer version) — but a damaged store is reported,
// not moved aside: that is the terminal's to do.
func openExisting(dir string, budget int64, readOnly bool) (*Store, error) {
	path := filepath.Join(dir, "outbox.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	mode := forMaintenance
	if readOnly {
		mode = forReading
	}
	db, err := openChecked(path, mode)
	if err != nil {
		return nil, err
	}
	if budget <= 0 {
		budget = DefaultBudget
	}
	s := &Store{db: db, attDir: filepath.Join(dir, "attachments"), opt: Options{Dir: dir, Budget: budget, Now: time.Now}}
	entries, _ := os.ReadDir(s.attDir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			s.attBytes += info.Size()
		}
	}
	return s, nil
}

// Stats counts the records.
func (r *Reader) Stats() (Stats, error) { return r.s.Stats() }

// List returns every record's public part (the sealed part dropped).
func (r *Reader) List() ([]Record, error) {
	var out []Record
	err := r.s.All(func(rec Record) bool {
		rec.Sealed = nil
		out = append(out, rec)
		return true
	})
	return out, err
}

// Close closes the reader.
func (r *Reader) Close() error { return r.s.db.Close() }
