package catalog

import (
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cst) }

func TestAddWorkingDays(t *testing.T) {
	// The 2025 National Day and Mid-Autumn holiday: 1 to 8 October.
	var national []time.Time
	for d := 1; d <= 8; d++ {
		national = append(national, day(2025, 10, d))
	}
	cases := []struct {
		name     string
		start    time.Time
		days     int
		holidays []time.Time
		want     time.Time
	}{
		{"none", time.Date(2025, 1, 6, 16, 45, 0, 0, cst), 0, nil, day(2025, 1, 6)},
		{"negative", day(2025, 1, 6), -3, nil, day(2025, 1, 6)},
		{"the start day does not count", day(2025, 1, 6), 1, nil, day(2025, 1, 7)},
		{"Friday to Monday", day(2025, 1, 3), 1, nil, day(2025, 1, 6)},
		{"a week", day(2025, 1, 6), 5, nil, day(2025, 1, 13)},
		{"from a Saturday", day(2025, 1, 4), 1, nil, day(2025, 1, 6)},
		{"from a Sunday", day(2025, 1, 5), 2, nil, day(2025, 1, 7)},
		{"twenty", day(2025, 3, 3), 20, nil, day(2025, 3, 31)},
		{"over the year's end", day(2025, 12, 31), 2, nil, day(2026, 1, 2)},
		{"leap day", day(2024, 2, 28), 1, nil, day(2024, 2, 29)},
		// Thursday 9 is the first working day after the holiday; Saturday 11
		// was worked in 2025 (调休) but is not counted, so 3 days end on Monday.
		{"national day", day(2025, 9, 30), 3, national, day(2025, 10, 13)},
		{"a holiday on a weekend changes nothing", day(2025, 1, 3), 1, []time.Time{day(2025, 1, 4)}, day(2025, 1, 6)},
		{"holiday given at another time of day", day(2025, 1, 6), 1, []time.Time{time.Date(2025, 1, 7, 13, 0, 0, 0, cst)}, day(2025, 1, 8)},
	}
	for _, tc := range cases {
		got := AddWorkingDays(tc.start, tc.days, tc.holidays)
		if !got.Equal(tc.want) {
			t.Errorf("%s: %s + %d = %s, want %s", tc.name, tc.start.Format("2006-01-02 Mon"), tc.days,
				got.Format("2006-01-02 Mon"), tc.want.Format("2006-01-02 Mon"))
		}
		if got.Location() != tc.start.Location() {
			t.Errorf("%s: location %v, want the start's", tc.name, got.Location())
		}
	}
}

// A time late in the evening in Beijing is already the next day in UTC:
// the date is the start's own.
func TestAddWorkingDaysUsesTheStartsDate(t *testing.T) {
	late := time.Date(2025, 1, 3, 23, 30, 0, 0, cst) // Friday in Beijing, Friday 15:30 UTC
	if got := AddWorkingDays(late, 1, nil); !got.Equal(day(2025, 1, 6)) {
		t.Errorf("got %v", got)
	}
	early := time.Date(2025, 1, 6, 0, 30, 0, 0, cst) // Monday in Beijing, Sunday in UTC
	if got := AddWorkingDays(early, 1, nil); !got.Equal(day(2025, 1, 7)) {
		t.Errorf("got %v", got)
	}
}
