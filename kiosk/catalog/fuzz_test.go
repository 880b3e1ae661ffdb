package catalog

import (
	"encoding/json"
	"testing"

	"github.com/yizhan-kiosk/yizhan/assets"
)

// FuzzParse feeds the parser what the network might: a catalog it takes
// must survive a round trip through JSON, and every lookup and form check
// must work on it without panicking.
func FuzzParse(f *testing.F) {
	f.Add(assets.Catalog)
	f.Add([]byte(minimal))
	f.Add([]byte(`{"schema":1,"version":1,"categories":[],"services":[]}`))
	f.Add([]byte(`{"schema":1,"version":1,"sample":true,"note":{"zh":"示例"},"categories":[{"id":"a","name":{"zh":"甲"}}],"services":[null]}`))
	f.Add([]byte(`{"services":[{"code":"SB-001","form":{"fields":[{"id":"a","type":"text","pattern":"(a+)+$","max_len":5}]}}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			if c != nil {
				t.Fatal("a catalog and an error")
			}
			return
		}
		again, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		c2, err := Parse(again)
		if err != nil {
			t.Fatalf("a catalog it took does not parse again: %v\n%s", err, again)
		}
		if len(c2.Services) != len(c.Services) || len(c2.CategoryList) != len(c.CategoryList) {
			t.Fatal("the round trip lost services or categories")
		}
		for _, q := range []string{"a", "ylj", "社保", c.Services[0].Code, c.Services[0].Name.ZH} {
			for _, s := range c.Search(q) {
				if s == nil {
					t.Fatal("search found nil")
				}
			}
		}
		for _, kind := range []string{SiteHall, SiteBank} {
			sub := c.ForSite(kind)
			for _, s := range sub.Services {
				if got, ok := sub.Service(s.Code); !ok || got.Code != s.Code {
					t.Fatalf("ForSite(%s) lost %s", kind, s.Code)
				}
			}
			sub.Categories()
		}
		c.MostUsed(3)
		c.ElderlyFirst(3)
		for i := range c.Services {
			s := &c.Services[i]
			if got, ok := c.Service(s.Code); !ok || got != s {
				t.Fatalf("lookup of %s", s.Code)
			}
			values := s.Form.Prefill(card)
			s.Form.Validate(values, today)
			for _, fl := range s.Form.Fields {
				values[fl.ID] = "2020-01-01"
			}
			s.Form.Validate(values, today)
			s.CommittedDate(today, nil)
		}
	})
}
