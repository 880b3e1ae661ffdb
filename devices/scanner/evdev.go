package scanner

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// evdev's input_event on 64-bit Linux: a timeval (two 64-bit words), then
// type, code (16 bits each) and value (32 bits), little-endian.
const eventSize = 24

// Event types and the keys the framing needs.
const (
	evKey       = 0x01
	keyEnter    = 28
	keyKPEnter  = 96
	keyLShift   = 42
	keyRShift   = 54
	keyCapsLock = 58
)

// usKeys is what each key types on the US layout kiosk scanners emulate,
// without and with shift. Keys not here (function keys, arrows) type
// nothing.
var usKeys = map[uint16][2]byte{
	2: {'1', '!'}, 3: {'2', '@'}, 4: {'3', '#'}, 5: {'4', '$'}, 6: {'5', '%'},
	7: {'6', '^'}, 8: {'7', '&'}, 9: {'8', '*'}, 10: {'9', '('}, 11: {'0', ')'},
	12: {'-', '_'}, 13: {'=', '+'},
	16: {'q', 'Q'}, 17: {'w', 'W'}, 18: {'e', 'E'}, 19: {'r', 'R'}, 20: {'t', 'T'},
	21: {'y', 'Y'}, 22: {'u', 'U'}, 23: {'i', 'I'}, 24: {'o', 'O'}, 25: {'p', 'P'},
	26: {'[', '{'}, 27: {']', '}'},
	30: {'a', 'A'}, 31: {'s', 'S'}, 32: {'d', 'D'}, 33: {'f', 'F'}, 34: {'g', 'G'},
	35: {'h', 'H'}, 36: {'j', 'J'}, 37: {'k', 'K'}, 38: {'l', 'L'},
	39: {';', ':'}, 40: {'\'', '"'}, 41: {'`', '~'}, 43: {'\\', '|'},
	44: {'z', 'Z'}, 45: {'x', 'X'}, 46: {'c', 'C'}, 47: {'v', 'V'}, 48: {'b', 'B'},
	49: {'n', 'N'}, 50: {'m', 'M'},
	51: {',', '<'}, 52: {'.', '>'}, 53: {'/', '?'}, 57: {' ', ' '},
	// The keypad, which some scanners type digits on.
	55: {'*', '*'}, 71: {'7', '7'}, 72: {'8', '8'}, 73: {'9', '9'}, 74: {'-', '-'},
	75: {'4', '4'}, 76: {'5', '5'}, 77: {'6', '6'}, 78: {'+', '+'},
	79: {'1', '1'}, 80: {'2', '2'}, 81: {'3', '3'}, 82: {'0', '0'}, 83: {'.', '.'}, 98: {'/', '/'},
}

// Keyboard turns a keyboard wedge's key events into the bytes it types:
// Enter is a CR, for the Framer. The zero value is ready.
type Keyboard struct {
	shift [2]bool // left, right
	caps  bool
}

// Events decodes whole input_events from p (len(p) a multiple of
// eventSize; a rest is ignored) and returns what they typed.
func (k *Keyboard) Events(p []byte) []byte {
	var out []byte
	for ; len(p) >= eventSize; p = p[eventSize:] {
		typ := binary.LittleEndian.Uint16(p[16:])
		code := binary.LittleEndian.Uint16(p[18:])
		value := int32(binary.LittleEndian.Uint32(p[20:]))
		if typ != evKey {
			continue
		}
		down := value == 1 || value == 2 // pressed, or held and repeating
		switch code {
		case keyLShift:
			k.shift[0] = value != 0
			continue
		case keyRShift:
			k.shift[1] = value != 0
			continue
		case keyCapsLock:
			if value == 1 {
				k.caps = !k.caps
			}
			continue
		}
		if !down {
			continue
		}
		if code == keyEnter || code == keyKPEnter {
			out = append(out, '\r')
			continue
		}
		ch, ok := usKeys[code]
		if !ok {
			continue
		}
		shifted := k.shift[0] || k.shift[1]
		if k.caps && ch[0] >= 'a' && ch[0] <= 'z' {
			shifted = !shifted
		}
		if shifted {
			out = append(out, ch[1])
		} else {
			out = append(out, ch[0])
		}
	}
	return out
}

// eviocgrab is EVIOCGRAB, _IOW('E', 0x90, int).
const eviocgrab = 0x40044590

// grab takes the device for this process alone: its keys reach no one
// else — not X, not the screens.
func grab(f *os.File) error {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), eviocgrab, uintptr(1))
	if errno != 0 {
		return fmt.Errorf("scanner: grab %s: %w", f.Name(), errno)
	}
	return nil
}

var errNotEvdev = errors.New("scanner: not an evdev device")

// evdevName reads the device's name (EVIOCGNAME), which also proves it is
// an evdev device.
func evdevName(f *os.File) (string, error) {
	var buf [256]byte
	// EVIOCGNAME(len) = _IOC(_IOC_READ, 'E', 0x06, len)
	req := uintptr(2<<30 | len(buf)<<16 | 'E'<<8 | 0x06)
	n, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(unsafe.Pointer(&buf[0])))
	if errno != 0 {
		return "", fmt.Errorf("%w: %s: %v", errNotEvdev, f.Name(), errno)
	}
	if int(n) > 0 && int(n) <= len(buf) {
		return string(buf[:n-1]), nil
	}
	return "", nil
}
