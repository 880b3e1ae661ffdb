package a4printer

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

// TestPage is a one-page PDF for a technician to check the printer with:
// the terminal, the printer and the time, in the PDF's own Helvetica (so
// ASCII only: the terminal's Chinese font is the district's documents'),
// and a frame 10 mm inside the page's edge to show the printable area.
func TestPage(terminal, device string, at time.Time) []byte {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < ' ' || r > '~' || r == '(' || r == ')' || r == '\\' {
				return '?'
			}
			return r
		}, s)
	}
	lines := []string{
		"YIZHAN A4 TEST PAGE",
		"terminal " + clean(terminal),
		"printer " + clean(device),
		at.Format("2006-01-02 15:04:05 MST"),
		"If this page and its frame are whole, the A4 printer works.",
	}
	var content strings.Builder
	content.WriteString("1 w 28.35 28.35 538.58 785.19 re S\n")
	for i, l := range lines {
		size := 14
		if i == 0 {
			size = 24
		}
		fmt.Fprintf(&content, "BT /F1 %d Tf 72 %d Td (%s) Tj ET\n", size, 760-40*i, l)
	}
	var b bytes.Buffer
	var offsets []int
	obj := func(s string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), s)
	}
	b.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>")
	obj(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()))
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}
