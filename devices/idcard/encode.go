package idcard

import (
	"fmt"
	"unicode/utf16"
)

// TextBlock writes the card back into the 256-byte text block of its type:
// the reader simulator serves cards this way, and tests round-trip them.
func (c Card) TextBlock() ([]byte, error) {
	b := make([]byte, TextLen)
	for i := 0; i < TextLen; i += 2 {
		b[i] = ' ' // padded with U+0020
	}
	w := &blockWriter{b: b}
	validTo := c.ValidTo.digits()
	if c.LongTerm {
		validTo = "长期"
	}
	switch c.Type {
	case Resident, PermitJ:
		l := residentLayout
		w.put(l.name, c.Name)
		w.put(l.gender, genderCode(c.Gender))
		if c.Type == Resident {
			w.put(l.nation, c.NationCode)
		}
		w.put(l.birth, c.Birth.digits())
		w.put(l.address, c.Address)
		w.put(l.id, c.IDNumber)
		w.put(l.issuer, c.Issuer)
		w.put(l.from, c.ValidFrom.digits())
		w.put(l.to, validTo)
		if c.Type == PermitJ {
			w.put(permitJLayout.pass, c.PassNumber)
			w.put(permitJLayout.count, c.IssueCount)
			w.put(field{typeOffset, 2}, "J")
		}
	case ForeignI:
		l := foreignILayout
		w.put(l.english, c.EnglishName)
		w.put(l.gender, genderCode(c.Gender))
		w.put(l.permit, c.IDNumber)
		w.put(l.nationality, c.Nationality)
		w.put(l.name, c.Name)
		w.put(l.from, c.ValidFrom.digits())
		w.put(l.to, validTo)
		w.put(l.birth, c.Birth.digits())
		w.put(l.version, c.CardVersion)
		w.put(l.issuer, c.Issuer)
		w.put(field{typeOffset, 2}, "I")
	case ForeignY:
		l := foreignYLayout
		english1, english2 := splitRunes(c.EnglishName, l.english1.n/2)
		w.put(l.name, c.Name)
		w.put(l.gender, genderCode(c.Gender))
		w.put(l.renewals, c.IssueCount)
		w.put(l.birth, c.Birth.digits())
		w.put(l.english1, english1)
		w.put(l.id, c.IDNumber)
		w.put(l.from, c.ValidFrom.digits())
		w.put(l.to, validTo)
		w.put(l.english2, english2)
		w.put(l.nationality, c.Nationality)
		w.put(field{typeOffset, 2}, "Y")
	default:
		return nil, fmt.Errorf("idcard: unknown card type %q", c.Type)
	}
	if w.err != nil {
		return nil, w.err
	}
	return b, nil
}

type blockWriter struct {
	b   []byte
	err error
}

func (w *blockWriter) put(f field, s string) {
	u := utf16.Encode([]rune(s))
	if 2*len(u) > f.n {
		if w.err == nil {
			w.err = fmt.Errorf("idcard: %q does not fit %d bytes", s, f.n)
		}
		return
	}
	for i, v := range u {
		w.b[f.off+2*i] = byte(v)
		w.b[f.off+2*i+1] = byte(v >> 8)
	}
}

func (d Date) digits() string {
	if d.IsZero() {
		return ""
	}
	return birthDigits(d)
}

func genderCode(g Gender) string {
	switch g {
	case Male:
		return "1"
	case Female:
		return "2"
	}
	return "0"
}

func splitRunes(s string, n int) (string, string) {
	r := []rune(s)
	if len(r) <= n {
		return s, ""
	}
	return string(r[:n]), string(r[n:])
}
