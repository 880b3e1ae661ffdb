package catalog

import (
	"slices"
	"testing"
	"time"
)

func codes(list []*Service) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Code
	}
	return out
}

func TestSearch(t *testing.T) {
	c := mustDefault(t)
	cases := []struct {
		query string
		first []string // the results must start with these, in order
		also  []string // and include these somewhere
	}{
		{"ylj", []string{"SB-001"}, nil},                         // 养老金领取资格认证, by initials
		{"YLJ", []string{"SB-001"}, nil},                         // case does not matter
		{" y l j ", []string{"SB-001"}, nil},                     // nor spaces
		{"yljlqzgrz", []string{"SB-001"}, nil},                   // all of them
		{"hj", []string{"HJ-001"}, nil},                          // 户籍证明开具
		{"社保", []string{"SB-002"}, []string{"SB-001", "SB-003"}}, // in the name first, then by keyword
		{"居住证", []string{"HJ-002", "HJ-003"}, nil},               // both start with it, the more used first
		{"sydj", []string{"JY-001", "WJ-001"}, nil},              // 失业登记 and 生育登记 share initials
		{"zm", []string{"HJ-001"}, nil},                          // initials inside: 户籍证明开具
		{"证明", []string{"HJ-001"}, nil},                          // Chinese inside the name
		{"sb-002", []string{"SB-002"}, nil},                      // a code
		{"医保", []string{"YB-001", "YB-002"}, nil},                // keywords only
		{"pension", []string{"SB-001"}, nil},                     // English
		{"老年人", []string{"MZ-001"}, []string{"MZ-002"}},          // name, then keyword
		{"公积金", []string{"GJ-001"}, nil},                         // inside the name
	}
	for _, tc := range cases {
		got := codes(c.Search(tc.query))
		if len(got) < len(tc.first) || !slices.Equal(got[:len(tc.first)], tc.first) {
			t.Errorf("Search(%q) = %v, want it to start with %v", tc.query, got, tc.first)
			continue
		}
		for _, code := range tc.also {
			if !slices.Contains(got, code) {
				t.Errorf("Search(%q) = %v, want %s in it", tc.query, got, code)
			}
		}
	}
	for _, q := range []string{"", "   ", "zzzz", "火星", "ab"} {
		if got := c.Search(q); len(got) != 0 {
			t.Errorf("Search(%q) = %v, want nothing", q, codes(got))
		}
	}
}

// Within a group the most used come first, whatever the catalog's order.
func TestSearchPrefixBeforeContains(t *testing.T) {
	c := mustDefault(t)
	got := codes(c.Search("dj"))
	// Nothing starts with dj; 不动产登记信息查询 (bdcdjxxcx), 异地就医备案
	// (ydjyba), 新生儿出生登记 (xsecsdj), 失业登记 and 生育登记 (sydj)
	// contain it.
	want := []string{"BD-001", "YB-002", "HJ-004", "JY-001", "WJ-001"}
	if !slices.Equal(got, want) {
		t.Errorf("Search(dj) = %v, want %v by rank", got, want)
	}
	got = codes(c.Search("sy"))
	if len(got) < 2 || got[0] != "JY-001" || got[1] != "WJ-001" {
		t.Errorf("Search(sy) = %v: the initials that start with it come first", got)
	}
}

func TestForSite(t *testing.T) {
	c := mustDefault(t)
	hall, bank := c.ForSite(SiteHall), c.ForSite(SiteBank)
	if len(hall.Services) != len(c.Services) {
		t.Errorf("hall offers %d of %d", len(hall.Services), len(c.Services))
	}
	if len(bank.Services) == 0 || len(bank.Services) >= len(c.Services) {
		t.Fatalf("bank offers %d of %d", len(bank.Services), len(c.Services))
	}
	for _, s := range bank.Services {
		if !s.OfferedAt(SiteBank) {
			t.Errorf("bank offers %s, which is hall-only", s.Code)
		}
	}
	for _, code := range []string{"HJ-003", "HJ-004"} {
		if _, ok := bank.Service(code); ok {
			t.Errorf("bank finds hall-only %s", code)
		}
		if got := codes(bank.Search(code)); len(got) != 0 {
			t.Errorf("bank search finds %v", got)
		}
	}
	if s, ok := bank.Service("SB-001"); !ok || s.Name.ZH != "养老金领取资格认证" {
		t.Error("bank lookup of SB-001")
	}
	if got := codes(bank.Search("居住证")); len(got) == 0 || got[0] != "HJ-002" {
		t.Errorf("bank Search(居住证) = %v", got)
	}
	if len(c.ForSite("mall").Services) != 0 {
		t.Error("an unknown kind of site offers services")
	}
	if len(c.Services) != len(hall.Services) {
		t.Error("ForSite changed the catalog")
	}
}

func TestCategories(t *testing.T) {
	d := loadDoc(t)
	d.service("WJ-001")["sites"] = []any{"hall"} // the only health service
	c, err := Parse(d.bytes(t))
	if err != nil {
		t.Fatal(err)
	}
	hall, bank := c.ForSite(SiteHall).Categories(), c.ForSite(SiteBank).Categories()
	if len(hall) != len(c.CategoryList) || hall[0].ID != "social_security" {
		t.Errorf("hall categories %v", hall)
	}
	if len(bank) != len(hall)-1 || slices.ContainsFunc(bank, func(cat Category) bool { return cat.ID == "health" }) {
		t.Errorf("bank lists a category it has no service in: %v", bank)
	}
	got := codes(c.InCategory("household"))
	if want := []string{"HJ-001", "HJ-002", "HJ-003", "HJ-004"}; !slices.Equal(got, want) {
		t.Errorf("InCategory(household) = %v, want %v", got, want)
	}
	if len(c.InCategory("nothing")) != 0 {
		t.Error("an unknown category has services")
	}
}

func TestMostUsedAndElderlyFirst(t *testing.T) {
	c := mustDefault(t)
	if got := codes(c.MostUsed(3)); !slices.Equal(got, []string{"SB-001", "HJ-001", "SB-002"}) {
		t.Errorf("MostUsed(3) = %v", got)
	}
	if len(c.MostUsed(0)) != len(c.Services) || len(c.MostUsed(1000)) != len(c.Services) {
		t.Error("MostUsed without a limit")
	}
	all := c.ElderlyFirst(0)
	if len(all) != len(c.Services) {
		t.Fatalf("ElderlyFirst(0) has %d", len(all))
	}
	seenOther := false
	for i, s := range all {
		if !s.ElderlyFirst {
			seenOther = true
		} else if seenOther {
			t.Errorf("elderly-first %s after other services: %v", s.Code, codes(all))
		}
		if i > 0 && all[i-1].ElderlyFirst == s.ElderlyFirst && all[i-1].Rank > s.Rank {
			t.Errorf("%s before %s, which is used more", all[i-1].Code, s.Code)
		}
	}
	if got := codes(c.ElderlyFirst(4)); !slices.Equal(got, []string{"SB-001", "HJ-001", "YB-001", "YB-002"}) {
		t.Errorf("ElderlyFirst(4) = %v", got)
	}
}

func TestCommittedDate(t *testing.T) {
	c := mustDefault(t)
	monday := time.Date(2026, 3, 16, 15, 0, 0, 0, time.UTC)
	s, _ := c.Service("HJ-003") // 3 working days
	if got := s.CommittedDate(monday, nil); !got.Equal(time.Date(2026, 3, 19, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("HJ-003 from Monday: %v", got)
	}
	s, _ = c.Service("SB-001") // immediate
	if got := s.CommittedDate(monday, nil); !got.Equal(time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("SB-001 from Monday: %v", got)
	}
}
