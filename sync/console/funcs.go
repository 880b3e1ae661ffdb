package console

import (
	"html/template"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// funcs are what the templates call: times in the district's zone.
var funcs = template.FuncMap{
	"day":  func(t time.Time) string { return t.In(district.Local).Format("2006-01-02") },
	"when": func(t time.Time) string { return t.In(district.Local).Format("2006-01-02 15:04:05") },
	"tallyTable": func(title string, rows []tallyRow) tallyTable {
		return tallyTable{Title: title, Rows: rows}
	},
}

// tallyTable is one table of the dashboard.
type tallyTable struct {
	Title string
	Rows  []tallyRow
}
