package district

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Ratings (好差评). Each application is rated once: the first rating that
// reaches the district for a receipt is kept, and a later one is answered
// as a duplicate — the terminal drops it, and the count does not move. A
// finished application nobody rated within Rules.AutoRatingDays counts as
// 基本满意 (level 4), rated by the district itself (Rating.Auto).
//
//	ratings       receipt → Rating
//	rating_facts  at (8 bytes) + receipt → level, auto, service, terminal: what the dashboard counts, read without JSON
//	receipts      receipt → TERMINAL/ID of its application
//	unrated       receipt → finished (8 bytes) + TERMINAL/ID: finished applications waiting for a rating
//
// A bad rating (level 1 or 2) opens a case (cases.go) in the same transaction.

// Rating levels.
const (
	LevelVeryDissatisfied = 1
	LevelDissatisfied     = 2
	LevelBasic            = 3 // 基本满意
	LevelSatisfied        = 4
	LevelVerySatisfied    = 5
	// AutoLevel is what an unrated finished application counts as:
	// 基本满意 in the five levels the national rules name (非常满意,
	// 满意, 基本满意, 不满意, 非常不满意).
	AutoLevel = LevelBasic
)

// Rating is one application's rating. Its personal part (a call-back
// number) stays in the sealed record it came in.
type Rating struct {
	Receipt  string    `json:"receipt"`
	Service  string    `json:"service"`
	Terminal string    `json:"terminal"`
	Level    int       `json:"level"`
	Reason   string    `json:"reason,omitempty"` // the reason category a bad rating gave
	Record   string    `json:"record,omitempty"` // TERMINAL/ID of the rating record; "" for an automatic one
	At       time.Time `json:"at"`
	Auto     bool      `json:"auto,omitempty"`
}

// Bad says the rating is a 差评, which must be rectified.
func (r Rating) Bad() bool { return r.Level <= LevelDissatisfied }

// ratingRecord is the part of a rating record's sealed part the district
// keeps in the clear: the level and reason category, never the phone.
type ratingRecord struct {
	Level  int    `json:"level"`
	Reason string `json:"reason"`
}

var errRatedAlready = errors.New("the application was rated already: the first rating counts")

// ratingKey is what a rating counts for: its application's receipt, or
// the rating record itself when it names none.
func ratingKey(terminal string, r protocol.Record) string {
	if r.Public.Receipt != "" {
		return r.Public.Receipt
	}
	return terminal + "/" + r.ID
}

// fileRating keeps a new rating record's rating; Ingest has checked that
// its application was not rated already. A bad rating opens its case.
func fileRating(tx Tx, s Stored, rr ratingRecord, rules Rules) error {
	key := ratingKey(s.Terminal, s.Record)
	r := Rating{Receipt: key, Service: s.Record.Public.Service, Terminal: s.Terminal, Level: rr.Level, Reason: rr.Reason,
		Record: s.Ref().String(), At: s.Record.Created.UTC()}
	if err := putRating(tx, r); err != nil {
		return err
	}
	if r.Bad() {
		return openCase(tx, Case{Kind: CaseRating, Key: key, Terminal: s.Terminal, Service: r.Service, Record: r.Record,
			Opened: s.Received, Deadline: rules.Deadline(s.Received, rules.BadRatingDays), Level: r.Level, Reason: r.Reason})
	}
	return nil
}

func putRating(tx Tx, r Rating) error {
	if err := putJSON(tx.Bucket(bucketRatings), []byte(r.Receipt), r); err != nil {
		return err
	}
	if err := tx.Bucket(bucketUnrated).Delete([]byte(r.Receipt)); err != nil {
		return err
	}
	if err := appendFeed(tx, FeedEvent{At: r.At, Type: FeedRating, Record: r.Record, Terminal: r.Terminal, Service: r.Service,
		Receipt: r.Receipt, Level: r.Level, Reason: r.Reason, Auto: r.Auto}); err != nil {
		return err
	}
	return tx.Bucket(bucketRatingFacts).Put(factKey(r), factValue(r))
}

func factKey(r Rating) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(r.At.UnixNano())), r.Receipt...)
}

// factValue is level (1 byte), auto (1), then the service code and the
// terminal id, each after its length (1 byte).
func factValue(r Rating) []byte {
	v := []byte{byte(r.Level), 0}
	if r.Auto {
		v[1] = 1
	}
	v = append(append(v, byte(len(r.Service))), r.Service...)
	return append(append(v, byte(len(r.Terminal))), r.Terminal...)
}

type fact struct {
	level             int
	auto              bool
	service, terminal []byte
}

func parseFact(v []byte) (fact, bool) {
	if len(v) < 4 || v[0] < LevelVeryDissatisfied || v[0] > LevelVerySatisfied || v[1] > 1 {
		return fact{}, false
	}
	f := fact{level: int(v[0]), auto: v[1] == 1}
	n := int(v[2])
	if len(v) < 3+n+1 {
		return fact{}, false
	}
	f.service = v[3 : 3+n]
	rest := v[3+n:]
	m := int(rest[0])
	if len(rest) < 1+m {
		return fact{}, false
	}
	f.terminal = rest[1 : 1+m]
	return f, true
}

// noteFinished keeps an application's place in the unrated queue in step
// with its state: finished (done or rejected) and not rated, it waits
// there from the moment it finished.
func noteFinished(tx Tx, s Stored) error {
	receipt := []byte(s.Record.Public.Receipt)
	if s.Record.Kind != "application" || len(receipt) == 0 {
		return nil
	}
	if err := tx.Bucket(bucketReceipts).Put(receipt, []byte(s.Ref().String())); err != nil {
		return err
	}
	unrated := tx.Bucket(bucketUnrated)
	finished := s.State == "done" || s.State == "rejected"
	if !finished || tx.Bucket(bucketRatings).Get(receipt) != nil {
		return unrated.Delete(receipt)
	}
	if unrated.Get(receipt) != nil {
		return nil // finished already: it waits from the first time
	}
	return unrated.Put(receipt, append(binary.BigEndian.AppendUint64(nil, uint64(s.Updated.UnixNano())), s.Ref().String()...))
}

// RateUnrated gives every application finished more than
// Rules.AutoRatingDays ago and still unrated its automatic 基本满意, and
// says how many it rated. Serve calls it with the sweep.
func (d *District) RateUnrated() (int, error) {
	rules, err := d.Rules()
	if err != nil {
		return 0, err
	}
	now := d.opt.Now().UTC()
	n := 0
	err = d.db.Update(func(tx Tx) error {
		n = 0
		var due [][]byte
		c := tx.Bucket(bucketUnrated).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(v) < 8 {
				return fmt.Errorf("unrated %s malformed", k)
			}
			finished := time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
			if !now.Before(finished.AddDate(0, 0, rules.AutoRatingDays)) {
				due = append(due, bytes.Clone(k))
			}
		}
		for _, receipt := range due {
			v := tx.Bucket(bucketUnrated).Get(receipt)
			finished := time.Unix(0, int64(binary.BigEndian.Uint64(v[:8]))).UTC()
			ref, err := ParseRecordRef(string(v[8:]))
			if err != nil {
				return err
			}
			_, app, err := find(tx, ref)
			if err != nil {
				return fmt.Errorf("unrated %s: %w", receipt, err)
			}
			r := Rating{Receipt: string(receipt), Service: app.Record.Public.Service, Terminal: app.Terminal, Level: AutoLevel,
				At: finished.AddDate(0, 0, rules.AutoRatingDays), Auto: true}
			if err := putRating(tx, r); err != nil {
				return err
			}
			n++
		}
		if n > 0 {
			return appendAudit(tx, AuditEvent{Staff: "district", Action: AuditAutoRated, Detail: fmt.Sprintf("%d applications unrated %d days after they finished count as 基本满意", n, rules.AutoRatingDays)}, now)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("district: automatic ratings: %w", err)
	}
	return n, nil
}

// RatingOf returns the rating of an application, by its receipt.
func (d *District) RatingOf(receipt string) (Rating, bool, error) {
	var r Rating
	var found bool
	err := d.db.View(func(tx Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bucketRatings), []byte(receipt), &r)
		return err
	})
	return r, found, err
}

// ApplicationOf names the application a receipt was given for.
func (d *District) ApplicationOf(receipt string) (RecordRef, error) {
	var ref RecordRef
	err := d.db.View(func(tx Tx) error {
		v := tx.Bucket(bucketReceipts).Get([]byte(receipt))
		if v == nil {
			return ErrNoRecord
		}
		var err error
		ref, err = ParseRecordRef(string(v))
		return err
	})
	return ref, err
}

// RatingQuery chooses the ratings a dashboard counts: those given in
// [From, To) (zero for no bound), of one service, site or terminal ("" for
// all).
type RatingQuery struct {
	From, To                time.Time
	Service, Site, Terminal string
}

// Tally counts ratings by level; index 0 is unused.
type Tally struct {
	Levels [6]int
	Auto   int // of Levels[AutoLevel], those the district gave
}

// Total is how many ratings the tally holds.
func (t Tally) Total() int {
	n := 0
	for _, c := range t.Levels[1:] {
		n += c
	}
	return n
}

// Bad is how many are 差评.
func (t Tally) Bad() int { return t.Levels[1] + t.Levels[2] }

// Satisfaction is the share of ratings that are not 差评, in [0, 1] (1
// when there are none), the figure the 好差评 rules publish.
func (t Tally) Satisfaction() float64 {
	if t.Total() == 0 {
		return 1
	}
	return float64(t.Total()-t.Bad()) / float64(t.Total())
}

// Dashboard is the 好差评 figures for a query.
type Dashboard struct {
	All        Tally
	ByService  map[string]*Tally
	BySite     map[string]*Tally
	ByTerminal map[string]*Tally
	ByMonth    map[string]*Tally // "2026-12", in Local
	Cases      CaseFigures       // the bad ratings' rectification
}

// RatingDashboard counts the ratings the query chooses.
func (d *District) RatingDashboard(q RatingQuery) (Dashboard, error) {
	db := Dashboard{ByService: map[string]*Tally{}, BySite: map[string]*Tally{}, ByTerminal: map[string]*Tally{}, ByMonth: map[string]*Tally{}}
	now := d.opt.Now()
	err := d.db.View(func(tx Tx) error {
		sites, err := terminalSites(tx)
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketRatingFacts).Cursor()
		var k, v []byte
		if q.From.IsZero() {
			k, v = c.First()
		} else {
			k, v = c.Seek(binary.BigEndian.AppendUint64(nil, uint64(q.From.UnixNano())))
		}
		var to []byte
		if !q.To.IsZero() {
			to = binary.BigEndian.AppendUint64(nil, uint64(q.To.UnixNano()))
		}
		// Months and names are looked up once per distinct value, not
		// once per rating.
		var monthEnd time.Time
		var month *Tally
		for ; k != nil && (to == nil || bytes.Compare(k[:8], to) < 0); k, v = c.Next() {
			f, ok := parseFact(v)
			if !ok || len(k) < 8 {
				return fmt.Errorf("rating fact %x malformed", k)
			}
			if q.Service != "" && string(f.service) != q.Service || q.Terminal != "" && string(f.terminal) != q.Terminal {
				continue
			}
			site := sites[string(f.terminal)]
			if q.Site != "" && site != q.Site {
				continue
			}
			at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8])))
			if month == nil || !at.Before(monthEnd) || at.Before(monthEnd.AddDate(0, -1, 0)) {
				l := at.In(Local)
				start := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, Local)
				monthEnd = start.AddDate(0, 1, 0)
				month = tally(db.ByMonth, start.Format("2006-01"))
			}
			for _, t := range []*Tally{&db.All, tallyBytes(db.ByService, f.service), tally(db.BySite, site), tallyBytes(db.ByTerminal, f.terminal), month} {
				t.Levels[f.level]++
				if f.auto {
					t.Auto++
				}
			}
		}
		db.Cases, err = caseFigures(tx, CaseRating, q, sites, now)
		return err
	})
	return db, err
}

func tally(m map[string]*Tally, key string) *Tally {
	t := m[key]
	if t == nil {
		t = &Tally{}
		m[key] = t
	}
	return t
}

// tallyBytes is tally without making a string of key when it is there.
func tallyBytes(m map[string]*Tally, key []byte) *Tally {
	if t := m[string(key)]; t != nil {
		return t
	}
	return tally(m, string(key))
}

// validShort is what a code from a terminal may be: printable, short.
func validShort(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
