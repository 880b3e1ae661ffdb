package release

import "strings"

// CompareVersions orders two Debian versions as dpkg does
// ([epoch:]upstream[-revision]; deb-version(7)): negative when a comes
// before b. The repository holds only versions dpkg accepted.
func CompareVersions(a, b string) int {
	split := func(v string) (epoch int, upstream, revision string) {
		if e, rest, ok := strings.Cut(v, ":"); ok {
			for _, c := range e {
				if c < '0' || c > '9' {
					break
				}
				epoch = epoch*10 + int(c-'0')
			}
			v = rest
		}
		if i := strings.LastIndexByte(v, '-'); i >= 0 {
			return epoch, v[:i], v[i+1:]
		}
		return epoch, v, ""
	}
	ea, ua, ra := split(a)
	eb, ub, rb := split(b)
	if ea != eb {
		return ea - eb
	}
	if c := compareVersionPart(ua, ub); c != 0 {
		return c
	}
	return compareVersionPart(ra, rb)
}

// compareVersionPart is dpkg's verrevcmp: runs of non-digits compared
// character by character (~ before the end, the end before a letter, a
// letter before anything else), then runs of digits by their value.
func compareVersionPart(a, b string) int {
	isDigit := func(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }
	order := func(s string, i int) int {
		switch {
		case i >= len(s) || isDigit(s, i):
			return 0
		case s[i] == '~':
			return -1
		case s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z':
			return int(s[i])
		default:
			return int(s[i]) + 256
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isDigit(a, i) || j < len(b) && !isDigit(b, j) {
			if oa, ob := order(a, i), order(b, j); oa != ob {
				return oa - ob
			}
			i, j = i+1, j+1
		}
		for i < len(a) && a[i] == '0' {
			i++
		}
		for j < len(b) && b[j] == '0' {
			j++
		}
		first := 0
		for isDigit(a, i) && isDigit(b, j) {
			if first == 0 {
				first = int(a[i]) - int(b[j])
			}
			i, j = i+1, j+1
		}
		switch {
		case isDigit(a, i):
			return 1
		case isDigit(b, j):
			return -1
		case first != 0:
			return first
		}
	}
	return 0
}
