// Package catalog is the service catalog: which government services the
// terminal offers, the full service guide (办事指南) of each — conditions,
// materials, time limits, fee, processing depth, department and phones —
// and the one form each needs ("一次告知、一表申请"). The terminal starts with
// the catalog embedded in assets; the district replaces it with a signed one
// (sync/protocol Catalog, whose Body is the same JSON). docs/catalog.md
// describes the format field by field.
//
// A catalog arrives over the network, so Parse is strict: an unknown field,
// a missing guide part or a rule that cannot hold is refused with the
// service and field it concerns, and the terminal keeps the catalog it has.
// Nothing here depends on Fyne.
package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/yizhan-kiosk/yizhan/assets"
)

// Schema is the catalog format this code reads. A catalog of another
// schema is refused rather than half understood.
const Schema = 1

// MaxBytes is the largest catalog Parse reads: as large as the sync
// protocol lets a catalog body be (protocol.MaxBodyBytes/2).
const MaxBytes = 4 << 20

// Kinds of site a service can be offered at.
const (
	SiteHall = "hall" // a 24-hour self-service hall
	SiteBank = "bank" // a "政银通办" machine in a bank branch
)

// Catalog is a parsed, checked catalog. Make one with Parse or Default;
// its lookups rely on the index Parse builds.
type Catalog struct {
	// Schema is the format's version (Schema).
	Schema int `json:"schema"`
	// Version is the editors' revision of the content. Which catalog a
	// terminal uses is decided by the signed envelope's version, not this.
	Version uint64 `json:"version"`
	// Sample marks content that is illustrative, not a district's
	// published guides; Note then says so to residents and staff.
	Sample bool `json:"sample"`
	Note   Text `json:"note,omitzero"`
	// CategoryList is every category in display order, including ones
	// with no service at some site; Categories returns those in use.
	CategoryList []Category `json:"categories"`
	Services     []Service  `json:"services"`

	byCode map[string]int // code → index in Services
}

// Text is a piece of text in Chinese and, optionally, English.
type Text struct {
	ZH string `json:"zh"`
	EN string `json:"en,omitempty"`
}

// In returns the text in lang ("zh" or "en"), falling back to Chinese
// when there is no English.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.ZH
}

// Category groups services on the terminal's service list.
type Category struct {
	ID   string `json:"id"` // "social_security"
	Name Text   `json:"name"`
}

// Service is one service and its full guide.
type Service struct {
	// Code is the catalog's code of the service: two capital letters, a
	// dash and three digits ("SB-001"). Records carry it (protocol Public.Service).
	Code string `json:"code"`
	Name Text   `json:"name"`
	// Pinyin is the initial of each Han character of the Chinese name,
	// lowercase ("养老金领取资格认证" → "yljlqzgrz"), for searching on a
	// letter keyboard.
	Pinyin string `json:"pinyin"`
	// Keywords are other words residents use for it ("社保", "退休").
	Keywords    []string   `json:"keywords,omitempty"`
	Category    string     `json:"category"`
	Description Text       `json:"description"`
	Conditions  []Text     `json:"conditions"`
	Materials   []Material `json:"materials"`
	LegalBasis  []Text     `json:"legal_basis"`
	// Steps is the flow, in order, as the resident lives it.
	Steps []Text `json:"steps"`
	// Result is what the resident gets and how.
	Result Text `json:"result"`
	// LegalDays is the time limit the law sets, in working days (0: the
	// law sets none, or handling on the spot); CommittedDays is the
	// district's promise, never longer (0: handled at once, 即办).
	LegalDays     int  `json:"legal_days"`
	CommittedDays int  `json:"committed_days"`
	Immediate     bool `json:"immediate"`
	// FeeYuan is the fee in yuan, 0 for free; FeeBasis is what sets it.
	FeeYuan  float64 `json:"fee_yuan"`
	FeeBasis Text    `json:"fee_basis,omitzero"`
	// Level is the online processing depth, 1 to 4 (docs/catalog.md).
	Level int `json:"level"`
	// Visits is how many times the resident must come in person.
	Visits     int    `json:"visits"`
	Department Text   `json:"department"`
	Phones     Phones `json:"phones"`
	// Sites are the kinds of site that offer it (SiteHall, SiteBank).
	Sites []string `json:"sites"`
	// ElderlyFirst puts it first in elderly mode: the plan's high-frequency
	// services for older residents.
	ElderlyFirst bool `json:"elderly_first"`
	// Rank orders services by use, 1 the most used.
	Rank int  `json:"rank"`
	Form Form `json:"form"`
	// Kind is what the resident leaves with: "" an application the
	// district handles (a receipt), KindCertificate a document the
	// district issues at once and the terminal prints on A4.
	Kind string `json:"kind,omitempty"`
}

// KindCertificate is a service whose document the district issues on the
// spot (户籍证明, a contribution record) and the terminal prints on its A4
// printer; offline, or with no printer, it is left as an application.
const KindCertificate = "certificate"

// Phones are where a resident asks and complains about a service.
type Phones struct {
	Consult   string `json:"consult"`
	Complaint string `json:"complaint"`
}

// How a material is presented.
const (
	Original   = "original"
	Copy       = "copy"
	Electronic = "electronic"
)

// How far a material is trusted, after the levels of 国办函〔2016〕108号.
const (
	// TrustIDCard: read from the ID card on the terminal's reader.
	TrustIDCard = "id_card"
	// TrustShared: the issuing body's data or e-certificate, shared between
	// departments; no paper needed.
	TrustShared = "shared"
	// TrustPhoto: photographed on the terminal's document camera; the
	// original is checked before the result is used.
	TrustPhoto = "photo"
	// TrustBring: the resident must bring it to a counter.
	TrustBring = "bring"
	// TrustPledge: a statement the resident confirms on the terminal.
	TrustPledge = "pledge"
)

// Material is one item of the material list.
type Material struct {
	Name      Text   `json:"name"`
	Count     int    `json:"count"`
	Presented string `json:"presented"` // Original, Copy or Electronic
	Trust     string `json:"trust"`     // TrustIDCard, TrustShared, ...
	// When says in which case it is needed; empty means always.
	When Text `json:"when,omitzero"`
	// OnlyIf, where set, is When as a rule the terminal follows: it asks
	// for the material only when the form's answer says it is needed.
	OnlyIf *Condition `json:"only_if,omitempty"`
	Note   Text       `json:"note,omitzero"`
}

// Condition holds when a choice field of the form holds one of Values.
type Condition struct {
	Field  string   `json:"field"`
	Values []string `json:"values"`
}

// Needed reports whether the material is needed for an application with
// these form values: always, unless its OnlyIf does not hold.
func (m Material) Needed(values map[string]string) bool {
	return m.OnlyIf == nil || slices.Contains(m.OnlyIf.Values, values[m.OnlyIf.Field])
}

// Parse reads and checks a catalog. Every rule of docs/catalog.md is
// checked; the error names the service and field that break one.
func Parse(data []byte) (*Catalog, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("catalog: %d bytes, over %d", len(data), MaxBytes)
	}
	// The services are decoded one by one so that an unknown field or a
	// wrong type is reported with the service it is in.
	var doc struct {
		Schema       int               `json:"schema"`
		Version      uint64            `json:"version"`
		Sample       bool              `json:"sample"`
		Note         Text              `json:"note"`
		CategoryList []Category        `json:"categories"`
		Services     []json.RawMessage `json:"services"`
	}
	if err := decodeStrict(data, &doc); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	if doc.Schema != Schema {
		return nil, fmt.Errorf("catalog: schema %d: this terminal reads schema %d", doc.Schema, Schema)
	}
	if len(doc.Services) > maxServices {
		return nil, fmt.Errorf("catalog: %d services, over %d", len(doc.Services), maxServices)
	}
	c := &Catalog{
		Schema: doc.Schema, Version: doc.Version, Sample: doc.Sample, Note: doc.Note,
		CategoryList: doc.CategoryList, Services: make([]Service, len(doc.Services)),
	}
	for i, raw := range doc.Services {
		if err := decodeStrict(raw, &c.Services[i]); err != nil {
			return nil, fmt.Errorf("catalog: service %s: %w", nameOf(raw, i), err)
		}
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	c.index()
	return c, nil
}

// Default returns the catalog embedded in the terminal (assets.Catalog),
// a fresh copy on every call.
func Default() (*Catalog, error) {
	c, err := Parse(assets.Catalog)
	if err != nil {
		return nil, fmt.Errorf("embedded %w", err)
	}
	return c, nil
}

// decodeStrict decodes one JSON value, refusing unknown fields and anything
// after the value.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the catalog")
	}
	return nil
}

// nameOf names a service that did not decode: by its code when one can be
// read, else by its position.
func nameOf(raw json.RawMessage, i int) string {
	var s struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(raw, &s) == nil && reCode.MatchString(s.Code) {
		return s.Code
	}
	return fmt.Sprintf("#%d", i+1)
}

func (c *Catalog) index() {
	c.byCode = make(map[string]int, len(c.Services))
	for i := range c.Services {
		c.byCode[c.Services[i].Code] = i
	}
}

// Service returns the service with the code.
func (c *Catalog) Service(code string) (*Service, bool) {
	i, ok := c.byCode[code]
	if !ok {
		return nil, false
	}
	return &c.Services[i], true
}

// OfferedAt reports whether the service is offered at a kind of site.
func (s *Service) OfferedAt(kind string) bool {
	return slices.Contains(s.Sites, kind)
}

// CommittedDate is the day the district promises the result by, for an
// application made on start: CommittedDays working days later (start
// itself for a service handled at once). See AddWorkingDays.
func (s *Service) CommittedDate(start time.Time, holidays []time.Time) time.Time {
	return AddWorkingDays(start, s.CommittedDays, holidays)
}
