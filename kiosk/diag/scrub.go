package diag

import (
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The bundle's scrubber (Scrub). The kiosk never logs a resident's
// name, ID number or phone number; the scrubber is the second line, for a
// log line that slipped through (a library's error quoting its input, a
// debug line). It masks more than it must rather than less:
//
//   - every run of text outside printable ASCII: the kiosk logs in English,
//     so Chinese text in a log line is a name, an address or a form field
//     until shown otherwise; invalid UTF-8 (a GB18030 name) goes with it;
//   - every run of 11 or more digits (mobile numbers, 18-character ID
//     numbers with their final X, card and account numbers), and the same
//     numbers written in groups (138 0013 8000, 110105 19491231 002X);
//   - escaped bytes and characters (\xd5\xc5, \u5f20, %E5%BC%A0): text
//     that was non-ASCII before it was quoted;
//   - long letter-and-digit strings: base64 and hex (photos, sealed parts,
//     keys), down to 12 characters when they mix upper case, lower case
//     and digits, as base64 of even a short name does;
//   - any shorter run of hex or base64 that decodes to text outside ASCII
//     (a two-character name is 12 hex digits or 8 base64 characters), and
//     Go's decimal dumps of bytes ([229 188 160]);
//   - numbers split by spaces, dots, slashes, dashes or underscores, in any
//     grouping, that hold 11 digits or more (a dotted IPv4 address stays).
const (
	maskText   = "[text]"
	maskNumber = "[number]"
	maskBytes  = "[bytes]"
	maskBlob   = "[blob]"
)

var (
	reGroupedPhone = regexp.MustCompile(`\b1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}\b`)
	reGroupedID    = regexp.MustCompile(`\b[0-9]{6}[ -][0-9]{8}[ -][0-9]{3}[0-9Xx]\b`)
	reEscapedBytes = regexp.MustCompile(`(\\x[0-9a-fA-F]{2})+|(%[0-9a-fA-F]{2}){2,}`)
	reEscapedChars = regexp.MustCompile(`(\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8})+`)
	reByteDump     = regexp.MustCompile(`\[(?:[0-9]{1,3}[ ,]+){2,}[0-9]{1,3}\]`)
	reSplitNumber  = regexp.MustCompile(`\b[0-9]+(?:[ ._/-][0-9]+)+(?:[Xx]\b|\b)`)
	reDottedQuad   = regexp.MustCompile(`^[0-9]{1,3}(?:\.[0-9]{1,3}){3}$`)
)

// Scrub masks, each line on its own, whatever in text could name a
// resident (the package comment says what, and why): every part of the
// bundle that is free text goes through it.
func Scrub(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = scrubLine(l)
	}
	return strings.Join(lines, "\n")
}

// scrubLine masks what could be personal in one line of text. A line
// break in it (an error quoting its input) is masked too, so that a field
// of a report or a line of the journal stays one line.
func scrubLine(line string) string {
	s := maskNonASCII(line)
	s = reEscapedChars.ReplaceAllString(s, maskText)
	s = reEscapedBytes.ReplaceAllString(s, maskBytes)
	s = reByteDump.ReplaceAllString(s, maskBytes)
	s = reGroupedID.ReplaceAllString(s, maskNumber)
	s = reGroupedPhone.ReplaceAllString(s, maskNumber)
	s = reSplitNumber.ReplaceAllStringFunc(s, maskSplitNumber)
	return maskTokens(s)
}

// maskSplitNumber masks a number written in groups when its digits make
// a long number (11 or more, or 17 and an X); a dotted IPv4 address, a
// date or a version stays.
func maskSplitNumber(m string) string {
	if reDottedQuad.MatchString(m) {
		return m
	}
	digits := 0
	for i := 0; i < len(m); i++ {
		if isDigit(m[i]) {
			digits++
		}
	}
	if digits >= 11 || digits == 17 && strings.ContainsAny(m, "Xx") {
		return maskNumber
	}
	return m
}

// encodesText reports whether run, as hex or as base64 (standard or URL,
// padded or not), decodes to UTF-8 text holding letters outside ASCII —
// a name or an address encoded rather than written.
func encodesText(run string) bool {
	var decoded [][]byte
	if len(run) >= 6 && len(run)%2 == 0 {
		if b, err := hex.DecodeString(run); err == nil {
			decoded = append(decoded, b)
		}
	}
	if len(run) >= 4 {
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(strings.TrimRight(run, "=")); err == nil {
				decoded = append(decoded, b)
			}
		}
	}
	for _, b := range decoded {
		if !utf8.Valid(b) {
			continue
		}
		for _, r := range string(b) {
			if r >= 0x80 && unicode.IsLetter(r) {
				return true
			}
		}
	}
	return false
}

// maskNonASCII replaces each run of runes outside printable ASCII (tabs
// kept), and each run of invalid bytes, with one mark.
func maskNonASCII(s string) string {
	var b strings.Builder
	inRun := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == '\t' || (r >= 0x20 && r < 0x7f) {
			b.WriteRune(r)
			inRun = false
			continue
		}
		if !inRun {
			b.WriteString(maskText)
			inRun = true
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isBase64Char(c byte) bool { return isAlnum(c) || c == '+' || c == '/' }

// maskTokens looks at each run of base64 characters: a long one mixing
// cases and digits is a blob and goes whole (a path has lower-case words
// between its slashes); in any other, each run of letters and digits is
// looked at on its own.
func maskTokens(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isBase64Char(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isBase64Char(s[j]) {
			j++
		}
		run := s[i:j]
		switch {
		case len(run) >= 32 && strings.ContainsAny(run, "+/") && mixed(run):
			b.WriteString(maskBlob)
		case encodesText(run):
			b.WriteString(maskBytes)
		default:
			b.WriteString(maskAlnumRuns(run))
		}
		i = j
	}
	return b.String()
}

// maskAlnumRuns masks each run of letters and digits in s that is a blob
// or holds a long number.
func maskAlnumRuns(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && isAlnum(s[j]) {
			j++
		}
		b.WriteString(maskToken(s[i:j]))
		i = j
	}
	return b.String()
}

// mixed reports a string with upper case, lower case and digits.
func mixed(s string) bool {
	var upper, lower, digit bool
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
			digit = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= 'a' && c <= 'z':
			lower = true
		}
	}
	return upper && lower && digit
}

func maskToken(t string) string {
	if looksLikeBlob(t) {
		return maskBlob
	}
	var b strings.Builder
	for i := 0; i < len(t); {
		if !isDigit(t[i]) {
			b.WriteByte(t[i])
			i++
			continue
		}
		j := i
		for j < len(t) && isDigit(t[j]) {
			j++
		}
		switch {
		case j-i == 17 && j < len(t) && (t[j] == 'X' || t[j] == 'x'):
			b.WriteString(maskNumber) // an ID number ending in X
			j++
		case j-i >= 11:
			b.WriteString(maskNumber)
		default:
			b.WriteString(t[i:j])
		}
		i = j
	}
	return b.String()
}

// looksLikeBlob reports a token that is most likely base64 or hex rather
// than a word or a number: random base64 of 12 characters almost always
// mixes all three kinds of character, of 24 at least both cases.
func looksLikeBlob(t string) bool {
	var upper, lower, digit, hex bool
	hex = true
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case isDigit(c):
			digit = true
		case c >= 'A' && c <= 'Z':
			upper = true
			hex = hex && c <= 'F'
		default:
			lower = true
			hex = hex && c <= 'f'
		}
	}
	switch {
	case len(t) >= 32 && hex && !(upper && lower):
		return true
	case len(t) >= 12 && upper && lower && digit:
		return true
	case len(t) >= 24 && upper && lower:
		return true
	case len(t) >= 40:
		return true
	}
	return false
}
