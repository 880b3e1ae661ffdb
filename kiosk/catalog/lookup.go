package catalog

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// ForSite returns the catalog as a kind of site offers it (SiteHall,
// SiteBank): only the services offered there, every lookup working on
// them. An unknown kind offers nothing.
func (c *Catalog) ForSite(kind string) *Catalog {
	sub := &Catalog{
		Schema: c.Schema, Version: c.Version, Sample: c.Sample, Note: c.Note,
		CategoryList: c.CategoryList,
	}
	for _, s := range c.Services {
		if s.OfferedAt(kind) {
			sub.Services = append(sub.Services, s)
		}
	}
	sub.index()
	return sub
}

// Categories returns the categories that have at least one service, in the
// catalog's order: the tabs of the service list.
func (c *Catalog) Categories() []Category {
	used := make(map[string]bool)
	for _, s := range c.Services {
		used[s.Category] = true
	}
	var out []Category
	for _, cat := range c.CategoryList {
		if used[cat.ID] {
			out = append(out, cat)
		}
	}
	return out
}

// InCategory returns a category's services, most used first.
func (c *Catalog) InCategory(id string) []*Service {
	var out []*Service
	for i := range c.Services {
		if c.Services[i].Category == id {
			out = append(out, &c.Services[i])
		}
	}
	slices.SortFunc(out, byRank)
	return out
}

// MostUsed returns the n most used services, most used first; n ≤ 0
// returns them all.
func (c *Catalog) MostUsed(n int) []*Service {
	out := c.all()
	slices.SortFunc(out, byRank)
	return first(out, n)
}

// ElderlyFirst is the order of elderly mode: the elderly-first services,
// most used first, then the others, most used first; n ≤ 0 returns them
// all.
func (c *Catalog) ElderlyFirst(n int) []*Service {
	out := c.all()
	slices.SortFunc(out, func(a, b *Service) int {
		if a.ElderlyFirst != b.ElderlyFirst {
			if a.ElderlyFirst {
				return -1
			}
			return 1
		}
		return byRank(a, b)
	})
	return first(out, n)
}

// Search finds services for what a resident typed: pinyin initials
// ("ylj" finds 养老金领取资格认证), Chinese ("社保", "居住证"), or a code.
// Services whose code is the query, or whose initials or Chinese name
// start with it, come first; then those whose initials or name contain it;
// then those whose keywords, category or English name contain it. Within
// each group the most used come first. Case and spaces do not matter.
func (c *Catalog) Search(query string) []*Service {
	q := strings.ToLower(strings.Join(strings.FieldsFunc(query, unicode.IsSpace), ""))
	if q == "" {
		return nil
	}
	names := make(map[string]string, len(c.CategoryList))
	for _, cat := range c.CategoryList {
		names[cat.ID] = cat.Name.ZH
	}
	type hit struct {
		s    *Service
		tier int
	}
	var hits []hit
	for i := range c.Services {
		s := &c.Services[i]
		if tier := s.match(q, names[s.Category]); tier >= 0 {
			hits = append(hits, hit{s, tier})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.tier != b.tier {
			return cmp.Compare(a.tier, b.tier)
		}
		return byRank(a.s, b.s)
	})
	out := make([]*Service, len(hits))
	for i, h := range hits {
		out[i] = h.s
	}
	return out
}

// match returns how well s matches the normalized query q: 0 the best,
// -1 not at all.
func (s *Service) match(q, category string) int {
	latin := isLatin(q)
	switch {
	case strings.ToLower(s.Code) == q,
		strings.HasPrefix(s.Name.ZH, q),
		latin && strings.HasPrefix(s.Pinyin, q):
		return 0
	case strings.Contains(s.Name.ZH, q),
		latin && strings.Contains(s.Pinyin, q):
		return 1
	case slices.ContainsFunc(s.Keywords, func(k string) bool { return strings.Contains(k, q) }),
		category != "" && strings.Contains(category, q),
		// One or two letters are found in nearly every English name.
		latin && len(q) >= 3 && strings.Contains(strings.ToLower(s.Name.EN), q):
		return 2
	}
	return -1
}

// isLatin reports whether q is lowercase letters only: something typed on
// the letter keyboard, to compare with initials.
func isLatin(q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] < 'a' || q[i] > 'z' {
			return false
		}
	}
	return true
}

func (c *Catalog) all() []*Service {
	out := make([]*Service, len(c.Services))
	for i := range c.Services {
		out[i] = &c.Services[i]
	}
	return out
}

// byRank orders by use, then by code so equal ranks keep one order.
func byRank(a, b *Service) int {
	if a.Rank != b.Rank {
		return cmp.Compare(a.Rank, b.Rank)
	}
	return strings.Compare(a.Code, b.Code)
}

func first(list []*Service, n int) []*Service {
	if n > 0 && n < len(list) {
		return list[:n]
	}
	return list
}
