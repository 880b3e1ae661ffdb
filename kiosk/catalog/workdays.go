package catalog

import "time"

// AddWorkingDays returns the date days working days after start: the day
// of application is not counted (as time limits are counted "from the day
// after"), Saturdays, Sundays and the holidays are skipped. days ≤ 0
// returns start's date. The result is midnight in start's location.
//
// Holidays are calendar dates: only their year, month and day count. The
// weekend days that are worked to make up for a holiday (调休) are not
// counted as working days, so the date may come later than the official
// calendar's, never earlier: a promise the district can keep.
func AddWorkingDays(start time.Time, days int, holidays []time.Time) time.Time {
	y, m, d := start.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, start.Location())
	if days <= 0 {
		return day
	}
	off := make(map[date]bool, len(holidays))
	for _, h := range holidays {
		off[dateOf(h)] = true
	}
	for days > 0 {
		day = day.AddDate(0, 0, 1)
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday && !off[dateOf(day)] {
			days--
		}
	}
	return day
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
