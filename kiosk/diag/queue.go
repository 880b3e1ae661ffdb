package diag

import (
	"errors"
	"io/fs"
	"net/url"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/datalock"
	"github.com/yizhan-kiosk/yizhan/kiosk/selftest"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// queueReport is the queue at a glance: counts, ages and disk use.
// It never holds a record's sealed or personal part, its id or its
// receipt number.
type queueReport struct {
	Note                 string                               `json:"note,omitempty"`
	Error                string                               `json:"error,omitempty"`
	ByState              map[outbox.State]int                 `json:"by_state"`
	ByKind               map[outbox.Kind]int                  `json:"by_kind"`
	ByKindAndState       map[outbox.Kind]map[outbox.State]int `json:"by_kind_and_state"`
	OldestWaitingSeconds int64                                `json:"oldest_waiting_seconds"`
	OldestRecordSeconds  int64                                `json:"oldest_record_seconds"`
	NewestRecordSeconds  int64                                `json:"newest_record_seconds"`
	Attachments          int                                  `json:"attachments"`
	AttachmentBytes      int64                                `json:"attachment_sealed_bytes"`
	UsedBytes            int64                                `json:"used_bytes"`
	BudgetBytes          int64                                `json:"budget_bytes"`
	NearBudget           bool                                 `json:"near_budget"`
	Files                *selftest.QueueFiles                 `json:"files,omitempty"`
	SetAside             []string                             `json:"set_aside,omitempty"`
}

func queue(cfg config.Config, now time.Time) queueReport {
	rep := queueReport{ByState: map[outbox.State]int{}, ByKind: map[outbox.Kind]int{},
		ByKindAndState: map[outbox.Kind]map[outbox.State]int{}, BudgetBytes: int64(cfg.Outbox.BudgetMiB) << 20,
		SetAside: selftest.SetAside(cfg.DataDir)}
	filesOnly := func(why string) queueReport {
		rep.Note = why
		if q, err := selftest.MeasureQueueFiles(cfg.DataDir); err == nil {
			rep.Files = &q
		}
		return rep
	}
	if _, running := datalock.Holder(cfg.DataDir); running {
		return filesOnly("the running kiosk holds the queue: only its files were measured; stop the kiosk for the counts")
	}
	r, err := outbox.OpenReader(cfg.DataDir, rep.BudgetBytes)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rep.Note = "no queue yet: nothing has been submitted on this terminal"
		return rep
	case errors.Is(err, outbox.ErrInUse):
		return filesOnly("another program holds the queue: only its files were measured")
	case err != nil:
		rep.Error = scrubLine(err.Error())
		return rep
	}
	defer r.Close()
	st, err := r.Stats()
	if err != nil {
		rep.Error = scrubLine(err.Error())
		return rep
	}
	rep.ByState, rep.ByKind = st.ByState, st.ByKind
	rep.OldestWaitingSeconds = int64(st.OldestQueued.Seconds())
	rep.UsedBytes, rep.BudgetBytes = st.UsedBytes, st.BudgetBytes
	rep.NearBudget = float64(st.UsedBytes) >= outbox.NearBudget*float64(st.BudgetBytes)
	recs, err := r.List()
	if err != nil {
		rep.Error = scrubLine(err.Error())
		return rep
	}
	// Only counts, sizes and ages leave the records.
	var oldest, newest time.Time
	for _, rec := range recs {
		if rep.ByKindAndState[rec.Kind] == nil {
			rep.ByKindAndState[rec.Kind] = map[outbox.State]int{}
		}
		rep.ByKindAndState[rec.Kind][rec.State]++
		rep.Attachments += len(rec.Attachments)
		for _, a := range rec.Attachments {
			rep.AttachmentBytes += a.Size
		}
		if oldest.IsZero() || rec.Created.Before(oldest) {
			oldest = rec.Created
		}
		if rec.Created.After(newest) {
			newest = rec.Created
		}
	}
	if len(recs) > 0 {
		rep.OldestRecordSeconds = int64(now.Sub(oldest).Seconds())
		rep.NewestRecordSeconds = int64(now.Sub(newest).Seconds())
	}
	return rep
}

// syncReport is the enrollment and the link as the kiosk last saw it.
type syncReport struct {
	Enrolled    bool           `json:"enrolled"`
	Error       string         `json:"error,omitempty"`
	TerminalID  string         `json:"terminal_id,omitempty"`
	Backend     string         `json:"backend,omitempty"`
	Site        string         `json:"site,omitempty"`
	EnrolledAt  time.Time      `json:"enrolled_at,omitzero"`
	Certificate *certificate   `json:"certificate,omitempty"`
	Status      *client.Status `json:"status,omitempty"` // sync-status.json
	StatusNote  string         `json:"status_note,omitempty"`
}

// certificate is the terminal's certificate: whom it names and how long
// it has left, never its key.
type certificate struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  int       `json:"days_left"`
}

// link is sync.json: the enrollment from the identity folder and the
// link's last status as the kiosk published it.
func link(cfg config.Config, now time.Time) syncReport {
	var rep syncReport
	id, err := client.LoadIdentity(client.IdentityDir(cfg.DataDir))
	switch {
	case errors.Is(err, client.ErrNotEnrolled):
		rep.Error = "not enrolled with a district"
	case err != nil:
		rep.Error = scrubLine(err.Error())
	default:
		rep.Enrolled, rep.TerminalID, rep.Site, rep.EnrolledAt = true, id.TerminalID, id.Site, id.Enrolled
		rep.Backend = id.Backend
		if u, err := url.Parse(id.Backend); err == nil {
			u.User = nil // an address never needs its password in a bundle
			rep.Backend = u.String()
		}
		if leaf, err := selftest.Certificate(id); err == nil {
			rep.Certificate = &certificate{Subject: leaf.Subject.CommonName, Issuer: leaf.Issuer.CommonName,
				NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(), DaysLeft: int(leaf.NotAfter.Sub(now).Hours() / 24)}
		}
	}
	st, err := client.ReadStatus(cfg.DataDir)
	if err != nil {
		rep.StatusNote = scrubLine(err.Error())
		return rep
	}
	st.LastError, st.CatalogRefused = scrubLine(st.LastError), scrubLine(st.CatalogRefused)
	rep.Status = &st
	return rep
}
