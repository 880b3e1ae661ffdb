package idcard

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMasking(t *testing.T) {
	for in, want := range map[string]string{"张建华": "张*华", "李玥": "李*", "欧阳娜娜": "欧**娜", "": "", "王": "*"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := MaskNumber("410402199001021234"); got != "410402********1234" {
		t.Errorf("MaskNumber = %q", got)
	}
	if got := MaskNumber("H12345678"); got != "*******78" {
		t.Errorf("short number = %q", got)
	}
}

func TestJSONMaskedByDefault(t *testing.T) {
	c := SampleCards()[0]
	masked, _ := json.Marshal(c.JSON(false))
	for _, secret := range []string{c.Name, c.IDNumber, c.Address} {
		if strings.Contains(string(masked), secret) {
			t.Errorf("masked JSON holds %q: %s", secret, masked)
		}
	}
	full, _ := json.Marshal(c.JSON(true))
	for _, v := range []string{`"card_type":"resident"`, `"name":"张建华"`, `"valid_to":"long-term"`, `"birth":"1958-03-15"`, `"photo_wlt_bytes":1024`, `"gender":"male"`, `"nation":"汉"`} {
		if !strings.Contains(string(full), v) {
			t.Errorf("unmasked JSON lacks %s: %s", v, full)
		}
	}
	if strings.Contains(string(full), "photo_wlt\"") {
		t.Error("the tool's JSON must not carry the photo itself")
	}
}

func TestFixturesRoundTrip(t *testing.T) {
	var list []CardJSON
	for _, c := range SampleCards() {
		j := c.JSON(true)
		list = append(list, j)
	}
	data, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	cards, err := ReadFixtures(data)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cards {
		if !cardsEqual(c, SampleCards()[i]) {
			t.Errorf("fixture %d: %+v", i, c)
		}
	}
	if foreign := cards[4].JSON(true); foreign.PermitNumber != "USA110058031512" {
		t.Errorf("foreign_i permit_number = %q", foreign.PermitNumber)
	}
	one, _ := json.Marshal(list[0])
	if cs, err := ReadFixtures(one); err != nil || len(cs) != 1 {
		t.Fatalf("single fixture: %v", err)
	}
	list[1].IDNumber = "410502199011023440" // wrong check character
	bad, _ := json.Marshal(list)
	if _, err := ReadFixtures(bad); err == nil || !strings.Contains(err.Error(), "card 2") {
		t.Fatalf("bad fixture: err = %v", err)
	}
}
