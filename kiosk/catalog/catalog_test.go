package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/yizhan-kiosk/yizhan/assets"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func mustDefault(t testing.TB) *Catalog {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultIsACompleteSampleCatalog(t *testing.T) {
	c := mustDefault(t)
	if c.Schema != Schema || c.Version == 0 {
		t.Errorf("schema %d version %d", c.Schema, c.Version)
	}
	if !c.Sample || c.Note.ZH == "" || c.Note.EN == "" || !strings.Contains(c.Note.ZH, "示例") {
		t.Error("the embedded catalog must be marked as sample content, with a note in both languages")
	}
	if len(c.Services) < 12 {
		t.Fatalf("%d services, want at least 12", len(c.Services))
	}
	immediate, elderly := 0, 0
	for i := range c.Services {
		s := &c.Services[i]
		// Parse requires the Chinese; the default catalog also has every
		// English text, so the English screens never fall back.
		for what, tx := range englishTexts(s) {
			if strings.TrimSpace(tx.ZH) == "" || strings.TrimSpace(tx.EN) == "" {
				t.Errorf("%s: %s lacks Chinese or English: %+v", s.Code, what, tx)
			}
		}
		if s.Level < 3 {
			t.Errorf("%s: level %d; the plan wants level 3 or better for self-service", s.Code, s.Level)
		}
		// The plan's cut: committed at most a quarter of the legal limit.
		if s.LegalDays > 0 && s.CommittedDays*4 > s.LegalDays {
			t.Errorf("%s: committed %d of legal %d working days, over 25%%", s.Code, s.CommittedDays, s.LegalDays)
		}
		if !s.OfferedAt(SiteHall) {
			t.Errorf("%s: not offered in the self-service hall", s.Code)
		}
		if s.Phones.Complaint == "" || s.Phones.Consult == "" {
			t.Errorf("%s: phones missing", s.Code)
		}
		if s.Immediate {
			immediate++
		}
		if s.ElderlyFirst {
			elderly++
		}
		if s.Materials[0].Trust != TrustIDCard {
			t.Errorf("%s: the first material should be the ID card read on the terminal", s.Code)
		}
	}
	// 即办件 ≥ 40% is the plan's target.
	if immediate*10 < len(c.Services)*4 {
		t.Errorf("%d of %d services immediate, under 40%%", immediate, len(c.Services))
	}
	if elderly < 4 {
		t.Errorf("%d elderly-first services, want the plan's pension, social and medical insurance and household ones", elderly)
	}
	for _, code := range []string{"SB-001", "SB-002", "YB-001", "HJ-001", "HJ-002", "BD-001", "MZ-001", "JY-001", "MZ-003", "GJ-001", "HJ-004"} {
		if _, ok := c.Service(code); !ok {
			t.Errorf("%s missing", code)
		}
	}
	if _, ok := c.Service("XX-999"); ok {
		t.Error("found a service that does not exist")
	}
}

// englishTexts lists every text of a service by where it is.
func englishTexts(s *Service) map[string]Text {
	out := map[string]Text{"name": s.Name, "description": s.Description, "result": s.Result, "department": s.Department}
	add := func(what string, list []Text) {
		for i, t := range list {
			out[fmt.Sprintf("%s[%d]", what, i)] = t
		}
	}
	add("conditions", s.Conditions)
	add("legal_basis", s.LegalBasis)
	add("steps", s.Steps)
	for i, m := range s.Materials {
		out[fmt.Sprintf("materials[%d]: name", i)] = m.Name
		if m.Note.ZH != "" || m.Note.EN != "" {
			out[fmt.Sprintf("materials[%d]: note", i)] = m.Note
		}
		if m.When.ZH != "" || m.When.EN != "" {
			out[fmt.Sprintf("materials[%d]: when", i)] = m.When
		}
	}
	for _, f := range s.Form.Fields {
		out["field "+f.ID] = f.Label
		if f.Hint.ZH != "" || f.Hint.EN != "" {
			out["hint "+f.ID] = f.Hint
		}
		for _, o := range f.Options {
			out["option "+f.ID+"."+o.Value] = o.Label
		}
	}
	return out
}

func TestDefaultCategoriesHaveEnglish(t *testing.T) {
	for _, cat := range mustDefault(t).CategoryList {
		if cat.Name.EN == "" {
			t.Errorf("category %s lacks English", cat.ID)
		}
	}
}

// The ID card fills what it holds: no service asks the resident to type
// their name or ID number.
func TestDefaultFormsTakeIdentityFromTheCard(t *testing.T) {
	for _, s := range mustDefault(t).Services {
		for _, f := range s.Form.Fields {
			if (f.ID == "name" || f.ID == "id_number") && f.FromCard == "" {
				t.Errorf("%s: field %s is not filled from the card", s.Code, f.ID)
			}
		}
	}
}

func TestMaxBytesIsTheProtocolsCatalogLimit(t *testing.T) {
	if MaxBytes != protocol.MaxBodyBytes/2 {
		t.Fatalf("MaxBytes %d, the protocol allows catalog bodies of %d", MaxBytes, protocol.MaxBodyBytes/2)
	}
}

// The district's catalog arrives as protocol.Catalog.Body: the same JSON.
func TestSignedCatalogBodyParses(t *testing.T) {
	c := protocol.Catalog{Version: 7, Body: assets.Catalog, Signature: make([]byte, 64)}
	if err := c.Validate(); err != nil {
		t.Fatalf("the embedded catalog does not fit in a signed catalog: %v", err)
	}
	if _, err := Parse(c.Body); err != nil {
		t.Fatal(err)
	}
}

// doc is the embedded catalog as generic JSON, to spoil one thing at a time.
type doc map[string]any

func loadDoc(t *testing.T) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(assets.Catalog, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d doc) service(code string) map[string]any {
	for _, s := range d["services"].([]any) {
		if m := s.(map[string]any); m["code"] == code {
			return m
		}
	}
	panic("test catalog has no service " + code)
}

func (d doc) field(code, id string) map[string]any {
	for _, f := range d.service(code)["form"].(map[string]any)["fields"].([]any) {
		if m := f.(map[string]any); m["id"] == id {
			return m
		}
	}
	panic("test catalog has no field " + code + "." + id)
}

func (d doc) material(code string, i int) map[string]any {
	return d.service(code)["materials"].([]any)[i].(map[string]any)
}

func (d doc) bytes(t *testing.T) []byte {
	t.Helper()
	data, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseRefusesBadCatalogs(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(d doc)
		want  []string // in the error
	}{
		{"unknown top-level field", func(d doc) { d["colour"] = "red" }, []string{"unknown field", "colour"}},
		{"unknown service field", func(d doc) { d.service("SB-002")["colour"] = "red" }, []string{"service SB-002", "unknown field"}},
		{"unknown form field property", func(d doc) { d.field("SB-002", "copies")["step"] = 1 }, []string{"service SB-002", "unknown field", "step"}},
		{"unknown material property", func(d doc) { d.material("SB-002", 0)["colour"] = 1 }, []string{"service SB-002", "unknown field"}},
		{"wrong type", func(d doc) { d.service("HJ-001")["level"] = "four" }, []string{"service HJ-001", "level"}},
		{"other schema", func(d doc) { d["schema"] = 2 }, []string{"schema 2"}},
		{"unknown kind", func(d doc) { d.service("HJ-001")["kind"] = "licence" }, []string{"service HJ-001", "kind \"licence\""}},
		{"certificate not immediate", func(d doc) {
			s := d.service("HJ-001")
			s["immediate"], s["committed_days"], s["legal_days"] = false, 1, 5
		}, []string{"service HJ-001", "immediate must be true"}},
		{"certificate without its holder", func(d doc) { d.field("HJ-001", "id_number")["from_card"] = nil }, []string{"service HJ-001", "id_number"}},
		{"no version", func(d doc) { delete(d, "version") }, []string{"version"}},
		{"sample without note", func(d doc) { delete(d, "note") }, []string{"note", "sample"}},
		{"no categories", func(d doc) { d["categories"] = []any{} }, []string{"categories"}},
		{"category twice", func(d doc) {
			cats := d["categories"].([]any)
			d["categories"] = append(cats, cats[0])
		}, []string{"category social_security", "twice"}},
		{"no services", func(d doc) { d["services"] = []any{} }, []string{"no services"}},
		{"bad code", func(d doc) { d.service("SB-001")["code"] = "sb-1" }, []string{"service #1", "code"}},
		{"code twice", func(d doc) { d.service("SB-002")["code"] = "SB-001" }, []string{"service SB-001", "#1 and #2"}},
		{"no Chinese name", func(d doc) { d.service("SB-001")["name"] = map[string]any{"en": "Pension"} }, []string{"SB-001", "name", "Chinese"}},
		{"pinyin too short", func(d doc) { d.service("SB-001")["pinyin"] = "ylj" }, []string{"SB-001", "pinyin", "3 letters", "9 Han"}},
		{"pinyin uppercase", func(d doc) { d.service("SB-001")["pinyin"] = "YLJLQZGRZ" }, []string{"SB-001", "pinyin", "lowercase"}},
		{"pinyin not letters", func(d doc) { d.service("SB-001")["pinyin"] = "ylj-qzgrz" }, []string{"SB-001", "pinyin"}},
		{"unknown category", func(d doc) { d.service("SB-001")["category"] = "magic" }, []string{"SB-001", "category \"magic\""}},
		{"no description", func(d doc) { d.service("SB-001")["description"] = map[string]any{"zh": " "} }, []string{"SB-001", "description"}},
		{"no conditions", func(d doc) { delete(d.service("SB-001"), "conditions") }, []string{"SB-001", "conditions"}},
		{"empty condition", func(d doc) { d.service("SB-001")["conditions"] = []any{map[string]any{"zh": ""}} }, []string{"SB-001", "conditions[0]"}},
		{"no legal basis", func(d doc) { d.service("SB-001")["legal_basis"] = []any{} }, []string{"SB-001", "legal_basis"}},
		{"no steps", func(d doc) { d.service("SB-001")["steps"] = nil }, []string{"SB-001", "steps"}},
		{"no result", func(d doc) { delete(d.service("SB-001"), "result") }, []string{"SB-001", "result"}},
		{"no department", func(d doc) { delete(d.service("SB-001"), "department") }, []string{"SB-001", "department"}},
		{"control character", func(d doc) { d.service("SB-001")["description"] = map[string]any{"zh": "a\u0007b"} }, []string{"SB-001", "description", "control"}},
		{"no materials", func(d doc) { d.service("SB-001")["materials"] = []any{} }, []string{"SB-001", "materials"}},
		{"material count", func(d doc) { d.material("SB-001", 0)["count"] = 0 }, []string{"SB-001", "materials[0]", "count"}},
		{"material trust", func(d doc) { d.material("SB-001", 0)["trust"] = "trust me" }, []string{"SB-001", "materials[0]", "trust"}},
		{"material presented", func(d doc) { d.material("SB-001", 0)["presented"] = "copy" }, []string{"SB-001", "materials[0]", "presented"}},
		{"photo at level 4", func(d doc) {
			m := d.material("HJ-002", 2) // a photographed proof
			s := d.service("HJ-002")
			s["level"] = 4
			s["materials"] = []any{d.material("HJ-002", 0), m}
		}, []string{"HJ-002", "level 4"}},
		{"bring without a visit", func(d doc) { d.service("HJ-004")["visits"] = 0 }, []string{"HJ-004", "brought"}},
		{"level 0", func(d doc) { d.service("SB-001")["level"] = 0 }, []string{"SB-001", "level 0"}},
		{"level 5", func(d doc) { d.service("SB-001")["level"] = 5 }, []string{"SB-001", "level 5"}},
		{"visits over level", func(d doc) { d.service("SB-001")["visits"] = 1 }, []string{"SB-001", "visits 1"}},
		{"committed over legal", func(d doc) { d.service("HJ-003")["committed_days"] = 16 }, []string{"HJ-003", "committed_days 16"}},
		{"negative legal", func(d doc) { d.service("SB-001")["legal_days"] = -1 }, []string{"SB-001", "legal_days"}},
		{"immediate with a wait", func(d doc) {
			s := d.service("SB-001")
			s["legal_days"], s["committed_days"] = 5, 1
		}, []string{"SB-001", "immediate"}},
		{"waiting without days", func(d doc) { d.service("HJ-003")["committed_days"] = 0 }, []string{"HJ-003", "immediate"}},
		{"negative fee", func(d doc) { d.service("SB-001")["fee_yuan"] = -1 }, []string{"SB-001", "fee_yuan"}},
		{"fee below a fen", func(d doc) {
			s := d.service("SB-001")
			s["fee_yuan"], s["fee_basis"] = 0.001, map[string]any{"zh": "依据"}
		}, []string{"SB-001", "fen"}},
		{"fee without basis", func(d doc) { d.service("SB-001")["fee_yuan"] = 20 }, []string{"SB-001", "fee_basis"}},
		{"bad phone", func(d doc) {
			d.service("SB-001")["phones"] = map[string]any{"consult": "call us", "complaint": "12345"}
		}, []string{"SB-001", "consult"}},
		{"no complaint phone", func(d doc) { d.service("SB-001")["phones"] = map[string]any{"consult": "12333"} }, []string{"SB-001", "complaint"}},
		{"no sites", func(d doc) { d.service("SB-001")["sites"] = []any{} }, []string{"SB-001", "sites"}},
		{"unknown site", func(d doc) { d.service("SB-001")["sites"] = []any{"hall", "mall"} }, []string{"SB-001", "mall"}},
		{"site twice", func(d doc) { d.service("SB-001")["sites"] = []any{"hall", "hall"} }, []string{"SB-001", "twice"}},
		{"no rank", func(d doc) { delete(d.service("SB-001"), "rank") }, []string{"SB-001", "rank"}},
		{"no form", func(d doc) { delete(d.service("SB-001"), "form") }, []string{"SB-001", "form"}},
		{"bad field id", func(d doc) { d.field("SB-001", "phone")["id"] = "Phone No" }, []string{"SB-001", "field #4", "id"}},
		{"field id twice", func(d doc) { d.field("SB-001", "phone")["id"] = "name" }, []string{"SB-001", "field name", "twice"}},
		{"no label", func(d doc) { delete(d.field("SB-001", "phone"), "label") }, []string{"SB-001", "field phone", "label"}},
		{"unknown type", func(d doc) { d.field("SB-001", "phone")["type"] = "colour" }, []string{"SB-001", "field phone", "type"}},
		{"choice without options", func(d doc) { delete(d.field("SB-001", "pension_type"), "options") }, []string{"SB-001", "field pension_type", "options"}},
		{"choice with one option", func(d doc) {
			f := d.field("SB-001", "pension_type")
			f["options"] = f["options"].([]any)[:1]
		}, []string{"SB-001", "field pension_type", "options"}},
		{"option twice", func(d doc) {
			f := d.field("SB-001", "pension_type")
			opts := f["options"].([]any)
			f["options"] = append(opts, opts[0])
		}, []string{"SB-001", "field pension_type", "twice"}},
		{"option value", func(d doc) {
			d.field("SB-001", "pension_type")["options"].([]any)[0].(map[string]any)["value"] = "企业"
		}, []string{"SB-001", "field pension_type", "value"}},
		{"unknown card field", func(d doc) { d.field("SB-001", "name")["from_card"] = "shoe_size" }, []string{"SB-001", "field name", "from_card \"shoe_size\""}},
		{"card field of another type", func(d doc) { d.field("SB-001", "id_number")["from_card"] = "name" }, []string{"SB-001", "field id_number", "from_card"}},
		{"gender without male", func(d doc) {
			d.field("HJ-001", "gender")["options"].([]any)[0].(map[string]any)["value"] = "man"
		}, []string{"HJ-001", "field gender", "male"}},
		{"pattern does not compile", func(d doc) { d.field("HJ-004", "birth_cert_no")["pattern"] = "[A-Z" }, []string{"HJ-004", "field birth_cert_no", "pattern"}},
		{"pattern too long", func(d doc) { d.field("HJ-004", "birth_cert_no")["pattern"] = strings.Repeat("a", 201) }, []string{"HJ-004", "field birth_cert_no", "pattern"}},
		{"text without max_len", func(d doc) { delete(d.field("SB-001", "name"), "max_len") }, []string{"SB-001", "field name", "max_len"}},
		{"options on text", func(d doc) {
			d.field("SB-001", "name")["options"] = d.field("SB-001", "pension_type")["options"]
		}, []string{"SB-001", "field name", "options does not apply"}},
		{"pattern on a phone", func(d doc) { d.field("SB-001", "phone")["pattern"] = "1[0-9]{10}" }, []string{"SB-001", "field phone", "pattern does not apply"}},
		{"number without max", func(d doc) { delete(d.field("SB-002", "copies"), "max") }, []string{"SB-002", "field copies", "min and max"}},
		{"min above max", func(d doc) { d.field("SB-002", "copies")["min"] = 5 }, []string{"SB-002", "field copies", "min 5 above max 3"}},
		{"date range", func(d doc) { d.field("HJ-001", "birth")["date_range"] = "someday" }, []string{"HJ-001", "field birth", "date_range"}},
		{"only_if without when", func(d doc) { delete(d.material("YB-002", 2), "when") }, []string{"YB-002", "materials[2]", "only_if needs when"}},
		{"only_if on no field", func(d doc) {
			d.material("YB-002", 2)["only_if"] = map[string]any{"field": "colour", "values": []any{"referral"}}
		}, []string{"YB-002", "materials[2]", "\"colour\" is not a choice field"}},
		{"only_if on a text field", func(d doc) {
			d.material("YB-002", 2)["only_if"] = map[string]any{"field": "place", "values": []any{"北京"}}
		}, []string{"YB-002", "materials[2]", "\"place\" is not a choice field"}},
		{"only_if no values", func(d doc) {
			d.material("YB-002", 2)["only_if"] = map[string]any{"field": "filing_type", "values": []any{}}
		}, []string{"YB-002", "materials[2]", "no values"}},
		{"only_if not an option", func(d doc) {
			d.material("YB-002", 2)["only_if"] = map[string]any{"field": "filing_type", "values": []any{"abroad"}}
		}, []string{"YB-002", "materials[2]", "\"abroad\" is not an option of \"filing_type\""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := loadDoc(t)
			tc.spoil(d)
			_, err := Parse(d.bytes(t))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "catalog: ") {
				t.Errorf("error %q does not start with \"catalog: \"", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// Errors read as the path to what is wrong.
func TestParseErrorNamesServiceAndField(t *testing.T) {
	d := loadDoc(t)
	d.field("HJ-004", "birth_cert_no")["pattern"] = "(["
	_, err := Parse(d.bytes(t))
	if err == nil || !strings.HasPrefix(err.Error(), "catalog: service HJ-004: field birth_cert_no: pattern: ") {
		t.Fatalf("error %v", err)
	}
}

func TestParseRefusesWhatIsNotOneCatalog(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":          nil,
		"not JSON":       []byte("schema: 1"),
		"null":           []byte("null"),
		"an array":       []byte("[]"),
		"two catalogs":   append(append([]byte(nil), assets.Catalog...), assets.Catalog...),
		"trailing bytes": append(append([]byte(nil), assets.Catalog...), " x"...),
		"truncated":      assets.Catalog[:len(assets.Catalog)/2],
		"too large":      append(append([]byte(nil), assets.Catalog...), bytes.Repeat([]byte(" "), MaxBytes)...),
	} {
		if _, err := Parse(data); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "catalog: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}

// A minimal catalog written by hand, as a district might: every required
// part and nothing else.
const minimal = `{
  "schema": 1, "version": 3, "sample": false,
  "categories": [{"id": "civil", "name": {"zh": "民政"}}],
  "services": [{
    "code": "MZ-101", "name": {"zh": "婚姻登记记录证明"}, "pinyin": "hydjjlzm",
    "category": "civil", "description": {"zh": "开具本人婚姻登记记录证明。"},
    "conditions": [{"zh": "本人办理"}], "legal_basis": [{"zh": "《婚姻登记条例》"}],
    "steps": [{"zh": "读取身份证"}, {"zh": "打印"}], "result": {"zh": "当场打印"},
    "materials": [{"name": {"zh": "居民身份证"}, "count": 1, "presented": "original", "trust": "id_card"}],
    "legal_days": 0, "committed_days": 0, "immediate": true, "fee_yuan": 0,
    "level": 4, "visits": 0, "department": {"zh": "区民政局"},
    "phones": {"consult": "12345", "complaint": "12345"}, "sites": ["bank"], "rank": 1,
    "form": {"fields": [{"id": "name", "label": {"zh": "姓名"}, "type": "text", "required": true, "from_card": "name", "max_len": 30}]}
  }]
}`

func TestParseMinimalCatalog(t *testing.T) {
	c, err := Parse([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.Service("MZ-101")
	if !ok || s.Name.In("en") != "婚姻登记记录证明" || s.Name.In("zh") != "婚姻登记记录证明" {
		t.Fatalf("service %+v: English falls back to Chinese", s)
	}
	if c.Sample {
		t.Error("a district catalog taken for a sample")
	}
	if len(c.ForSite(SiteHall).Services) != 0 || len(c.ForSite(SiteBank).Services) != 1 {
		t.Error("site filtering of a bank-only service")
	}
}

func TestTextIn(t *testing.T) {
	tx := Text{ZH: "社保", EN: "Social insurance"}
	if tx.In("zh") != "社保" || tx.In("en") != "Social insurance" || tx.In("fr") != "社保" {
		t.Errorf("In: %q %q %q", tx.In("zh"), tx.In("en"), tx.In("fr"))
	}
}

// Han counting for initials ignores punctuation and Latin in a name.
func TestPinyinCountsOnlyHan(t *testing.T) {
	if err := checkPinyin("jzzqz", "居住证（签注）"); err != nil {
		t.Error(err)
	}
	if err := checkPinyin("a", "ABC"); err == nil {
		t.Error("a name without Han characters accepted")
	}
	for _, r := range "养老金领取资格认证" {
		if !unicode.Is(unicode.Han, r) {
			t.Fatalf("%c is not Han", r)
		}
	}
}
