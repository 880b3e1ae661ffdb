package catalog

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a catalog, so that one from the network cannot make the
// terminal build huge screens or spend long checking it.
const (
	maxServices   = 500
	maxCategories = 50
	maxList       = 30 // conditions, materials, legal basis, steps, keywords
	maxFields     = 40
	maxOptions    = 50
	maxPattern    = 200  // bytes of a field's pattern
	maxNameRunes  = 120  // service, category, material and field names (English runs long)
	maxTextRunes  = 1000 // every other text
	maxDays       = 365
	maxVisits     = 9
	maxRank       = 9999
	maxFeeYuan    = 100000
	maxTextLen    = 2000 // a text field's max_len
)

var (
	reCode     = regexp.MustCompile(`^[A-Z]{2}-[0-9]{3}$`)
	reID       = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
	reOption   = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	rePinyin   = regexp.MustCompile(`^[a-z]+$`)
	rePhoneNum = regexp.MustCompile(`^[0-9][0-9-]{2,19}$`)
)

// maxVisitsAt is the most visits each processing depth allows (level 1 is
// on-site handling and sets no bound of its own).
var maxVisitsAt = map[int]int{1: maxVisits, 2: 2, 3: 1, 4: 0}

// check applies every rule to a decoded catalog.
func (c *Catalog) check() error {
	if c.Version == 0 {
		return fmt.Errorf("catalog: version missing")
	}
	if err := checkText("note", c.Note, c.Sample, maxTextRunes); err != nil {
		return fmt.Errorf("catalog: %w (a sample catalog must say so)", err)
	}
	if len(c.CategoryList) == 0 || len(c.CategoryList) > maxCategories {
		return fmt.Errorf("catalog: %d categories, want 1 to %d", len(c.CategoryList), maxCategories)
	}
	categories := make(map[string]bool, len(c.CategoryList))
	for i, cat := range c.CategoryList {
		if !reID.MatchString(cat.ID) {
			return fmt.Errorf("catalog: category #%d: id %q is not lowercase letters, digits and _", i+1, cat.ID)
		}
		if categories[cat.ID] {
			return fmt.Errorf("catalog: category %s: listed twice", cat.ID)
		}
		categories[cat.ID] = true
		if err := checkText("name", cat.Name, true, maxNameRunes); err != nil {
			return fmt.Errorf("catalog: category %s: %w", cat.ID, err)
		}
	}
	if len(c.Services) == 0 {
		return fmt.Errorf("catalog: no services")
	}
	seen := make(map[string]int, len(c.Services))
	for i := range c.Services {
		s := &c.Services[i]
		if !reCode.MatchString(s.Code) {
			return fmt.Errorf("catalog: service #%d: code %q is not two capital letters, a dash and three digits (SB-001)", i+1, s.Code)
		}
		if j, ok := seen[s.Code]; ok {
			return fmt.Errorf("catalog: service %s: code used by services #%d and #%d", s.Code, j+1, i+1)
		}
		seen[s.Code] = i
		if err := s.check(categories); err != nil {
			return fmt.Errorf("catalog: service %s: %w", s.Code, err)
		}
	}
	return nil
}

// check applies the rules of one service; errors name the part.
func (s *Service) check(categories map[string]bool) error {
	if err := checkText("name", s.Name, true, maxNameRunes); err != nil {
		return err
	}
	if err := checkPinyin(s.Pinyin, s.Name.ZH); err != nil {
		return err
	}
	if len(s.Keywords) > maxList {
		return fmt.Errorf("keywords: %d, over %d", len(s.Keywords), maxList)
	}
	for i, k := range s.Keywords {
		if err := checkText(fmt.Sprintf("keywords[%d]", i), Text{ZH: k}, true, maxNameRunes); err != nil {
			return err
		}
	}
	if !categories[s.Category] {
		return fmt.Errorf("category %q is not in the catalog's categories", s.Category)
	}
	if err := checkText("description", s.Description, true, maxTextRunes); err != nil {
		return err
	}
	for _, l := range []struct {
		what string
		list []Text
	}{{"conditions", s.Conditions}, {"legal_basis", s.LegalBasis}, {"steps", s.Steps}} {
		if err := checkTexts(l.what, l.list); err != nil {
			return err
		}
	}
	if err := checkText("result", s.Result, true, maxTextRunes); err != nil {
		return err
	}
	if err := s.checkMaterials(); err != nil {
		return err
	}
	if err := s.checkTerms(); err != nil {
		return err
	}
	if err := checkText("department", s.Department, true, maxNameRunes); err != nil {
		return err
	}
	if !rePhoneNum.MatchString(s.Phones.Consult) {
		return fmt.Errorf("phones: consult %q is not a phone number", s.Phones.Consult)
	}
	if !rePhoneNum.MatchString(s.Phones.Complaint) {
		return fmt.Errorf("phones: complaint %q is not a phone number", s.Phones.Complaint)
	}
	if len(s.Sites) == 0 {
		return fmt.Errorf("sites: none: say which kinds of site offer it")
	}
	sites := make(map[string]bool, len(s.Sites))
	for _, k := range s.Sites {
		if k != SiteHall && k != SiteBank {
			return fmt.Errorf("sites: %q is not %q or %q", k, SiteHall, SiteBank)
		}
		if sites[k] {
			return fmt.Errorf("sites: %q twice", k)
		}
		sites[k] = true
	}
	if s.Rank < 1 || s.Rank > maxRank {
		return fmt.Errorf("rank %d outside 1–%d", s.Rank, maxRank)
	}
	return s.Form.check()
}

// checkTerms checks the time limits, fee, depth and visits, which the
// plan's targets tie together.
func (s *Service) checkTerms() error {
	if s.LegalDays < 0 || s.LegalDays > maxDays {
		return fmt.Errorf("legal_days %d outside 0–%d", s.LegalDays, maxDays)
	}
	if s.CommittedDays < 0 || s.CommittedDays > s.LegalDays {
		return fmt.Errorf("committed_days %d outside 0 to legal_days %d: the promise cannot exceed the law", s.CommittedDays, s.LegalDays)
	}
	// 即办 means no wait at all, so the two must agree.
	if s.Immediate != (s.CommittedDays == 0) {
		return fmt.Errorf("immediate is %v but committed_days is %d: immediate services commit 0 days, others at least 1", s.Immediate, s.CommittedDays)
	}
	if math.IsNaN(s.FeeYuan) || s.FeeYuan < 0 || s.FeeYuan > maxFeeYuan {
		return fmt.Errorf("fee_yuan %v outside 0–%d", s.FeeYuan, maxFeeYuan)
	}
	if fen := s.FeeYuan * 100; math.Abs(fen-math.Round(fen)) > 1e-6 {
		return fmt.Errorf("fee_yuan %v is not whole fen", s.FeeYuan)
	}
	if err := checkText("fee_basis", s.FeeBasis, s.FeeYuan > 0, maxTextRunes); err != nil {
		return fmt.Errorf("%w (a fee needs its basis)", err)
	}
	switch {
	case s.Kind != "" && s.Kind != KindCertificate:
		return fmt.Errorf("kind %q is neither empty (an application) nor %q", s.Kind, KindCertificate)
	case s.Kind == KindCertificate && !s.Immediate:
		return fmt.Errorf("a certificate is issued on the spot: immediate must be true")
	case s.Kind == KindCertificate && !(s.Form.hasFromCard("name") && s.Form.hasFromCard("id_number")):
		return fmt.Errorf("a certificate names its holder: its form needs the card's name and id_number")
	}
	if s.Level < 1 || s.Level > 4 {
		return fmt.Errorf("level %d outside 1–4", s.Level)
	}
	if s.Visits < 0 || s.Visits > maxVisitsAt[s.Level] {
		return fmt.Errorf("visits %d outside 0–%d, the most level %d allows", s.Visits, maxVisitsAt[s.Level], s.Level)
	}
	return nil
}

func (s *Service) checkMaterials() error {
	if len(s.Materials) == 0 || len(s.Materials) > maxList {
		return fmt.Errorf("materials: %d, want 1 to %d", len(s.Materials), maxList)
	}
	for i, m := range s.Materials {
		what := fmt.Sprintf("materials[%d]", i)
		if err := checkText(what+": name", m.Name, true, maxNameRunes); err != nil {
			return err
		}
		what += " (" + m.Name.ZH + ")"
		if m.Count < 1 || m.Count > 99 {
			return fmt.Errorf("%s: count %d outside 1–99", what, m.Count)
		}
		var presented []string // the ways the trust level allows
		switch m.Trust {
		case TrustIDCard:
			presented = []string{Original}
		case TrustShared, TrustPledge:
			presented = []string{Electronic}
		case TrustPhoto, TrustBring:
			presented = []string{Original, Copy}
		default:
			return fmt.Errorf("%s: trust %q is not one of id_card, shared, photo, bring, pledge", what, m.Trust)
		}
		if !slices.Contains(presented, m.Presented) {
			return fmt.Errorf("%s: presented %q does not go with trust %q (want %s)", what, m.Presented, m.Trust, strings.Join(presented, " or "))
		}
		// Level 4 is "all materials verified": nothing the resident
		// photographs or brings can be part of it.
		if s.Level == 4 && (m.Trust == TrustPhoto || m.Trust == TrustBring) {
			return fmt.Errorf("%s: trust %q, but level 4 needs every material verified (id_card, shared or pledge)", what, m.Trust)
		}
		if m.Trust == TrustBring && s.Visits < 1 {
			return fmt.Errorf("%s: must be brought, but visits is 0", what)
		}
		if err := checkText(what+": when", m.When, false, maxTextRunes); err != nil {
			return err
		}
		if err := checkText(what+": note", m.Note, false, maxTextRunes); err != nil {
			return err
		}
		if err := s.checkOnlyIf(what, m); err != nil {
			return err
		}
	}
	return nil
}

// checkPinyin checks that the initials are lowercase letters, one for each
// Han character of the name.
func checkPinyin(pinyin, name string) error {
	han := 0
	for _, r := range name {
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	if han == 0 {
		return fmt.Errorf("name %q has no Han characters", name)
	}
	if !rePinyin.MatchString(pinyin) {
		return fmt.Errorf("pinyin %q is not lowercase letters a–z", pinyin)
	}
	if len(pinyin) != han {
		return fmt.Errorf("pinyin %q has %d letters for the %d Han characters of %q", pinyin, len(pinyin), han, name)
	}
	return nil
}

// checkTexts checks a list that must have at least one entry.
func checkTexts(what string, list []Text) error {
	if len(list) == 0 || len(list) > maxList {
		return fmt.Errorf("%s: %d entries, want 1 to %d", what, len(list), maxList)
	}
	for i, t := range list {
		if err := checkText(fmt.Sprintf("%s[%d]", what, i), t, true, maxTextRunes); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks a text: Chinese present when required, English never
// without Chinese, bounded, valid UTF-8 and free of control characters.
func checkText(what string, t Text, required bool, maxRunes int) error {
	if strings.TrimSpace(t.ZH) == "" {
		if required {
			return fmt.Errorf("%s: Chinese text missing", what)
		}
		if t.EN != "" {
			return fmt.Errorf("%s: English without Chinese", what)
		}
		return nil
	}
	for _, s := range []string{t.ZH, t.EN} {
		if n := utf8.RuneCountInString(s); n > maxRunes {
			return fmt.Errorf("%s: %d characters, over %d", what, n, maxRunes)
		}
		if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
			return fmt.Errorf("%s: %q has control characters or invalid UTF-8", what, s)
		}
	}
	return nil
}

// checkOnlyIf checks a material's rule: a choice field of the form and
// some of its options, with the case in words (when) for the guide.
func (s *Service) checkOnlyIf(what string, m Material) error {
	c := m.OnlyIf
	if c == nil {
		return nil
	}
	if m.When.ZH == "" {
		return fmt.Errorf("%s: only_if needs when, the same case in words for the guide", what)
	}
	fl := s.Form.Field(c.Field)
	if fl == nil || fl.Type != TypeChoice {
		return fmt.Errorf("%s: only_if: field %q is not a choice field of the form", what, c.Field)
	}
	if len(c.Values) == 0 {
		return fmt.Errorf("%s: only_if: no values", what)
	}
	for _, v := range c.Values {
		if !slices.ContainsFunc(fl.Options, func(o Option) bool { return o.Value == v }) {
			return fmt.Errorf("%s: only_if: %q is not an option of %q", what, v, c.Field)
		}
	}
	return nil
}

// hasFromCard reports whether the form has a field the card fills with
// the card's value of that name.
func (f Form) hasFromCard(value string) bool {
	for _, fl := range f.Fields {
		if fl.FromCard == value {
			return true
		}
	}
	return false
}
