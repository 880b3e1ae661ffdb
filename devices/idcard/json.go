package idcard

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// CardJSON is a card as the technician's tool prints it and as simulator
// fixtures hold it. Dates are YYYY-MM-DD; valid_to is "long-term" for a
// card that does not expire.
type CardJSON struct {
	CardType     CardType `json:"card_type"`
	Name         string   `json:"name"`
	Gender       Gender   `json:"gender"`
	NationCode   string   `json:"nation_code,omitempty"`
	Nation       string   `json:"nation,omitempty"`
	Birth        string   `json:"birth"`
	Address      string   `json:"address,omitempty"`
	IDNumber     string   `json:"id_number"`
	Issuer       string   `json:"issuer,omitempty"`
	ValidFrom    string   `json:"valid_from"`
	ValidTo      string   `json:"valid_to"`
	PassNumber   string   `json:"pass_number,omitempty"`
	IssueCount   string   `json:"issue_count,omitempty"`
	EnglishName  string   `json:"english_name,omitempty"`
	Nationality  string   `json:"nationality,omitempty"`
	PermitNumber string   `json:"permit_number,omitempty"`
	CardVersion  string   `json:"card_version,omitempty"`
	PhotoBytes   int      `json:"photo_wlt_bytes"`
	// PhotoWLT carries the photo itself in fixtures (base64); the tool
	// never prints it.
	PhotoWLT string `json:"photo_wlt,omitempty"`
}

const longTerm = "long-term"

// JSON returns the card's printable form, masked unless unmasked is true:
// the name keeps its first and last characters (张*华), the ID number its
// first six and last four digits, the address its first six characters.
func (c Card) JSON(unmasked bool) CardJSON {
	j := CardJSON{
		CardType: c.Type, Name: c.Name, Gender: c.Gender, NationCode: c.NationCode, Nation: c.Nation,
		Birth: c.Birth.String(), Address: c.Address, IDNumber: c.IDNumber, Issuer: c.Issuer,
		ValidFrom: c.ValidFrom.String(), ValidTo: c.ValidTo.String(),
		PassNumber: c.PassNumber, IssueCount: c.IssueCount, EnglishName: c.EnglishName,
		Nationality: c.Nationality, CardVersion: c.CardVersion, PhotoBytes: len(c.Photo),
	}
	if c.LongTerm {
		j.ValidTo = longTerm
	}
	if c.Type == ForeignI {
		j.PermitNumber = c.IDNumber
	}
	if !unmasked {
		j.Name = MaskName(j.Name)
		j.EnglishName = MaskName(j.EnglishName)
		j.IDNumber = MaskNumber(j.IDNumber)
		j.PermitNumber = MaskNumber(j.PermitNumber)
		j.PassNumber = MaskNumber(j.PassNumber)
		j.Address = maskTail(j.Address, 6)
	}
	return j
}

// Card turns a fixture back into a card, checking it as a read would.
func (j CardJSON) Card() (Card, error) {
	c := Card{
		Type: j.CardType, Name: j.Name, Gender: j.Gender, NationCode: j.NationCode, Nation: j.Nation,
		Address: j.Address, IDNumber: j.IDNumber, Issuer: j.Issuer, PassNumber: j.PassNumber,
		IssueCount: j.IssueCount, EnglishName: j.EnglishName, Nationality: j.Nationality, CardVersion: j.CardVersion,
	}
	if c.Type == ForeignI && c.IDNumber == "" {
		c.IDNumber = j.PermitNumber
	}
	if c.Type == Resident && c.Nation == "" {
		c.Nation = NationName(c.NationCode)
	}
	var err error
	if c.Birth, err = parseISODate(j.Birth); err != nil {
		return Card{}, fmt.Errorf("idcard: birth: %w", err)
	}
	if c.ValidFrom, err = parseISODate(j.ValidFrom); err != nil {
		return Card{}, fmt.Errorf("idcard: valid_from: %w", err)
	}
	if j.ValidTo == longTerm {
		c.LongTerm = true
	} else if c.ValidTo, err = parseISODate(j.ValidTo); err != nil {
		return Card{}, fmt.Errorf("idcard: valid_to: %w", err)
	}
	if j.PhotoWLT != "" {
		if c.Photo, err = base64.StdEncoding.DecodeString(j.PhotoWLT); err != nil {
			return Card{}, fmt.Errorf("idcard: photo_wlt: %w", err)
		}
	}
	// The card must survive the trip through a text block unchanged.
	block, err := c.TextBlock()
	if err != nil {
		return Card{}, err
	}
	back, err := ParseText(block)
	if err != nil {
		return Card{}, fmt.Errorf("idcard: fixture is not a good card: %w", err)
	}
	back.Photo = c.Photo
	return back, nil
}

// ReadFixtures parses a JSON file of one card or an array of cards.
func ReadFixtures(data []byte) ([]Card, error) {
	var list []CardJSON
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "{") {
		var one CardJSON
		if err := json.Unmarshal(data, &one); err != nil {
			return nil, fmt.Errorf("idcard: fixture: %w", err)
		}
		list = []CardJSON{one}
	} else if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("idcard: fixtures: %w", err)
	}
	cards := make([]Card, 0, len(list))
	for i, j := range list {
		c, err := j.Card()
		if err != nil {
			return nil, fmt.Errorf("card %d: %w", i+1, err)
		}
		cards = append(cards, c)
	}
	return cards, nil
}

func parseISODate(s string) (Date, error) {
	return parseDate(strings.ReplaceAll(s, "-", ""))
}

// MaskName keeps a name's first and last characters: 张建华 → 张*华, 李玥 → 李*.
func MaskName(s string) string {
	r := []rune(s)
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	case 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
}

// MaskNumber keeps the first six and last four characters of a long number
// (410402********1234) and masks all but the last two of a short one.
func MaskNumber(s string) string {
	r := []rune(s)
	if len(r) > 10 {
		return string(r[:6]) + strings.Repeat("*", len(r)-10) + string(r[len(r)-4:])
	}
	if len(r) > 2 {
		return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
	}
	return strings.Repeat("*", len(r))
}

func maskTail(s string, keep int) string {
	r := []rune(s)
	if len(r) <= keep {
		return s
	}
	return string(r[:keep]) + "…"
}
