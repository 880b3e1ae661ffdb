package idcard

// The 18-character citizen identification number of GB 11643: six digits of
// region, eight of birth date, three of sequence (odd for men), and a check
// character by ISO 7064 MOD 11-2.

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDCheckChar returns the check character for the first 17 digits of an ID
// number, or 0 if they are not 17 digits.
func IDCheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// ValidIDNumber reports whether s is 18 characters with a correct check
// character.
func ValidIDNumber(s string) bool {
	return len(s) == 18 && IDCheckChar(s[:17]) != 0 && IDCheckChar(s[:17]) == s[17]
}

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
