package idcard

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"unicode/utf16"
)

// block builds a text block by hand, field by field, independently of
// TextBlock: UCS-2 little-endian at the given offsets, spaces elsewhere.
func block(fields map[int]string) []byte {
	b := make([]byte, TextLen)
	for i := 0; i < TextLen; i += 2 {
		b[i] = ' '
	}
	for off, s := range fields {
		for i, u := range utf16.Encode([]rune(s)) {
			b[off+2*i], b[off+2*i+1] = byte(u), byte(u>>8)
		}
	}
	return b
}

// The public sample of devices.md.
func sampleBlock() []byte {
	return block(map[int]string{
		0: "王美娜", 30: "2", 32: "01", 36: "19860911", 52: "河北省秦皇岛市抚宁县",
		122: "13032319860911446X", 158: "抚宁县公安局", 188: "20110303", 204: "20210303",
	})
}

func TestParsePublicSample(t *testing.T) {
	b := sampleBlock()
	// The name's first bytes as they stand on the card: 王 U+738B, 美 U+7F8E.
	if !bytes.Equal(b[:4], []byte{0x8B, 0x73, 0x8E, 0x7F}) {
		t.Fatalf("sample bytes % X", b[:4])
	}
	c, err := ParseText(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Card{
		Type: Resident, Name: "王美娜", Gender: Female, NationCode: "01", Nation: "汉",
		Birth: Date{1986, 9, 11}, Address: "河北省秦皇岛市抚宁县", IDNumber: "13032319860911446X",
		Issuer: "抚宁县公安局", ValidFrom: Date{2011, 3, 3}, ValidTo: Date{2021, 3, 3},
	}
	if !cardsEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
	if !c.Expired(Date{2026, 11, 27}) || c.Expired(Date{2021, 3, 3}) {
		t.Error("expiry: the card is valid through 2021-03-03 and expired after")
	}
}

// cardsEqual compares the text fields of two cards.
func cardsEqual(a, b Card) bool {
	a.Photo, b.Photo, a.Fingerprint, b.Fingerprint = nil, nil, nil, nil
	return reflect.DeepEqual(a, b)
}

func TestIDCheckCharacter(t *testing.T) {
	for _, id := range []string{"11010519491231002X", "440524188001010014", "13032319860911446X"} {
		if !ValidIDNumber(id) {
			t.Errorf("%s should be valid", id)
		}
		for i := 0; i < 18; i++ { // any one character changed breaks it
			b := []byte(id)
			b[i] = "01234567890X"[(bytes.IndexByte([]byte("0123456789X"), b[i])+1)%11]
			if ValidIDNumber(string(b)) {
				t.Errorf("%s valid after changing character %d", b, i)
			}
		}
	}
	for _, bad := range []string{"", "13032319860911446", "13032319860911446XX", "1303231986091144AX"} {
		if ValidIDNumber(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestDamagedReads(t *testing.T) {
	for name, edit := range map[string]map[int]string{
		"bad check digit":      {122: "130323198609114461"},
		"birth disagrees":      {36: "19860912"},
		"gender disagrees":     {30: "1"},
		"impossible date":      {36: "19860231", 122: "13032319860231446X"},
		"unknown nation":       {32: "77"},
		"gender code":          {30: "5"},
		"valid to before from": {204: "20100303"},
		"type letter":          {248: "Q"},
		"no name":              {0: "   "},
		"year zero":            {188: "00000101"},
	} {
		t.Run(name, func(t *testing.T) {
			b := sampleBlock()
			for off, s := range edit {
				copy(b[off:], block(map[int]string{0: s})[:2*len(utf16.Encode([]rune(s)))])
			}
			if _, err := ParseText(b); !errors.Is(err, ErrDamaged) {
				t.Fatalf("err = %v, want ErrDamaged", err)
			}
		})
	}
	if _, err := ParseText(make([]byte, 100)); !errors.Is(err, ErrDamaged) {
		t.Fatalf("short block: %v", err)
	}
}

func TestLongTermCard(t *testing.T) {
	b := block(map[int]string{
		0: "张建华", 30: "1", 32: "03", 36: "19491231", 52: "北京市西城区",
		122: "110105194912310051", 158: "北京市公安局西城分局", 188: "20150101", 204: "长期",
	})
	// Fix the check digit of the hand-made number.
	id := "11010519491231005" + string(IDCheckChar("11010519491231005"))
	copy(b[122:], block(map[int]string{0: id})[:36])
	c, err := ParseText(b)
	if err != nil {
		t.Fatal(err)
	}
	if !c.LongTerm || !c.ValidTo.IsZero() || c.Expired(Date{2090, 1, 1}) || c.Nation != "回" {
		t.Fatalf("long-term card: %+v", c)
	}
}

// Every card type survives TextBlock then ParseText.
func TestRoundTripEveryType(t *testing.T) {
	for _, c := range SampleCards() {
		t.Run(string(c.Type), func(t *testing.T) {
			b, err := c.TextBlock()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseText(b)
			if err != nil {
				t.Fatal(err)
			}
			if !cardsEqual(got, c) {
				t.Fatalf("got  %+v\nwant %+v", got, c)
			}
		})
	}
}

func FuzzParseText(f *testing.F) {
	f.Add(sampleBlock())
	for _, c := range SampleCards() {
		b, err := c.TextBlock()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseText(b)
		if err != nil {
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("error not marked damaged: %v", err)
			}
			return
		}
		// What parses must hold up: a checked number where the type has one,
		// real dates, and a block that writes back and parses the same.
		if (c.Type == Resident || c.Type == PermitJ || c.Type == ForeignY) && !ValidIDNumber(c.IDNumber) {
			t.Fatalf("accepted a bad ID number %q", c.IDNumber)
		}
		again, err := c.TextBlock()
		if err != nil {
			return // a field with trailing NULs may not fit back; nothing to compare
		}
		c2, err := ParseText(again)
		if err != nil || !cardsEqual(c, c2) {
			t.Fatalf("round trip: %+v / %+v, %v", c, c2, err)
		}
	})
}
