package maintenance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/passhash"
)

func TestValidatePIN(t *testing.T) {
	for _, pin := range []string{"470215", "135790", "112233", "000001", "123457", "482910375562"} {
		if err := ValidatePIN(pin); err != nil {
			t.Errorf("%q refused: %v", pin, err)
		}
	}
	for pin, why := range map[string]string{
		"":              "6 to 12 digits",
		"12345":         "6 to 12 digits",
		"4702159931234": "6 to 12 digits",
		"47021a":        "6 to 12 digits",
		"４７０２１５":        "6 to 12 digits", // full-width digits are not digits here
		" 470215":       "6 to 12 digits",
		"000000":        "one digit repeated",
		"777777777777":  "one digit repeated",
		"123456":        "run",
		"0123456789":    "run",
		"987654":        "run",
		"890123":        "run", // a run that wraps from 9 to 0
		"210987":        "run",
	} {
		err := ValidatePIN(pin)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%q: err = %v, want one saying %q", pin, err, why)
		}
	}
}

func TestSetPINStoresOnlyAHash(t *testing.T) {
	path := PINPath(t.TempDir())
	if err := SetPIN(path, testPIN); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	text := string(data)
	if !strings.HasPrefix(text, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Count(text, "$") != 5 || !strings.HasSuffix(text, "\n") {
		t.Errorf("file holds %q, want $argon2id$v=19$m=64,t=1,p=1$SALT$HASH", text)
	}
	if strings.Contains(text, testPIN) {
		t.Error("the PIN is in its file")
	}
	h, err := LoadPIN(path)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Verify(testPIN) {
		t.Error("the PIN set does not verify")
	}
	for _, wrong := range []string{"470216", "", "4702150", "47021"} {
		if h.Verify(wrong) {
			t.Errorf("%q verifies", wrong)
		}
	}
	// No temporary file is left beside it.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want technician.pin alone", len(entries))
	}
}

func TestSetPINSaltsEachTime(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	if err := SetPIN(a, testPIN); err != nil {
		t.Fatal(err)
	}
	if err := SetPIN(b, testPIN); err != nil {
		t.Fatal(err)
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if string(da) == string(db) {
		t.Error("the same PIN gave the same file twice: no salt")
	}
}

func TestSetPINRefusesWeakPINs(t *testing.T) {
	path := PINPath(t.TempDir())
	for _, pin := range []string{"123456", "111111", "12345", "abcdef"} {
		if err := SetPIN(path, pin); err == nil {
			t.Errorf("%q accepted", pin)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused PIN left a file: %v", err)
	}
}

// A file keeps verifying after the costs change: they travel with the
// hash (the format itself: sync/passhash).
func TestPINFileCarriesItsParameters(t *testing.T) {
	path := PINPath(t.TempDir())
	if err := SetPIN(path, testPIN); err != nil {
		t.Fatal(err)
	}
	saved := argonParams
	argonParams = passhash.Params{Memory: 128, Time: 2, Threads: 2}
	defer func() { argonParams = saved }()
	h2, err := LoadPIN(path)
	if err != nil || !h2.Verify(testPIN) {
		t.Fatalf("a PIN set with other costs does not verify: %v", err)
	}
	if data, _ := os.ReadFile(path); !strings.HasPrefix(string(data), "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("the file holds %q", data)
	}
}

func TestLoadPINWithoutFile(t *testing.T) {
	_, err := LoadPIN(PINPath(t.TempDir()))
	if !errors.Is(err, ErrNoPIN) {
		t.Fatalf("err = %v, want ErrNoPIN", err)
	}
	if !strings.Contains(err.Error(), "kioskctl pin set") {
		t.Errorf("%q does not say how to set a PIN", err)
	}
}

func TestLoadPINRefusesFilesOthersCanRead(t *testing.T) {
	path := PINPath(t.TempDir())
	if err := SetPIN(path, testPIN); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644, 0o620, 0o602, 0o660, 0o666} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, err := LoadPIN(path)
		if err == nil {
			t.Errorf("mode %04o: loaded", mode)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, path) || !strings.Contains(msg, "readable by its owner only") || !strings.HasPrefix(msg, "maintenance: read pin: ") {
			t.Errorf("mode %04o: unclear error %q", mode, msg)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		os.Chmod(path, mode)
		if _, err := LoadPIN(path); err != nil {
			t.Errorf("mode %04o refused: %v", mode, err)
		}
	}
}

func TestLoadPINRefusesDamagedFiles(t *testing.T) {
	good := "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + strings.Repeat("A", 43)
	if _, err := passhash.Parse(good); err != nil {
		t.Fatalf("the good line does not parse: %v", err)
	}
	for name, content := range map[string]string{
		"empty":          "",
		"plain PIN":      testPIN,
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"version":        strings.Replace(good, "v=19", "v=16", 1),
		"truncated":      good[:40],
		"extra field":    good + "$x",
		"no parameters":  strings.Replace(good, "m=64,t=1,p=1", "", 1),
		"unknown param":  strings.Replace(good, "p=1", "p=1,k=2", 1),
		"zero passes":    strings.Replace(good, "t=1", "t=0", 1),
		"4 GiB":          strings.Replace(good, "m=64", "m=4194304", 1),
		"too many lanes": strings.Replace(good, "p=1", "p=255", 1),
		"bad salt":       strings.Replace(good, "c2FsdHNhbHRzYWx0c2FsdA", "!!!", 1),
		"short hash":     strings.TrimSuffix(good, "AAAAAAAAAA"),
		"binary":         "\x00\x01\x02$argon2id",
	} {
		path := PINPath(t.TempDir())
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadPIN(path)
		if err == nil {
			t.Errorf("%s: loaded", name)
			continue
		}
		if !strings.Contains(err.Error(), "kioskctl pin set") || errors.Is(err, ErrNoPIN) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestLoadPINRefusesAFolder(t *testing.T) {
	path := PINPath(t.TempDir())
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPIN(path); err == nil {
		t.Fatal("a folder loaded as a PIN")
	}
}

// Run as root (sudo kioskctl pin set), the file goes to the owner of the
// data folder, the service user that reads it.
func TestSetPINAsRootGivesTheFileToTheFolderOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	if err := os.Chown(dir, 4321, 4322); err != nil {
		t.Fatal(err)
	}
	path := PINPath(dir)
	if err := SetPIN(path, testPIN); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := info.Sys().(*syscall.Stat_t)
	if st.Uid != 4321 || st.Gid != 4322 || info.Mode().Perm() != 0o600 {
		t.Errorf("owner %d:%d mode %04o, want 4321:4322 0600", st.Uid, st.Gid, info.Mode().Perm())
	}
}
