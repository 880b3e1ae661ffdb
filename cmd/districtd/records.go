package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// row is one record in a staff list. Level, Reason, Type and Topic come
// from the opened personal part of ratings and complaints.
type row struct {
	ID       string    `json:"id"`
	Terminal string    `json:"terminal"`
	Service  string    `json:"service,omitempty"`
	Receipt  string    `json:"receipt,omitempty"`
	Received time.Time `json:"received"`
	State    string    `json:"state,omitempty"`
	Message  string    `json:"message,omitempty"`
	Level    int       `json:"level,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Type     string    `json:"type,omitempty"`
	Topic    string    `json:"topic,omitempty"`
	// Text is what the resident wrote or chose (complaints); Phone the
	// number they left for a call back (bad ratings, complaints).
	Text  string `json:"text,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// opened is the part of a rating's or complaint's personal data that a
// staff list shows.
type opened struct {
	Level  int    `json:"level"`
	Reason string `json:"reason"`
	Type   string `json:"type"`
	Topic  string `json:"topic"`
	Text   string `json:"text"`
	Phone  string `json:"phone"`
}

func listRecords(d *district.District, kind string, badOnly bool) ([]row, error) {
	recs, err := d.Records(kind)
	if err != nil {
		return nil, err
	}
	rows := []row{}
	for _, s := range recs {
		r := row{ID: s.Record.ID, Terminal: s.Terminal, Service: s.Record.Public.Service, Receipt: s.Record.Public.Receipt,
			Received: s.Received, State: s.State, Message: s.Message}
		if kind == "rating" || kind == "complaint" {
			var o opened
			if plain, err := d.Open(s); err == nil {
				json.Unmarshal(plain, &o)
			}
			r.Level, r.Reason, r.Type, r.Topic, r.Text, r.Phone = o.Level, o.Reason, o.Type, o.Topic, o.Text, o.Phone
		}
		// 1–2 of 5 is a bad rating: each must be rectified (整改).
		if badOnly && (r.Level == 0 || r.Level > 2) {
			continue
		}
		rows = append(rows, r)
	}
	return rows, nil
}

func printRows(w io.Writer, kind string, rows []row) {
	switch kind {
	case "rating":
		fmt.Fprintln(w, "ID\tTERMINAL\tSERVICE\tLEVEL\tREASON\tRECTIFICATION\tRECEIVED")
		for _, r := range rows {
			state := r.State
			if state == "" {
				state = "-"
			}
			staffPrintf(w, "%s\t%s\t%s\t%d/5\t%s\t%s\t%s\n", r.ID, r.Terminal, dash(r.Service), r.Level, dash(r.Reason), state, r.Received.Local().Format("2006-01-02 15:04"))
		}
	case "complaint":
		fmt.Fprintln(w, "ID\tTERMINAL\tTYPE\tTOPIC\tSTATE\tANSWER\tRECEIVED")
		for _, r := range rows {
			staffPrintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Terminal, dash(r.Type), dash(r.Topic), r.State, dash(r.Message), r.Received.Local().Format("2006-01-02 15:04"))
		}
	default:
		fmt.Fprintln(w, "ID\tTERMINAL\tSERVICE\tRECEIPT\tSTATE\tRECEIVED")
		for _, r := range rows {
			staffPrintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Terminal, dash(r.Service), dash(r.Receipt), r.State, r.Received.Local().Format("2006-01-02 15:04"))
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(w, "(none)")
	}
}

// staffPrintf is fmt.Fprintf for staff output: every string argument —
// most came from a terminal (a rating's reason, a service code, a
// heartbeat's device states) — is shown with its control characters, bidi
// controls and line separators escaped, so that none can move the cursor,
// erase lines or reorder text on a staff member's console.
func staffPrintf(w io.Writer, format string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = printable(s)
		}
	}
	fmt.Fprintf(w, format, args...)
}

// printable is s with what a console would act on rather than show —
// C0 and C1 controls, DEL, bidi embeddings, overrides, isolates and marks,
// line and paragraph separators, invalid UTF-8 — written as \xNN or \uNNNN.
func printable(s string) string {
	if !strings.ContainsFunc(s, acted) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case acted(r) && r < 0x80:
			fmt.Fprintf(&b, "\\x%02x", r)
		case acted(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// acted reports whether a console acts on r rather than showing it.
func acted(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, // bidi marks
		r >= 0x202a && r <= 0x202e, // embeddings and overrides
		r >= 0x2066 && r <= 0x2069, // isolates
		r == 0x2028, r == 0x2029:   // line and paragraph separators
		return true
	}
	return false
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shown is a record opened for staff: its personal part and attachments.
type shown struct {
	Record      district.Stored `json:"record"`
	Personal    json.RawMessage `json:"personal"`
	Attachments []string        `json:"attachments,omitempty"` // files written
}

func showRecord(d *district.District, ref district.RecordRef, dir string, w io.Writer) (shown, error) {
	s, err := d.Record(ref)
	if err != nil {
		return shown{}, err
	}
	plain, err := d.Open(s)
	if err != nil {
		return shown{}, err
	}
	out := shown{Record: s, Personal: json.RawMessage(plain)}
	if !json.Valid(plain) {
		out.Personal, _ = json.Marshal(string(plain))
	}
	s.Record.Sealed = nil
	out.Record = s
	staffPrintf(w, "record\t%s (%s) from %s, seq %d\n", s.Record.ID, s.Record.Kind, s.Terminal, s.Record.Seq)
	staffPrintf(w, "service\t%s, receipt %s\n", dash(s.Record.Public.Service), dash(s.Record.Public.Receipt))
	staffPrintf(w, "made\t%s, received %s by %s\n", s.Record.Created.Local().Format(time.DateTime), s.Received.Local().Format(time.DateTime), s.Via)
	staffPrintf(w, "state\t%s %s\n", dash(s.State), s.Message)
	staffPrintf(w, "personal\t%s\n", strings.TrimSpace(string(out.Personal)))
	for i, a := range s.Record.Attachments {
		staffPrintf(w, "attachment\t%s, %d bytes sealed\n", a.Name, a.Size)
		if dir == "" {
			continue
		}
		path := filepath.Join(dir, fmt.Sprintf("%s-%d-%s", s.Record.ID, i+1, filepath.Base(a.Name)))
		if err := writeAttachment(d, s, s.Record.Attachments[i], path); err != nil {
			return shown{}, err
		}
		out.Attachments = append(out.Attachments, path)
		staffPrintf(w, "\twritten to %s\n", path)
	}
	return out, nil
}

func writeAttachment(d *district.District, s district.Stored, a protocol.Attachment, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if err := d.OpenAttachment(s, a, f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
