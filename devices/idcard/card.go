// Package idcard reads China's second-generation resident ID card and the
// cards that share its reader: the Hong Kong/Macau/Taiwan residence permit
// and the foreign permanent resident cards of 2017 and 2023. It speaks the
// SAM frame protocol of GA/T 467 to the reader module over a serial line or
// USB, parses the card's text block, checks the ID number, and keeps the
// photo as the raw WLT bytes the card holds.
//
// A card's contents are personal data: nothing in this package logs them.
package idcard

import (
	"errors"
	"fmt"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idnumber"
	"strings"
	"time"
	"unicode/utf16"
)

// CardType tells the kinds of card apart; the values are used in JSON.
type CardType string

const (
	Resident CardType = "resident"  // 居民身份证
	PermitJ  CardType = "permit_j"  // 港澳台居民居住证
	ForeignI CardType = "foreign_i" // 外国人永久居留身份证 (2017)
	// ForeignY is the 2023 foreign permanent resident card. Its layout
	// comes from one public source only and is unverified on real cards.
	ForeignY CardType = "foreign_y"
)

// Gender as the card records it.
type Gender string

const (
	Male    Gender = "male"
	Female  Gender = "female"
	Unknown Gender = "unknown"
)

// Date is a calendar date without a time zone, as cards print them.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String writes the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// parseDate reads YYYYMMDD and insists on a real calendar day in a year a
// card can hold (1900 to 2199).
func parseDate(s string) (Date, error) {
	if len(s) != 8 {
		return Date{}, fmt.Errorf("date %q is not YYYYMMDD", s)
	}
	t, err := time.Parse("20060102", s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q is not a calendar date", s)
	}
	if t.Year() < 1900 || t.Year() > 2199 {
		return Date{}, fmt.Errorf("date %q is outside 1900 to 2199", s)
	}
	return DateOf(t), nil
}

// Card is what a card holds. Fields a card type lacks stay empty.
type Card struct {
	Type       CardType
	Name       string // Chinese name
	Gender     Gender
	NationCode string // two digits, resident cards only
	Nation     string
	Birth      Date
	Address    string
	IDNumber   string // permit number on the 2017 foreign card
	Issuer     string // issuing authority (a code on the 2017 foreign card)
	ValidFrom  Date
	ValidTo    Date // zero when LongTerm
	LongTerm   bool // "长期": the card does not expire

	PassNumber  string // permit J: the Hong Kong/Macau/Taiwan travel pass number
	IssueCount  string // permit J: how many times issued; foreign Y: renewals
	EnglishName string // foreign cards
	Nationality string // foreign cards: ISO 3166 three-letter code
	CardVersion string // foreign I

	// Photo is the card's photo as the raw WLT bytes (1024 of them). It
	// needs a decoder to become an image; see PhotoDecoder.
	Photo []byte
	// Fingerprint is the fingerprint block when the reader was asked for
	// it and the card has one.
	Fingerprint []byte
}

// Expired reports whether the card's validity ended before today.
func (c Card) Expired(today Date) bool {
	return !c.LongTerm && !c.ValidTo.IsZero() && c.ValidTo.Before(today)
}

// ErrDamaged marks a read whose data is not self-consistent: a bad check
// digit, an impossible date, a malformed block. Its data is never used.
var ErrDamaged = errors.New("idcard: damaged read")

func damaged(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrDamaged, fmt.Sprintf(format, a...))
}

// TextLen is the size of a card's text block.
const TextLen = 256

// typeOffset is where the card-type letter sits in the text block.
const typeOffset = 248

// field is a slice of the text block: offset and length in bytes.
type field struct{ off, n int }

// read returns the field's text without its padding.
func (f field) read(b []byte) string {
	return strings.TrimRight(f.readRaw(b), " \x00")
}

// readRaw returns the field's text with its padding.
func (f field) readRaw(b []byte) string {
	raw := b[f.off : f.off+f.n]
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}

// The layouts of the text block, from GA/T 467 and the permit standards.
var (
	residentLayout = struct{ name, gender, nation, birth, address, id, issuer, from, to field }{
		field{0, 30}, field{30, 2}, field{32, 4}, field{36, 16}, field{52, 70},
		field{122, 36}, field{158, 30}, field{188, 16}, field{204, 16},
	}
	permitJLayout  = struct{ pass, count field }{field{220, 18}, field{238, 4}}
	foreignILayout = struct{ english, gender, permit, nationality, name, from, to, birth, version, issuer field }{
		field{0, 120}, field{120, 2}, field{122, 30}, field{152, 6}, field{158, 30},
		field{188, 16}, field{204, 16}, field{220, 16}, field{236, 4}, field{240, 8},
	}
	foreignYLayout = struct{ name, gender, renewals, birth, english1, id, from, to, english2, nationality field }{
		field{0, 30}, field{30, 2}, field{32, 4}, field{36, 16}, field{52, 70},
		field{122, 36}, field{188, 16}, field{204, 16}, field{220, 22}, field{242, 6},
	}
)

// ParseText parses a card's 256-byte text block. The photo is not part of
// it; the caller adds it. An inconsistent block is an ErrDamaged.
func ParseText(b []byte) (Card, error) {
	if len(b) != TextLen {
		return Card{}, damaged("text block is %d bytes, want %d", len(b), TextLen)
	}
	letter := field{typeOffset, 2}.read(b)
	switch letter {
	case "", "\u0000":
		return parseResident(b, Resident)
	case "J":
		return parseResident(b, PermitJ)
	case "I":
		return parseForeignI(b)
	case "Y":
		return parseForeignY(b)
	}
	return Card{}, damaged("unknown card type letter %q", letter)
}

func parseResident(b []byte, typ CardType) (Card, error) {
	l := residentLayout
	c := Card{
		Type:     typ,
		Name:     l.name.read(b),
		Address:  l.address.read(b),
		IDNumber: l.id.read(b),
		Issuer:   l.issuer.read(b),
	}
	if err := c.parseCommon(l.gender.read(b), l.birth.read(b), l.from.read(b), l.to.read(b)); err != nil {
		return Card{}, err
	}
	if typ == Resident {
		c.NationCode = l.nation.read(b)
		name, ok := nations[c.NationCode]
		if !ok {
			return Card{}, damaged("nation code %q is not in GB/T 3304", c.NationCode)
		}
		c.Nation = name
	} else {
		c.PassNumber = permitJLayout.pass.read(b)
		c.IssueCount = permitJLayout.count.read(b)
	}
	if c.Name == "" {
		return Card{}, damaged("no name")
	}
	if err := checkIDNumber(c.IDNumber, c.Birth, c.Gender); err != nil {
		return Card{}, err
	}
	if typ == PermitJ && !hasAnyPrefix(c.IDNumber, "810000", "820000", "830000") {
		return Card{}, damaged("residence permit number does not begin 810000, 820000 or 830000")
	}
	return c, nil
}

func parseForeignI(b []byte) (Card, error) {
	l := foreignILayout
	c := Card{
		Type:        ForeignI,
		EnglishName: l.english.read(b),
		IDNumber:    l.permit.read(b),
		Nationality: l.nationality.read(b),
		Name:        l.name.read(b),
		CardVersion: l.version.read(b),
		Issuer:      l.issuer.read(b),
	}
	if err := c.parseCommon(l.gender.read(b), l.birth.read(b), l.from.read(b), l.to.read(b)); err != nil {
		return Card{}, err
	}
	if c.EnglishName == "" {
		return Card{}, damaged("no English name")
	}
	if !idnumber.ValidPermit2017(c.IDNumber) {
		return Card{}, damaged("permit number is not three letters and twelve digits")
	}
	if !isNationality(c.Nationality) {
		return Card{}, damaged("nationality %q is not three capital letters", c.Nationality)
	}
	return c, nil
}

func parseForeignY(b []byte) (Card, error) {
	l := foreignYLayout
	c := Card{
		Type:        ForeignY,
		Name:        l.name.read(b),
		IssueCount:  l.renewals.read(b),
		EnglishName: joinEnglishName(l.english1.readRaw(b), l.english2.read(b)),
		IDNumber:    l.id.read(b),
		Nationality: l.nationality.read(b),
	}
	if err := c.parseCommon(l.gender.read(b), l.birth.read(b), l.from.read(b), l.to.read(b)); err != nil {
		return Card{}, err
	}
	if c.EnglishName == "" {
		return Card{}, damaged("no English name")
	}
	if err := checkIDNumber(c.IDNumber, c.Birth, c.Gender); err != nil {
		return Card{}, err
	}
	if !isNationality(c.Nationality) {
		return Card{}, damaged("nationality %q is not three capital letters", c.Nationality)
	}
	return c, nil
}

// joinEnglishName puts the two parts of a 2023 card's English name back
// together. When there is a second part the first is full, and a space at
// its end belongs to the name.
func joinEnglishName(first, second string) string {
	if second == "" {
		return strings.TrimRight(first, " \x00")
	}
	return first + second
}

// parseCommon reads the fields every card type has: gender, birth date and
// the validity period.
func (c *Card) parseCommon(gender, birth, from, to string) error {
	var err error
	if c.Gender, err = parseGender(gender); err != nil {
		return err
	}
	if c.Birth, err = parseDate(birth); err != nil {
		return damaged("birth: %v", err)
	}
	return c.parseValidity(from, to)
}

func parseGender(s string) (Gender, error) {
	switch s {
	case "1":
		return Male, nil
	case "2":
		return Female, nil
	case "0", "9":
		return Unknown, nil
	}
	return "", damaged("gender code %q", s)
}

func (c *Card) parseValidity(from, to string) error {
	var err error
	if c.ValidFrom, err = parseDate(from); err != nil {
		return damaged("valid from: %v", err)
	}
	if to == "长期" {
		c.LongTerm = true
		return nil
	}
	if c.ValidTo, err = parseDate(to); err != nil {
		return damaged("valid to: %v", err)
	}
	if c.ValidTo.Before(c.ValidFrom) {
		return damaged("valid to %s is before valid from %s", c.ValidTo, c.ValidFrom)
	}
	return nil
}

func hasAnyPrefix(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func isNationality(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
