package district

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
)

// Rules are the district's time limits for the work staff do after a
// resident leaves. Deadlines count working days: Saturdays, Sundays and
// the holidays listed are skipped, the weekend days worked in lieu are
// counted, and the day a thing arrived is not.
type Rules struct {
	// BadRatingDays is how many working days a bad rating (差评) has to be
	// verified, rectified, called back and closed: 5 by default, as the
	// stricter local rules ask; some provinces allow 15.
	BadRatingDays int `json:"bad_rating_days"`
	// ComplaintDays is how many working days a complaint or consultation
	// has to be answered (15).
	ComplaintDays int `json:"complaint_days"`
	// AutoRatingDays is how many days a finished application may stay
	// unrated before it counts as 基本满意 (7, Guangdong's rule).
	AutoRatingDays int `json:"auto_rating_days"`
	// Holidays are the public holidays, "2026-10-01", besides weekends.
	Holidays []string `json:"holidays,omitempty"`
	// Workdays are the weekend days worked in lieu of a holiday (调休上班),
	// "2026-09-27": they count as working days.
	Workdays []string `json:"workdays,omitempty"`
}

// DefaultRules are the rules of a district that set none.
var DefaultRules = Rules{BadRatingDays: 5, ComplaintDays: 15, AutoRatingDays: 7}

// Local is the time deadlines are counted in: China Standard Time, which
// keeps no daylight saving time.
var Local = time.FixedZone("CST", 8*3600)

var keyRules = []byte("rules")

// Validate says what is wrong with the rules.
func (r Rules) Validate() error {
	switch {
	case r.BadRatingDays < 1 || r.BadRatingDays > 60:
		return errors.New("district: bad_rating_days outside 1–60")
	case r.ComplaintDays < 1 || r.ComplaintDays > 60:
		return errors.New("district: complaint_days outside 1–60")
	case r.AutoRatingDays < 1 || r.AutoRatingDays > 90:
		return errors.New("district: auto_rating_days outside 1–90")
	case len(r.Holidays) > 400:
		return errors.New("district: over 400 holidays")
	}
	for _, h := range r.Holidays {
		if _, err := time.ParseInLocation(time.DateOnly, h, Local); err != nil {
			return fmt.Errorf("district: holiday %q is not a date (2026-10-01)", h)
		}
	}
	if len(r.Workdays) > 100 {
		return errors.New("district: over 100 make-up working days")
	}
	for _, w := range r.Workdays {
		t, err := time.ParseInLocation(time.DateOnly, w, Local)
		if err != nil {
			return fmt.Errorf("district: make-up working day %q is not a date (2026-09-27)", w)
		}
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return fmt.Errorf("district: make-up working day %s is a %s: only a weekend day is worked in lieu", w, wd)
		}
	}
	return nil
}

// calendar is the rules' working days.
func (r Rules) calendar() catalog.Calendar {
	var c catalog.Calendar
	for _, h := range r.Holidays {
		if t, err := time.ParseInLocation(time.DateOnly, h, Local); err == nil {
			c.Holidays = append(c.Holidays, t)
		}
	}
	for _, w := range r.Workdays {
		if t, err := time.ParseInLocation(time.DateOnly, w, Local); err == nil {
			c.Workdays = append(c.Workdays, t)
		}
	}
	return c
}

// WorkingDaysLeft is how many working days remain from now's day to the
// deadline's, in Local, counting the deadline's day and not today: 0 on
// the last day, negative once past.
func (r Rules) WorkingDaysLeft(now, deadline time.Time) int {
	return r.calendar().Left(now.In(Local), deadline)
}

// Deadline is the end of the day days working days after start, in Local:
// the moment after which the thing is overdue. The day it arrived is not
// counted (limits run "from the day after"); weekends and holidays are
// skipped, make-up working days counted.
func (r Rules) Deadline(start time.Time, days int) time.Time {
	return r.calendar().Add(start.In(Local), days).AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// Rules returns the district's rules: DefaultRules until an admin sets them.
func (d *District) Rules() (Rules, error) {
	r := DefaultRules
	err := d.db.View(func(tx Tx) error {
		_, err := getJSON(tx.Bucket(bucketMeta), keyRules, &r)
		return err
	})
	return r, err
}

// SetRules replaces the district's rules. Deadlines already counted stay
// as they were: a case keeps the deadline it was given.
func (d *District) SetRules(by string, r Rules) error {
	if err := r.Validate(); err != nil {
		return err
	}
	r.Holidays = slices.Compact(slices.Sorted(slices.Values(r.Holidays)))
	r.Workdays = slices.Compact(slices.Sorted(slices.Values(r.Workdays)))
	return d.db.Update(func(tx Tx) error {
		if err := putJSON(tx.Bucket(bucketMeta), keyRules, r); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by, Action: AuditRulesSet,
			Detail: fmt.Sprintf("bad ratings %d working days, complaints %d, auto rating after %d days, %d holidays, %d make-up working days", r.BadRatingDays, r.ComplaintDays, r.AutoRatingDays, len(r.Holidays), len(r.Workdays))}, d.opt.Now())
	})
}
