package main

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// The diagnostic bundle's scrubber. The kiosk never logs a resident's
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
//     and digits, as base64 of even a short name does.
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
)

// scrubText scrubs every line of text.
func scrubText(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = scrubLine(l)
	}
	return strings.Join(lines, "\n")
}

// scrubLine masks what could be personal in one line of text.
func scrubLine(line string) string {
	s := maskNonASCII(line)
	s = reEscapedChars.ReplaceAllString(s, maskText)
	s = reEscapedBytes.ReplaceAllString(s, maskBytes)
	s = reGroupedID.ReplaceAllString(s, maskNumber)
	s = reGroupedPhone.ReplaceAllString(s, maskNumber)
	return maskTokens(s)
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

func scrubIsDigit(c byte) bool { return c >= '0' && c <= '9' }

func scrubIsAlnum(c byte) bool {
	return scrubIsDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isBase64Char(c byte) bool { return scrubIsAlnum(c) || c == '+' || c == '/' }

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
		if len(run) >= 32 && strings.ContainsAny(run, "+/") && mixed(run) {
			b.WriteString(maskBlob)
		} else {
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
		if !scrubIsAlnum(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && scrubIsAlnum(s[j]) {
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
		case scrubIsDigit(c):
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
		if !scrubIsDigit(t[i]) {
			b.WriteByte(t[i])
			i++
			continue
		}
		j := i
		for j < len(t) && scrubIsDigit(t[j]) {
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
		case scrubIsDigit(c):
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
