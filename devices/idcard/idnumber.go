package idcard

import "github.com/yizhan-kiosk/yizhan/devices/idcard/idnumber"

// The 18-character citizen identification number of GB 11643: six digits of
// region, eight of birth date, three of sequence (odd for men), and a check
// character by ISO 7064 MOD 11-2.

// IDCheckChar returns the check character for the first 17 digits of an ID
// number, or 0 if they are not 17 digits.
func IDCheckChar(first17 string) byte { return idnumber.CheckChar(first17) }

// ValidIDNumber reports whether s is a well-formed ID number.
func ValidIDNumber(s string) bool { return idnumber.Valid(s) }

// checkIDNumber checks the number and that it agrees with the card's birth
// date and gender: a disagreement means the read is damaged.
func checkIDNumber(id string, birth Date, g Gender) error {
	if !ValidIDNumber(id) {
		return damaged("ID number fails its check character")
	}
	if id[6:14] != birthDigits(birth) {
		return damaged("ID number's birth date differs from the card's")
	}
	odd := (id[16]-'0')%2 == 1
	if (g == Male && !odd) || (g == Female && odd) {
		return damaged("ID number's sequence digit disagrees with the gender")
	}
	return nil
}

func birthDigits(d Date) string {
	b := []byte(d.String()) // YYYY-MM-DD
	return string(b[0:4]) + string(b[5:7]) + string(b[8:10])
}
