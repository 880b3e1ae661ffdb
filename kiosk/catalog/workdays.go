package catalog

import "time"

// Calendar says which days are working days: Monday to Friday, less the
// Holidays, plus the Workdays — weekend days worked in lieu of a holiday
// (调休). Only their year, month and day count.
type Calendar struct {
	Holidays, Workdays []time.Time
}

// calendarDays is a Calendar's dates, looked up.
type calendarDays struct{ off, on map[date]bool }

func (c Calendar) days() calendarDays {
	d := calendarDays{off: make(map[date]bool, len(c.Holidays)), on: make(map[date]bool, len(c.Workdays))}
	for _, h := range c.Holidays {
		d.off[dateOf(h)] = true
	}
	for _, w := range c.Workdays {
		d.on[dateOf(w)] = true
	}
	return d
}

func (d calendarDays) working(day time.Time) bool {
	if d.on[dateOf(day)] {
		return true
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday && !d.off[dateOf(day)]
}

// Add returns the date days working days after start: the day of
// application is not counted (as time limits are counted "from the day
// after"). days ≤ 0 returns start's date. The result is midnight in start's
// location.
func (c Calendar) Add(start time.Time, days int) time.Time {
	day := midnight(start)
	if days <= 0 {
		return day
	}
	d := c.days()
	for days > 0 {
		day = day.AddDate(0, 0, 1)
		if d.working(day) {
			days--
		}
	}
	return day
}

// Left is how many working days remain from now's date to end's, counting
// end's and not now's: 0 on the day itself, negative once past. Both are
// read in now's location.
func (c Calendar) Left(now, end time.Time) int {
	d := c.days()
	day, last := midnight(now), midnight(end.In(now.Location()))
	n := 0
	for day.Before(last) {
		day = day.AddDate(0, 0, 1)
		if d.working(day) {
			n++
		}
	}
	for day.After(last) {
		if d.working(day) {
			n--
		}
		day = day.AddDate(0, 0, -1)
	}
	return n
}

// AddWorkingDays is Calendar{Holidays: holidays}.Add(start, days).
//
// The weekend days that are worked to make up for a holiday (调休) are not
// counted as working days here, so the date may come later than the
// official calendar's, never earlier: a promise the district can keep.
func AddWorkingDays(start time.Time, days int, holidays []time.Time) time.Time {
	return Calendar{Holidays: holidays}.Add(start, days)
}

func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

type date struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}
