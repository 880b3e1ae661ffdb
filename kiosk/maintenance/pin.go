package maintenance

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/passhash"
)

// PINFile is the name of the technician PIN's file in the data folder.
const PINFile = "technician.pin"

// PINPath is where the technician PIN of the terminal with this data
// folder is kept.
func PINPath(dataDir string) string { return filepath.Join(dataDir, PINFile) }

// ErrNoPIN means no technician PIN has been set: maintenance cannot be
// entered until one is.
var ErrNoPIN = errors.New("no technician PIN is set: run `kioskctl pin set`")

// argonParams are the costs a new PIN is hashed at (passhash.Default).
// Tests lower them so they run fast; the file records the costs, so a PIN
// set with any of them verifies.
var argonParams = passhash.Default

// PIN is a technician PIN's argon2id hash as read from its file.
type PIN struct {
	h passhash.Hash
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
	h, err := passhash.New(pin, argonParams)
	if err != nil {
		return fmt.Errorf("maintenance: %w", err)
	}
	if err := durable.WriteFile(path, []byte(h.String()+"\n"), 0o600); err != nil {
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
	h, err := passhash.Parse(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("maintenance: read pin: %s: %w; set the PIN again with `kioskctl pin set`", path, err)
	}
	return &PIN{h: h}, nil
}

// Verify reports whether pin is the technician PIN. The comparison takes
// the same time wherever the hashes differ.
func (h *PIN) Verify(pin string) bool { return h.h.Verify(pin) }
