package catalog

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var today = time.Date(2026, 3, 18, 10, 30, 0, 0, time.FixedZone("CST", 8*3600))

// card is a sample card's values as devices/idcard CardJSON names them.
var card = map[string]string{
	CardName: "王美娜", CardGender: "female", CardNation: "汉", CardBirth: "1986-09-11",
	CardAddress: "河北省秦皇岛市抚宁县", CardIDNumber: "13032319860911446X",
}

// idNumber makes a valid ID number from 17 digits.
func idNumber(first17 string) string {
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

// patternExamples are values that match the patterns the embedded catalog
// uses; a new pattern needs its example here.
var patternExamples = map[string]string{
	`[\p{Han}·]{1,15}`:          "王小明",
	`[A-Z][0-9]{9}`:             "Q410123456",
	`[0-9]{12,19}`:              "6222020200112233445",
	`[0-9]{17}[0-9X][1-7][1-4]`: idNumber("41010219800101001") + "42",
}

// goodValue is a value the field takes.
func goodValue(t *testing.T, s *Service, f *Field) string {
	t.Helper()
	switch f.Type {
	case TypeText:
		if f.Pattern != "" {
			v, ok := patternExamples[f.Pattern]
			if !ok {
				t.Fatalf("%s: field %s: no example for pattern %q", s.Code, f.ID, f.Pattern)
			}
			return v
		}
		return string([]rune("北京市东城区示例街道一号")[:min(f.MaxLen, 12)])
	case TypePhone:
		return "13800138000"
	case TypeNumber:
		return strconv.FormatInt(*f.Max, 10)
	case TypeDate:
		if f.DateRange == Future {
			return today.AddDate(0, 0, 10).Format(time.DateOnly)
		}
		return "2020-05-06"
	case TypeChoice:
		return f.Options[len(f.Options)-1].Value
	case TypeIDNumber:
		return idNumber("11010519491231002")
	}
	t.Fatalf("%s: field %s: type %s", s.Code, f.ID, f.Type)
	return ""
}

// filled is a complete, valid form for s: the card's values, the rest typed.
func filled(t *testing.T, s *Service) map[string]string {
	t.Helper()
	values := s.Form.Prefill(card)
	for i := range s.Form.Fields {
		f := &s.Form.Fields[i]
		if f.FromCard != "" {
			if values[f.ID] != card[f.FromCard] {
				t.Fatalf("%s: field %s not filled from the card's %s", s.Code, f.ID, f.FromCard)
			}
			continue
		}
		values[f.ID] = goodValue(t, s, f)
	}
	return values
}

func TestEveryDefaultFormTakesAValidFilledForm(t *testing.T) {
	c := mustDefault(t)
	for i := range c.Services {
		s := &c.Services[i]
		values := filled(t, s)
		if errs := s.Form.Validate(values, today); len(errs) > 0 {
			t.Errorf("%s: a valid form refused: %+v", s.Code, errs)
		}
		// Only the required fields filled is enough too.
		required := make(map[string]string)
		for _, f := range s.Form.Fields {
			if f.Required {
				required[f.ID] = values[f.ID]
			}
		}
		if errs := s.Form.Validate(required, today); len(errs) > 0 {
			t.Errorf("%s: the required fields alone refused: %+v", s.Code, errs)
		}
	}
}

// badValues are, for each type, values it must refuse and why.
func badValues(f *Field) map[string]string {
	bad := map[string]string{"a\x00b": MsgInvalidChars}
	switch f.Type {
	case TypeText:
		bad[strings.Repeat("字", f.MaxLen+1)] = MsgTooLong
		if f.Pattern != "" {
			bad["!?"] = MsgPattern
		}
	case TypePhone:
		for _, v := range []string{"12345", "1380013800", "138001380000", "23800138000", "phone", "+8613800138000"} {
			bad[v] = MsgPhone
		}
	case TypeNumber:
		bad["two"], bad["1.5"], bad["1e3"] = MsgNumber, MsgNumber, MsgNumber
		bad[strconv.FormatInt(*f.Min-1, 10)] = MsgTooSmall
		bad[strconv.FormatInt(*f.Max+1, 10)] = MsgTooLarge
	case TypeDate:
		for _, v := range []string{"2021-02-29", "2020-13-01", "20200506", "2020/05/06", "2020-5-6", "yesterday"} {
			bad[v] = MsgDate
		}
		switch f.DateRange {
		case Past:
			bad[today.AddDate(0, 0, 1).Format(time.DateOnly)] = MsgDateAfterToday
		case Future:
			bad[today.AddDate(0, 0, -1).Format(time.DateOnly)] = MsgDateBeforeToday
		}
	case TypeChoice:
		bad["maybe"] = MsgChoice
		bad[f.Options[0].Label.ZH] = MsgChoice // the label is not the value
	case TypeIDNumber:
		good := idNumber("11010519491231002")
		bad[good[:17]+"1"] = MsgIDNumber                      // wrong check character
		bad[good[:17]] = MsgIDNumber                          // short
		bad[idNumber("11010519491331002")] = MsgIDNumber      // month 13, though the check is right
		bad["1101051949123100 2"[:18]] = MsgIDNumber          // a space inside
		bad[strings.Replace(good, "1", "I", 1)] = MsgIDNumber // a letter for a digit
	}
	return bad
}

// Each kind of bad value is refused for its field alone, with its key.
func TestEveryDefaultFormRefusesBadValues(t *testing.T) {
	c := mustDefault(t)
	for i := range c.Services {
		s := &c.Services[i]
		for j := range s.Form.Fields {
			f := &s.Form.Fields[j]
			for v, key := range badValues(f) {
				values := filled(t, s)
				values[f.ID] = v
				errs := s.Form.Validate(values, today)
				if len(errs) != 1 || errs[0].Field != f.ID || errs[0].Key != key {
					t.Errorf("%s: field %s (%s) = %q: got %+v, want %s", s.Code, f.ID, f.Type, v, errs, key)
				}
				if len(errs) > 0 && !slices.Contains(MessageKeys, errs[0].Key) {
					t.Errorf("key %q is not in MessageKeys", errs[0].Key)
				}
			}
			values := filled(t, s)
			delete(values, f.ID)
			errs := s.Form.Validate(values, today)
			switch {
			case f.Required && (len(errs) != 1 || errs[0].Field != f.ID || errs[0].Key != MsgRequired):
				t.Errorf("%s: required field %s left empty: %+v", s.Code, f.ID, errs)
			case !f.Required && len(errs) != 0:
				t.Errorf("%s: optional field %s left empty: %+v", s.Code, f.ID, errs)
			}
		}
	}
}

func TestValidateDetails(t *testing.T) {
	s, _ := mustDefault(t).Service("SB-002")
	values := filled(t, s)
	values["copies"] = " 2 " // spaces around do not count
	values["bogus"] = "x"
	values["also_bogus"] = ""
	errs := s.Form.Validate(values, today)
	if len(errs) != 2 || errs[0].Field != "also_bogus" || errs[1].Field != "bogus" || errs[0].Key != MsgUnknown {
		t.Fatalf("unknown values: %+v", errs)
	}
	values = filled(t, s)
	values["copies"] = "9"
	values["from_year"] = "  "
	errs = s.Form.Validate(values, today)
	if len(errs) != 2 || errs[0].Field != "from_year" || errs[0].Key != MsgRequired ||
		errs[1].Field != "copies" || errs[1].Key != MsgTooLarge || errs[1].Args["Max"] != int64(3) {
		t.Fatalf("errors not in form order or without args: %+v", errs)
	}
	if got := errs[1].Error(); got != "catalog: field copies: form.too_large" {
		t.Errorf("Error() = %q", got)
	}
}

// Today's date counts as past and as future: 出生日期 today and 备案开始 today.
func TestDateRangeIncludesToday(t *testing.T) {
	for _, r := range []string{Past, Future} {
		f := Field{ID: "d", Type: TypeDate, DateRange: r}
		if e := f.Validate(today.Format(time.DateOnly), today); e != nil {
			t.Errorf("%s: today refused: %+v", r, e)
		}
	}
}

func TestIDNumber(t *testing.T) {
	for _, ok := range []string{"13032319860911446X", "13032319860911446x", idNumber("44030419900307002")} {
		if !ValidIDNumber(ok) {
			t.Errorf("%s refused", ok)
		}
	}
	for _, bad := range []string{"", "13032319860911446", "130323198609114460", "1303231986091144 X", idNumber("44030419900230002")} {
		if ValidIDNumber(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A field made by hand compiles its own pattern; a broken one matches nothing.
func TestHandMadeFieldPattern(t *testing.T) {
	f := Field{ID: "code", Type: TypeText, MaxLen: 10, Pattern: "[0-9]{3}"}
	if e := f.Validate("123", today); e != nil {
		t.Errorf("match refused: %+v", e)
	}
	if e := f.Validate("1234", today); e == nil || e.Key != MsgPattern {
		t.Errorf("the pattern is not anchored: %+v", e)
	}
	f.Pattern = "[0-9"
	if e := f.Validate("1", today); e == nil || e.Key != MsgPattern {
		t.Errorf("a broken pattern matched: %+v", e)
	}
}

func TestPrefillTakesOnlyCardFields(t *testing.T) {
	s, _ := mustDefault(t).Service("HJ-001")
	values := s.Form.Prefill(card)
	want := map[string]string{"name": "王美娜", "gender": "female", "nation": "汉", "birth": "1986-09-11",
		"address": "河北省秦皇岛市抚宁县", "id_number": "13032319860911446X"}
	if len(values) != len(want) {
		t.Fatalf("prefilled %v", values)
	}
	for k, v := range want {
		if values[k] != v {
			t.Errorf("%s = %q, want %q", k, values[k], v)
		}
	}
	// A foreign card has no nation: the field stays for the resident.
	foreign := map[string]string{CardName: "ZHANG", CardBirth: "1990-01-01"}
	if v := s.Form.Prefill(foreign); len(v) != 2 || v["nation"] != "" {
		t.Errorf("prefilled from a card without a nation: %v", v)
	}
}

func TestASCIIOnly(t *testing.T) {
	for _, tc := range []struct {
		f    Field
		want bool
	}{
		{Field{Type: TypeText, Pattern: "[A-Z][0-9]{9}"}, true},
		{Field{Type: TypeText, Pattern: "[0-9]{17}[0-9X][1-7][1-4]"}, true},
		{Field{Type: TypeText, Pattern: `[\p{Han}·]{1,15}`}, false},
		{Field{Type: TypeText, Pattern: ".{1,10}"}, false},
		{Field{Type: TypeText, Pattern: "[甲乙]"}, false},
		{Field{Type: TypeText}, false},
		{Field{Type: TypePhone, Pattern: "[0-9]+"}, false},
	} {
		if got := tc.f.ASCIIOnly(); got != tc.want {
			t.Errorf("%s %q: ASCIIOnly %v", tc.f.Type, tc.f.Pattern, got)
		}
	}
}

func TestSuggestFromCardChecked(t *testing.T) {
	good := Field{ID: "current_address", Label: Text{ZH: "现居住地址", EN: "Current address"}, Type: TypeText, MaxLen: 100, SuggestFromCard: CardAddress}
	if err := good.check(); err != nil {
		t.Fatalf("good field refused: %v", err)
	}
	for _, bad := range []Field{
		{ID: "a", Label: good.Label, Type: TypeText, MaxLen: 100, SuggestFromCard: CardBirth},
		{ID: "a", Label: good.Label, Type: TypeText, MaxLen: 100, SuggestFromCard: "street"},
		{ID: "a", Label: good.Label, Type: TypeText, MaxLen: 100, SuggestFromCard: CardAddress, FromCard: CardAddress},
		{ID: "a", Label: good.Label, Type: TypePhone, SuggestFromCard: CardAddress},
	} {
		if err := bad.check(); err == nil || !strings.Contains(err.Error(), "from_card") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}
