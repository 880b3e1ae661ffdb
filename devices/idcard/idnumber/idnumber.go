// Package idnumber checks the identity numbers the terminal's cards carry:
// the 18-character citizen identification number of GB 11643 — six
// digits of region, eight of birth date, three of sequence (odd for men),
// and a check character by ISO 7064 MOD 11-2 — which the resident card,
// the Hong Kong/Macau/Taiwan residence permit and the 2023 foreign
// permanent resident card use, and the 15-character permit number of the
// 2017 foreign permanent resident card. It stands alone, without the card
// reader's drivers, so forms can use it.
package idnumber

import "time"

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const checkChars = "10X98765432"

// CheckChar returns the check character for the first 17 digits of an ID
// number, or 0 if they are not 17 digits.
func CheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// Valid reports whether s is 18 characters with a correct check character
// (an X may be typed in lower case) and a real birth date.
func Valid(s string) bool {
	if len(s) != 18 {
		return false
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	if c := CheckChar(s[:17]); c == 0 || c != last {
		return false
	}
	_, err := time.Parse("20060102", s[6:14])
	return err == nil
}

// ValidPermit2017 reports whether s is the permit number of the 2017
// foreign permanent resident card: 15 characters, the holder's three-letter
// nationality code and twelve digits (USA370119800101).
func ValidPermit2017(s string) bool {
	if len(s) != 15 {
		return false
	}
	for i := 0; i < 15; i++ {
		c := s[i]
		if i < 3 && (c < 'A' || c > 'Z') || i >= 3 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// ValidAny reports whether s is an identity number of any card the
// terminal reads: Valid or ValidPermit2017.
func ValidAny(s string) bool { return Valid(s) || ValidPermit2017(s) }
