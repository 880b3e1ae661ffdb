package selftest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

const fixQueueFull = "check the link to the district (`kioskctl sync status`); if the terminal cannot sync, " +
	"export the queue to a USB stick (`kioskctl queue export --to DIR`, with the kiosk stopped) and take it to the district; " +
	"or, if the disk has room, raise outbox.budget_mib"

// QueueFiles is the disk the queue's files take, measured without opening
// the store: what can be known while the running kiosk holds it.
type QueueFiles struct {
	StoreBytes      int64 `json:"store_bytes"` // outbox.db, its free pages included
	AttachmentFiles int   `json:"attachment_files"`
	AttachmentBytes int64 `json:"attachment_bytes"`
}

// MeasureQueueFiles measures the queue's files in the data folder.
func MeasureQueueFiles(dataDir string) (QueueFiles, error) {
	var q QueueFiles
	info, err := os.Stat(filepath.Join(dataDir, "outbox.db"))
	if err != nil {
		return q, fmt.Errorf("outbox: %w", err)
	}
	q.StoreBytes = info.Size()
	entries, err := os.ReadDir(filepath.Join(dataDir, "attachments"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return q, fmt.Errorf("outbox: %w", err)
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			q.AttachmentFiles++
			q.AttachmentBytes += fi.Size()
		}
	}
	return q, nil
}

// SetAside lists the damaged stores the kiosk moved aside in the data
// folder (outbox.db.corrupt-…), by name.
func SetAside(dataDir string) []string {
	found, _ := filepath.Glob(filepath.Join(dataDir, "outbox.db.corrupt-*"))
	var names []string
	for _, f := range found {
		names = append(names, filepath.Base(f))
	}
	return names
}

// checkOutbox measures the queue's disk use against its budget, and the
// disk's free space against what the budget still allows.
func checkOutbox(cfg config.Config, kioskRunning bool) Result {
	res := Result{Name: CheckOutbox}
	budget := int64(cfg.Outbox.BudgetMiB) << 20
	var used int64
	var detail string
	if kioskRunning {
		// The kiosk holds the store locked; the files' sizes are an upper
		// bound (they count pages bbolt freed for reuse).
		q, err := MeasureQueueFiles(cfg.DataDir)
		if errors.Is(err, fs.ErrNotExist) {
			res.Status, res.Detail = OK, "no queue yet: nothing has been submitted on this terminal"
			return res
		}
		if err != nil {
			res.Status, res.Detail, res.Fix = Fail, err.Error(), "check that the data folder "+cfg.DataDir+" is readable"
			return res
		}
		used = q.StoreBytes + q.AttachmentBytes
		detail = fmt.Sprintf("at most %s of %s (measured from the files: the running kiosk holds the queue)", mib(used), mib(budget))
	} else {
		st, err := readQueueStats(cfg.DataDir, budget)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			res.Status, res.Detail = OK, "no queue yet: nothing has been submitted on this terminal"
			return res
		case errors.Is(err, outbox.ErrInUse):
			// Held by a program that took no kiosk lock (a sync now).
			return checkOutbox(cfg, true)
		case err != nil:
			res.Status, res.Detail = Fail, "the queue cannot be read: "+err.Error()
			res.Fix = "with the kiosk stopped, run `kioskctl queue stats`; if the store is damaged, the kiosk sets it aside " +
				"and starts a new one when it next starts (docs/outbox.md)"
			return res
		}
		used = st.UsedBytes
		waiting := st.ByState[outbox.Queued] + st.ByState[outbox.Sending] + st.ByState[outbox.Exported]
		detail = fmt.Sprintf("%s of %s; %d records waiting for the district", mib(used), mib(budget), waiting)
		if waiting > 0 {
			detail += ", the oldest for " + roughly(st.OldestQueued)
		}
	}

	res.Status, res.Detail = OK, detail
	var fixes []string
	switch {
	case used >= budget:
		res.Status = Fail
		res.Detail += ": the queue is full; submissions with photos are refused"
		fixes = append(fixes, fixQueueFull)
	case float64(used) >= outbox.NearBudget*float64(budget):
		res.Status = Warn
		res.Detail += ": near the budget"
		fixes = append(fixes, fixQueueFull)
	}
	var fsStat unix.Statfs_t
	if err := unix.Statfs(cfg.DataDir, &fsStat); err == nil {
		free := int64(fsStat.Bavail) * int64(fsStat.Bsize)
		if room := budget - used; room > 0 && free < room {
			res.Status = worse(res.Status, Warn)
			res.Detail += fmt.Sprintf("; the disk has only %s free, less than the %s the budget still allows", mib(free), mib(room))
			fixes = append(fixes, "free space on the disk of "+cfg.DataDir+", or lower outbox.budget_mib to fit it")
		}
	}
	if aside := SetAside(cfg.DataDir); len(aside) > 0 {
		res.Status = worse(res.Status, Warn)
		res.Detail += "; a damaged queue was set aside: " + strings.Join(aside, ", ")
		fixes = append(fixes, "tell the district: records in the set-aside file may not have reached them; keep the file until they say it can go")
	}
	res.Fix = strings.Join(fixes, "; ")
	return res
}

// readQueueStats opens the queue read-only for its counts.
func readQueueStats(dataDir string, budget int64) (outbox.Stats, error) {
	r, err := outbox.OpenReader(dataDir, budget)
	if err != nil {
		return outbox.Stats{}, err
	}
	defer r.Close()
	return r.Stats()
}

// worse returns the graver of two statuses.
func worse(a, b Status) Status {
	rank := map[Status]int{Skipped: 0, OK: 1, Warn: 2, Fail: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// roughly writes a duration the way a person says it.
func roughly(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
}
