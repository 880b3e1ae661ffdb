package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/yizhan-kiosk/yizhan/devices/idcard/idnumber"
)

// Form is the one form a service needs. Fields the ID card fills come
// filled (Prefill); the resident enters the rest.
type Form struct {
	Fields []Field `json:"fields"`
}

// Kinds of form field.
const (
	TypeText     = "text"     // free text, bounded by MaxLen, optionally a Pattern
	TypePhone    = "phone"    // a mainland mobile or landline number
	TypeNumber   = "number"   // a whole number between Min and Max
	TypeDate     = "date"     // YYYY-MM-DD, optionally not after or not before today
	TypeChoice   = "choice"   // one of Options, by value
	TypeIDNumber = "idnumber" // an identity number of any card the terminal reads (idnumber.ValidAny)
)

// The ID-card fields a form field can be filled from, named as
// devices/idcard CardJSON names them. Values come in that form too:
// gender is "male" or "female", birth is YYYY-MM-DD.
const (
	CardName     = "name"
	CardGender   = "gender"
	CardNation   = "nation"
	CardBirth    = "birth"
	CardAddress  = "address"
	CardIDNumber = "id_number"
)

// cardFieldTypes says which kind of form field each card field can fill.
var cardFieldTypes = map[string]string{
	CardName: TypeText, CardGender: TypeChoice, CardNation: TypeText,
	CardBirth: TypeDate, CardAddress: TypeText, CardIDNumber: TypeIDNumber,
}

// Date ranges of a date field.
const (
	Past   = "past"   // not after today
	Future = "future" // not before today
)

// Field is one form field.
type Field struct {
	ID       string `json:"id"`
	Label    Text   `json:"label"`
	Hint     Text   `json:"hint,omitzero"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
	// FromCard names the card field that fills this one (CardName, ...);
	// the screen shows such a value without asking for it.
	FromCard string `json:"from_card,omitempty"`
	// SuggestFromCard names a card field whose value the resident may take
	// with one tap (a current address that is often the card's address).
	SuggestFromCard string `json:"suggest_from_card,omitempty"`
	// MaxLen (characters) and Pattern (RE2, matched against the whole
	// value) are for text fields.
	MaxLen  int    `json:"max_len,omitempty"`
	Pattern string `json:"pattern,omitempty"`
	// Min and Max bound a number field.
	Min *int64 `json:"min,omitempty"`
	Max *int64 `json:"max,omitempty"`
	// DateRange bounds a date field: Past, Future or "" for any date.
	DateRange string   `json:"date_range,omitempty"`
	Options   []Option `json:"options,omitempty"`

	re *regexp.Regexp // Pattern, compiled by Parse
}

// Option is one answer of a choice field: Value is what the application
// records, Label what the resident reads.
type Option struct {
	Value string `json:"value"`
	Label Text   `json:"label"`
}

// Message keys of FieldError, translated in assets/i18n like the screens'
// own; Args fill their templates.
const (
	MsgRequired        = "form.required"          // nothing entered in a required field
	MsgTooLong         = "form.too_long"          // Args: Max (characters)
	MsgInvalidChars    = "form.invalid_chars"     // control characters
	MsgPattern         = "form.pattern"           // not in the field's format; the hint says which
	MsgPhone           = "form.phone"             // not a phone number
	MsgNumber          = "form.number"            // not a whole number
	MsgTooSmall        = "form.too_small"         // Args: Min
	MsgTooLarge        = "form.too_large"         // Args: Max
	MsgDate            = "form.date"              // not a calendar date
	MsgDateAfterToday  = "form.date_after_today"  // a past date that is later than today
	MsgDateBeforeToday = "form.date_before_today" // a future date that is earlier than today
	MsgChoice          = "form.choice"            // not one of the options
	MsgIDNumber        = "form.idnumber"          // not a valid ID number
	MsgUnknown         = "form.unknown"           // a value for a field the form does not have
)

// MessageKeys lists every key a FieldError can carry, for the test that
// every key is translated.
var MessageKeys = []string{
	MsgRequired, MsgTooLong, MsgInvalidChars, MsgPattern, MsgPhone, MsgNumber, MsgTooSmall,
	MsgTooLarge, MsgDate, MsgDateAfterToday, MsgDateBeforeToday, MsgChoice, MsgIDNumber, MsgUnknown,
}

// FieldError is what is wrong with one field's value.
type FieldError struct {
	Field string         // the field's id
	Key   string         // the message key (MsgRequired, ...)
	Args  map[string]any // the message's template data, if any
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("catalog: field %s: %s", e.Field, e.Key)
}

// Validate checks a filled-in form: values maps field ids to what was
// entered (or filled from the card); today bounds date fields. It returns
// one error for each field that is wrong, in the form's order, then one for
// each value the form has no field for. None means the form can be sent.
func (f *Form) Validate(values map[string]string, today time.Time) []FieldError {
	var errs []FieldError
	known := make(map[string]bool, len(f.Fields))
	for i := range f.Fields {
		fl := &f.Fields[i]
		known[fl.ID] = true
		if e := fl.Validate(values[fl.ID], today); e != nil {
			errs = append(errs, *e)
		}
	}
	var unknown []string
	for id := range values {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	sort.Strings(unknown)
	for _, id := range unknown {
		errs = append(errs, FieldError{Field: id, Key: MsgUnknown})
	}
	return errs
}

// Field returns the field with the id, or nil.
func (f *Form) Field(id string) *Field {
	for i := range f.Fields {
		if f.Fields[i].ID == id {
			return &f.Fields[i]
		}
	}
	return nil
}

// ASCIIOnly reports whether a text field's pattern admits only ASCII (a
// certificate or account number): the terminal types it on letter and
// digit keys rather than by pinyin.
func (fl *Field) ASCIIOnly() bool {
	// A Unicode class or "." could admit Chinese: those go to pinyin.
	if fl.Type != TypeText || fl.Pattern == "" || strings.ContainsAny(fl.Pattern, ".") ||
		strings.Contains(fl.Pattern, `\p`) || strings.Contains(fl.Pattern, `\P`) {
		return false
	}
	for _, r := range fl.Pattern {
		if r >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Prefill returns the values the ID card gives the form: card maps card
// fields (CardName, ...) to the card's values.
func (f *Form) Prefill(card map[string]string) map[string]string {
	values := make(map[string]string)
	for _, fl := range f.Fields {
		if v := card[fl.FromCard]; fl.FromCard != "" && v != "" {
			values[fl.ID] = v
		}
	}
	return values
}

var (
	rePhone = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)
	reDate  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// Validate checks one value, as entered: surrounding spaces do not count
// (the screen stores values trimmed). It returns nil when the value is
// acceptable.
func (fl *Field) Validate(value string, today time.Time) *FieldError {
	v := strings.TrimSpace(value)
	fail := func(key string, args map[string]any) *FieldError {
		return &FieldError{Field: fl.ID, Key: key, Args: args}
	}
	if v == "" {
		if fl.Required {
			return fail(MsgRequired, nil)
		}
		return nil
	}
	if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
		return fail(MsgInvalidChars, nil)
	}
	switch fl.Type {
	case TypeText:
		if utf8.RuneCountInString(v) > fl.MaxLen {
			return fail(MsgTooLong, map[string]any{"Max": fl.MaxLen})
		}
		if fl.Pattern != "" && !fl.matches(v) {
			return fail(MsgPattern, nil)
		}
	case TypePhone:
		if !rePhone.MatchString(v) {
			return fail(MsgPhone, nil)
		}
	case TypeNumber:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fail(MsgNumber, nil)
		}
		if fl.Min != nil && n < *fl.Min {
			return fail(MsgTooSmall, map[string]any{"Min": *fl.Min})
		}
		if fl.Max != nil && n > *fl.Max {
			return fail(MsgTooLarge, map[string]any{"Max": *fl.Max})
		}
	case TypeDate:
		d, err := time.Parse(time.DateOnly, v)
		if err != nil || !reDate.MatchString(v) {
			return fail(MsgDate, nil)
		}
		y, m, day := today.Date()
		t := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
		if fl.DateRange == Past && d.After(t) {
			return fail(MsgDateAfterToday, nil)
		}
		if fl.DateRange == Future && d.Before(t) {
			return fail(MsgDateBeforeToday, nil)
		}
	case TypeChoice:
		if !slices.ContainsFunc(fl.Options, func(o Option) bool { return o.Value == v }) {
			return fail(MsgChoice, nil)
		}
	case TypeIDNumber:
		if !ValidIDNumber(v) {
			return fail(MsgIDNumber, nil)
		}
	default:
		// A field Parse did not check; nothing entered in it can be trusted.
		return fail(MsgPattern, nil)
	}
	return nil
}

// matches reports whether v matches the field's pattern. Parse compiled
// it; a Field made by hand has it compiled here, and a pattern that does
// not compile matches nothing.
func (fl *Field) matches(v string) bool {
	re := fl.re
	if re == nil {
		var err error
		if re, err = compilePattern(fl.Pattern); err != nil {
			return false
		}
	}
	return re.MatchString(v)
}

// compilePattern anchors a pattern so it must match the whole value.
func compilePattern(p string) (*regexp.Regexp, error) {
	return regexp.Compile(`^(?:` + p + `)$`)
}

// ValidIDNumber reports whether s is an identity number of a card the
// terminal reads: the 18-character number of GB 11643 with a correct check
// character and birth date, or the 2017 foreign permanent resident card's
// 15-character permit number.
func ValidIDNumber(s string) bool { return idnumber.ValidAny(s) }

// check applies the form's rules.
func (f *Form) check() error {
	if len(f.Fields) == 0 || len(f.Fields) > maxFields {
		return fmt.Errorf("form: %d fields, want 1 to %d", len(f.Fields), maxFields)
	}
	ids := make(map[string]bool, len(f.Fields))
	for i := range f.Fields {
		fl := &f.Fields[i]
		if !reID.MatchString(fl.ID) {
			return fmt.Errorf("form: field #%d: id %q is not lowercase letters, digits and _", i+1, fl.ID)
		}
		if ids[fl.ID] {
			return fmt.Errorf("field %s: id used twice in the form", fl.ID)
		}
		ids[fl.ID] = true
		if err := fl.check(); err != nil {
			return fmt.Errorf("field %s: %w", fl.ID, err)
		}
	}
	return nil
}

// fieldRules says which validation properties each type takes; a property
// set on a type that ignores it is refused, since it would promise a check
// that never runs.
var fieldRules = map[string][]string{
	TypeText:     {"max_len", "pattern"},
	TypePhone:    nil,
	TypeNumber:   {"min", "max"},
	TypeDate:     {"date_range"},
	TypeChoice:   {"options"},
	TypeIDNumber: nil,
}

func (fl *Field) check() error {
	if err := checkText("label", fl.Label, true, maxNameRunes); err != nil {
		return err
	}
	if err := checkText("hint", fl.Hint, false, maxTextRunes); err != nil {
		return err
	}
	allowed, ok := fieldRules[fl.Type]
	if !ok {
		return fmt.Errorf("type %q is not text, phone, number, date, choice or idnumber", fl.Type)
	}
	for _, p := range []struct {
		name string
		set  bool
	}{
		{"max_len", fl.MaxLen != 0}, {"pattern", fl.Pattern != ""}, {"min", fl.Min != nil},
		{"max", fl.Max != nil}, {"date_range", fl.DateRange != ""}, {"options", fl.Options != nil},
	} {
		if p.set && !slices.Contains(allowed, p.name) {
			return fmt.Errorf("%s does not apply to a %s field", p.name, fl.Type)
		}
	}
	switch fl.Type {
	case TypeText:
		if fl.MaxLen < 1 || fl.MaxLen > maxTextLen {
			return fmt.Errorf("max_len %d outside 1–%d (a text field needs one)", fl.MaxLen, maxTextLen)
		}
		if fl.Pattern != "" {
			if len(fl.Pattern) > maxPattern {
				return fmt.Errorf("pattern: %d bytes, over %d", len(fl.Pattern), maxPattern)
			}
			re, err := compilePattern(fl.Pattern)
			if err != nil {
				return fmt.Errorf("pattern: %w", err)
			}
			fl.re = re
		}
	case TypeNumber:
		if fl.Min == nil || fl.Max == nil {
			return fmt.Errorf("a number field needs min and max")
		}
		if *fl.Min > *fl.Max {
			return fmt.Errorf("min %d above max %d", *fl.Min, *fl.Max)
		}
	case TypeDate:
		if fl.DateRange != "" && fl.DateRange != Past && fl.DateRange != Future {
			return fmt.Errorf("date_range %q is not %q, %q or empty", fl.DateRange, Past, Future)
		}
	case TypeChoice:
		if len(fl.Options) < 2 || len(fl.Options) > maxOptions {
			return fmt.Errorf("options: %d, a choice needs 2 to %d", len(fl.Options), maxOptions)
		}
		values := make(map[string]bool, len(fl.Options))
		for i, o := range fl.Options {
			if !reOption.MatchString(o.Value) {
				return fmt.Errorf("options[%d]: value %q is not lowercase letters, digits and _", i, o.Value)
			}
			if values[o.Value] {
				return fmt.Errorf("options[%d]: value %q twice", i, o.Value)
			}
			values[o.Value] = true
			if err := checkText(fmt.Sprintf("options[%d] (%s): label", i, o.Value), o.Label, true, maxNameRunes); err != nil {
				return err
			}
		}
	}
	if fl.SuggestFromCard != "" {
		switch {
		case fl.FromCard != "":
			return fmt.Errorf("suggest_from_card and from_card together: the card already fills it")
		case fl.Type != TypeText || cardFieldTypes[fl.SuggestFromCard] != TypeText:
			return fmt.Errorf("suggest_from_card %q: only a text card field (name, nation, address) can suggest a text field", fl.SuggestFromCard)
		}
	}
	if fl.FromCard != "" {
		want, ok := cardFieldTypes[fl.FromCard]
		if !ok {
			return fmt.Errorf("from_card %q is not a card field (name, gender, nation, birth, address, id_number)", fl.FromCard)
		}
		if fl.Type != want {
			return fmt.Errorf("from_card %q fills a %s field, not %s", fl.FromCard, want, fl.Type)
		}
		if fl.FromCard == CardGender {
			for _, g := range []string{"male", "female"} {
				if !slices.ContainsFunc(fl.Options, func(o Option) bool { return o.Value == g }) {
					return fmt.Errorf("from_card %q needs an option %q", CardGender, g)
				}
			}
		}
	}
	return nil
}
