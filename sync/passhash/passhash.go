// Package passhash keeps secrets people type — a technician's PIN on a
// terminal, a staff member's password at the district — as argon2id
// hashes in the PHC string format argon2's reference tools write:
//
//	$argon2id$v=19$m=65536,t=3,p=2$SALT$HASH   (base64, unpadded)
//
// The costs travel with each hash, so raising them later leaves the hashes
// already made verifying. Parse bounds the costs a stored hash may ask
// for, so a damaged or planted one cannot make its reader allocate
// gigabytes or spin for minutes.
package passhash

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// Default follows RFC 9106's second recommendation (64 MiB, 3 passes),
// with two lanes: the terminals have two cores.
var Default = Params{Memory: 64 * 1024, Time: 3, Threads: 2}

const (
	saltLen = 16
	hashLen = 32
)

// Bounds on what a stored hash may ask of Verify.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 16
	maxThreads = 16
)

// Hash is a secret's argon2id hash.
type Hash struct {
	p    Params
	salt []byte
	hash []byte
}

// New hashes secret with a fresh random salt at the costs p.
func New(secret string, p Params) (Hash, error) {
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return Hash{}, fmt.Errorf("passhash: salt: %w", err)
	}
	h := Hash{p: p, salt: salt}
	h.hash = h.derive(secret)
	return h, nil
}

// Params returns the costs the hash was made with.
func (h Hash) Params() Params { return h.p }

// Verify reports whether secret is the one hashed. The comparison takes
// the same time wherever the hashes differ.
func (h Hash) Verify(secret string) bool {
	if len(h.hash) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(h.derive(secret), h.hash) == 1
}

func (h Hash) derive(secret string) []byte {
	return argon2.IDKey([]byte(secret), h.salt, h.p.Time, h.p.Memory, h.p.Threads, hashLen)
}

// String writes the hash in the PHC string format.
func (h Hash) String() string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.p.Memory, h.p.Time, h.p.Threads, b64.EncodeToString(h.salt), b64.EncodeToString(h.hash))
}

// Parse reads a hash String wrote, refusing costs outside the bounds.
func Parse(s string) (Hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Hash{}, errors.New("not an argon2id hash ($argon2id$v=19$m=…,t=…,p=…$SALT$HASH)")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Hash{}, fmt.Errorf("argon2 version %q, want v=%d", parts[2], argon2.Version)
	}
	var h Hash
	for _, kv := range strings.Split(parts[3], ",") {
		name, value, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return Hash{}, fmt.Errorf("argon2 parameter %q malformed", kv)
		}
		switch name {
		case "m":
			h.p.Memory = uint32(n)
		case "t":
			h.p.Time = uint32(n)
		case "p":
			if n > maxThreads {
				return Hash{}, fmt.Errorf("argon2 parameter %q out of range", kv)
			}
			h.p.Threads = uint8(n)
		default:
			return Hash{}, fmt.Errorf("argon2 parameter %q unknown", kv)
		}
	}
	switch {
	case h.p.Threads == 0 || h.p.Time == 0 || h.p.Time > maxTime:
		return Hash{}, fmt.Errorf("argon2 parameters %q out of range", parts[3])
	case h.p.Memory < 8*uint32(h.p.Threads) || h.p.Memory > maxMemory:
		return Hash{}, fmt.Errorf("argon2 parameters %q out of range", parts[3])
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return Hash{}, errors.New("argon2 salt malformed")
	}
	if h.hash, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.hash) != hashLen {
		return Hash{}, errors.New("argon2 hash malformed")
	}
	return h, nil
}
