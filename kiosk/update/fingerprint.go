package update

import (
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
)

// Fingerprint is the OpenPGP (v4) fingerprint of the first public key in
// a binary key file, as gpg prints it: what a technician compares with the
// one districtd release init printed, to know the terminal pinned the
// district's key. RFC 4880, 12.2: SHA-1 over 0x99, the key packet's
// two-byte length and its body.
func Fingerprint(key []byte) (string, error) {
	if len(key) < 2 || key[0]&0x80 == 0 {
		return "", errors.New("update: key: not an OpenPGP packet")
	}
	var tag int
	var body []byte
	if key[0]&0x40 == 0 { // old format: tag in bits 5-2, length type in 1-0
		tag = int(key[0]>>2) & 0x0f
		rest := key[1:]
		var n int
		switch key[0] & 3 {
		case 0:
			n, rest = int(rest[0]), rest[1:]
		case 1:
			if len(rest) < 2 {
				return "", errors.New("update: key: packet cut short")
			}
			n, rest = int(binary.BigEndian.Uint16(rest)), rest[2:]
		case 2:
			if len(rest) < 4 {
				return "", errors.New("update: key: packet cut short")
			}
			n, rest = int(binary.BigEndian.Uint32(rest)), rest[4:]
		default:
			return "", errors.New("update: key: packet of no set length")
		}
		if n < 0 || n > len(rest) {
			return "", errors.New("update: key: packet cut short")
		}
		body = rest[:n]
	} else { // new format: tag in bits 5-0, then a length of 1, 2 or 5 bytes
		tag = int(key[0] & 0x3f)
		rest := key[1:]
		var n int
		switch first := int(rest[0]); {
		case first < 192:
			n, rest = first, rest[1:]
		case first < 224:
			if len(rest) < 2 {
				return "", errors.New("update: key: packet cut short")
			}
			n, rest = (first-192)<<8+int(rest[1])+192, rest[2:]
		case first == 255:
			if len(rest) < 5 {
				return "", errors.New("update: key: packet cut short")
			}
			n, rest = int(binary.BigEndian.Uint32(rest[1:])), rest[5:]
		default:
			return "", errors.New("update: key: partial-length packet")
		}
		if n < 0 || n > len(rest) {
			return "", errors.New("update: key: packet cut short")
		}
		body = rest[:n]
	}
	if tag != 6 {
		return "", fmt.Errorf("update: key: the first packet is of tag %d, not a public key (6)", tag)
	}
	if len(body) == 0 || body[0] != 4 {
		return "", errors.New("update: key: not a version 4 key")
	}
	if len(body) > 0xffff {
		return "", errors.New("update: key: packet too long")
	}
	h := sha1.New()
	h.Write([]byte{0x99, byte(len(body) >> 8), byte(len(body))})
	h.Write(body)
	return fmt.Sprintf("%X", h.Sum(nil)), nil
}
