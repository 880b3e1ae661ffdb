package scanner

import (
	"encoding/binary"
	"slices"
	"testing"
)

// keys is the input_events a wedge sends typing s and Enter, with shift
// pressed and let go around capitals and symbols, as real ones do.
func keys(s string) []byte {
	codeOf := map[byte]struct {
		code  uint16
		shift bool
	}{}
	for code, ch := range usKeys {
		if code >= 55 && code != 57 { // the keypad: the main keys type these
			continue
		}
		if _, ok := codeOf[ch[0]]; !ok {
			codeOf[ch[0]] = struct {
				code  uint16
				shift bool
			}{code, false}
		}
		if _, ok := codeOf[ch[1]]; !ok {
			codeOf[ch[1]] = struct {
				code  uint16
				shift bool
			}{code, true}
		}
	}
	var out []byte
	ev := func(typ, code uint16, value int32) {
		var e [eventSize]byte
		binary.LittleEndian.PutUint16(e[16:], typ)
		binary.LittleEndian.PutUint16(e[18:], code)
		binary.LittleEndian.PutUint32(e[20:], uint32(value))
		out = append(out, e[:]...)
	}
	for i := 0; i < len(s); i++ {
		k := codeOf[s[i]]
		if k.shift {
			ev(evKey, keyLShift, 1)
		}
		ev(evKey, k.code, 1)
		ev(0, 0, 0) // SYN_REPORT between, as the kernel sends
		ev(evKey, k.code, 0)
		if k.shift {
			ev(evKey, keyLShift, 0)
		}
	}
	ev(evKey, keyEnter, 1)
	ev(evKey, keyEnter, 0)
	return out
}

func TestKeyboardTypesWhatTheWedgeScanned(t *testing.T) {
	code := `https://zwfw.example.gov.cn/r?n=20261207-0001&s=AbZ_~!@#$%^*()+{}|:"<>?`
	var k Keyboard
	var f Framer
	stream := keys(code)
	// Read in odd-sized pieces: events may be cut across reads.
	var typed []byte
	for i := 0; i < len(stream); i += 7 * eventSize {
		typed = append(typed, k.Events(stream[i:min(i+7*eventSize, len(stream))])...)
	}
	codes, errs := split(f.Feed(typed))
	if len(errs) > 0 || !slices.Equal(codes, []string{code}) {
		t.Fatalf("codes %q, errors %v", codes, errs)
	}
}

func TestCapsLockAndKeypad(t *testing.T) {
	var k Keyboard
	var out []byte
	ev := func(code uint16, value int32) {
		var e [eventSize]byte
		binary.LittleEndian.PutUint16(e[16:], evKey)
		binary.LittleEndian.PutUint16(e[18:], code)
		binary.LittleEndian.PutUint32(e[20:], uint32(value))
		out = append(out, k.Events(e[:])...)
	}
	ev(keyCapsLock, 1)
	ev(keyCapsLock, 0)
	ev(30, 1) // a, caps on: A
	ev(keyLShift, 1)
	ev(30, 1) // shift with caps: a
	ev(keyLShift, 0)
	ev(keyCapsLock, 1)
	ev(79, 1) // keypad 1
	ev(83, 1) // keypad .
	ev(30, 2) // a held: repeats
	ev(keyKPEnter, 1)
	if string(out) != "Aa1.a\r" {
		t.Errorf("typed %q", out)
	}
}

func FuzzKeyboard(f *testing.F) {
	f.Add(keys("AB-12"))
	f.Fuzz(func(t *testing.T, events []byte) {
		var k Keyboard
		for _, b := range k.Events(events) {
			if b != '\r' && (b < 0x20 || b > 0x7e) {
				t.Fatalf("typed 0x%02x", b)
			}
		}
	})
}
