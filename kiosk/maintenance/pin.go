package maintenance

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/crypto/argon2"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// PINFile is the name of the technician PIN's file in the data folder.
const PINFile = "technician.pin"

// PINPath is where the technician PIN of the terminal with this data
// folder is kept.
func PINPath(dataDir string) string { return filepath.Join(dataDir, PINFile) }

// ErrNoPIN means no technician PIN has been set: maintenance cannot be
// entered until one is.
var ErrNoPIN = errors.New("no technician PIN is set: run `kioskctl pin set`")

// params are argon2id's cost parameters. The defaults follow RFC 9106's
// second recommendation (64 MiB, 3 passes) with one lane per core of the
// terminal. Tests lower them (argonParams) so they run fast; the file
// records the parameters, so a PIN set with any of them verifies.
type params struct {
	memory  uint32 // KiB
	time    uint32 // passes
	threads uint8
}

var argonParams = params{memory: 64 * 1024, time: 3, threads: 2}

const (
	saltLen = 16
	hashLen = 32
)

// Bounds on what a PIN file may ask of Verify, so a damaged file cannot
// make the terminal allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 16
	maxThreads = 16
)

// PIN is a technician PIN's argon2id hash as read from its file.
type PIN struct {
	p    params
	salt []byte
	hash []byte
}

// ValidatePIN says why pin cannot be a technician PIN, or nil. A PIN is
// 6 to 12 digits, not one digit repeated and not a run such as 123456 or
// 987654: those are the first guesses of anyone at the screen.
func ValidatePIN(pin string) error {
	if len(pin) < 6 || len(pin) > 12 {
		return errors.New("maintenance: the PIN must be 6 to 12 digits")
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] < '0' || pin[i] > '9' {
			return errors.New("maintenance: the PIN must be 6 to 12 digits")
		}
	}
	if strings.Count(pin, pin[:1]) == len(pin) {
		return errors.New("maintenance: the PIN must not be one digit repeated")
	}
	up, down := true, true
	for i := 1; i < len(pin); i++ {
		step := (int(pin[i]) - int(pin[i-1]) + 10) % 10 // 9→0 continues a run
		up = up && step == 1
		down = down && step == 9
	}
	if up || down {
		return errors.New("maintenance: the PIN must not be a run of digits such as 123456 or 987654")
	}
	return nil
}

// SetPIN checks pin and replaces the technician PIN at path with its
// hash: written whole or not at all (durable.WriteFile), readable by its
// owner only. Run as root (a technician's `sudo kioskctl pin set`), it
// gives the file the owner of its folder, the service user that must
// read it.
func SetPIN(path, pin string) error {
	if err := ValidatePIN(pin); err != nil {
		return err
	}
	salt := make([]byte, saltLen)
	if _, err := io.ReadFull(rand.Reader, salt); err != nil {
		return fmt.Errorf("maintenance: salt: %w", err)
	}
	h := PIN{p: argonParams, salt: salt}
	h.hash = h.derive(pin)
	if err := durable.WriteFile(path, []byte(h.encode()+"\n"), 0o600); err != nil {
		return fmt.Errorf("maintenance: write pin: %w", err)
	}
	if os.Geteuid() == 0 {
		if err := chownLikeFolder(path); err != nil {
			return fmt.Errorf("maintenance: write pin: %w", err)
		}
	}
	return nil
}

func chownLikeFolder(path string) error {
	info, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return os.Chown(path, int(st.Uid), int(st.Gid))
}

// LoadPIN reads the technician PIN's hash. It refuses a file that group
// or others may read or write: the hash of a 6-digit PIN falls to a
// search of a million candidates, so it is a secret of the service user
// alone. No file is ErrNoPIN.
func LoadPIN(path string) (*PIN, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("maintenance: read pin: %s: %w", path, ErrNoPIN)
	}
	if err != nil {
		return nil, fmt.Errorf("maintenance: read pin: %w", err)
	}
	defer f.Close()
	// The mode of the file opened, not of the name: nothing can swap the
	// file between the check and the read.
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("maintenance: read pin: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("maintenance: read pin: %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("maintenance: read pin: %s has mode %04o: a secret must be readable by its owner only; run `chmod 600 %s` or set the PIN again with `kioskctl pin set`", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 512))
	if err != nil {
		return nil, fmt.Errorf("maintenance: read pin: %w", err)
	}
	h, err := parsePIN(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("maintenance: read pin: %s: %w; set the PIN again with `kioskctl pin set`", path, err)
	}
	return h, nil
}

// Verify reports whether pin is the technician PIN. The comparison takes
// the same time wherever the hashes differ.
func (h *PIN) Verify(pin string) bool {
	return subtle.ConstantTimeCompare(h.derive(pin), h.hash) == 1
}

func (h *PIN) derive(pin string) []byte {
	return argon2.IDKey([]byte(pin), h.salt, h.p.time, h.p.memory, h.p.threads, hashLen)
}

// encode writes the hash in the PHC string format that argon2's reference
// tools use: $argon2id$v=19$m=65536,t=3,p=2$SALT$HASH, base64 unpadded.
// The parameters travel with the hash, so raising them later does not
// invalidate PINs already set.
func (h *PIN) encode() string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.p.memory, h.p.time, h.p.threads, b64.EncodeToString(h.salt), b64.EncodeToString(h.hash))
}

func parsePIN(s string) (*PIN, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return nil, errors.New("not an argon2id hash ($argon2id$v=19$m=…,t=…,p=…$SALT$HASH)")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, fmt.Errorf("argon2 version %q, want v=%d", parts[2], argon2.Version)
	}
	var h PIN
	for _, kv := range strings.Split(parts[3], ",") {
		name, value, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(value, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("argon2 parameter %q malformed", kv)
		}
		switch name {
		case "m":
			h.p.memory = uint32(n)
		case "t":
			h.p.time = uint32(n)
		case "p":
			if n > maxThreads {
				return nil, fmt.Errorf("argon2 parameter %q out of range", kv)
			}
			h.p.threads = uint8(n)
		default:
			return nil, fmt.Errorf("argon2 parameter %q unknown", kv)
		}
	}
	switch {
	case h.p.threads == 0 || h.p.time == 0 || h.p.time > maxTime:
		return nil, fmt.Errorf("argon2 parameters %q out of range", parts[3])
	case h.p.memory < 8*uint32(h.p.threads) || h.p.memory > maxMemory:
		return nil, fmt.Errorf("argon2 parameters %q out of range", parts[3])
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return nil, errors.New("argon2 salt malformed")
	}
	if h.hash, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.hash) != hashLen {
		return nil, errors.New("argon2 hash malformed")
	}
	return &h, nil
}
