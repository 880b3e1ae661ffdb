package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/yizhan-kiosk/yizhan/kiosk/maintenance"
)

func TestPinSetFromAPipe(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	err := run([]string{"pin", "set", "--data", dir}, strings.NewReader("470215\n470215\n"), &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v (stderr %q)", err, stderr.String())
	}
	path := filepath.Join(dir, "technician.pin")
	h, err := maintenance.LoadPIN(path)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Verify("470215") || h.Verify("470216") {
		t.Error("the PIN set does not verify as it should")
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %04o, want 0600", info.Mode().Perm())
	}
	if !strings.Contains(stdout.String(), "technician PIN set") {
		t.Errorf("stdout %q does not say it is done", stdout.String())
	}
	hash, _ := os.ReadFile(path)
	said := stdout.String() + stderr.String()
	for _, secret := range []string{"470215", strings.TrimSpace(string(hash)), "$argon2id"} {
		if strings.Contains(said, secret) {
			t.Errorf("output shows %q: %q", secret, said)
		}
	}

	// Setting it again replaces it; a last line without a newline counts.
	stdout.Reset()
	if err := run([]string{"pin", "set", "--data", dir}, strings.NewReader("8305174\n8305174"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	h, err = maintenance.LoadPIN(path)
	if err != nil || !h.Verify("8305174") || h.Verify("470215") {
		t.Errorf("the PIN was not replaced: %v", err)
	}
}

func TestPinSetRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, input string
		args        []string
		want        string
		usage       bool
	}{
		{"different PINs", "470215\n470216\n", nil, "differ", false},
		{"a run", "123456\n123456\n", nil, "run of digits", false},
		{"too short", "4702\n4702\n", nil, "6 to 12 digits", false},
		{"letters", "abcdefg\nabcdefg\n", nil, "6 to 12 digits", false},
		{"no second line", "470215\n", nil, "no PIN read", false},
		{"nothing", "", nil, "no PIN read", false},
		{"an argument", "470215\n470215\n", []string{"470215"}, "takes no arguments", true},
		{"a bad flag", "470215\n470215\n", []string{"--pin", "470215"}, "not defined", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{"pin", "set", "--data", dir}, tc.args...)
			err := run(args, strings.NewReader(tc.input), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			if errors.Is(err, errUsage) != tc.usage {
				t.Errorf("usage error %v, want %v", errors.Is(err, errUsage), tc.usage)
			}
			if _, err := os.Stat(filepath.Join(dir, "technician.pin")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused PIN left a file: %v", err)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q", stdout.String())
			}
		})
	}
	// A refused PIN is said at once, not after it was typed twice.
	var stderr bytes.Buffer
	run([]string{"pin", "set", "--data", t.TempDir()}, strings.NewReader("111111\n111111\n"), io.Discard, &stderr)
	if strings.Contains(stderr.String(), "again") {
		t.Errorf("asked for a refused PIN again: %q", stderr.String())
	}
}

func TestPinSetNeedsTheDataFolder(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-folder")
	err := run([]string{"pin", "set", "--data", missing}, strings.NewReader("470215\n470215\n"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Error("pin set made the data folder")
	}
}

// On a terminal the PIN is not echoed while it is typed, and the echo is
// back afterwards.
func TestPinSetDoesNotEchoOnATerminal(t *testing.T) {
	master, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	var echoed bytes.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&echoed, master) // ends with EIO once tty is closed
		close(copied)
	}()

	dir := t.TempDir()
	prompts := &watched{}
	var stdout bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- run([]string{"pin", "set", "--data", dir}, tty, &stdout, prompts) }()
	prompts.waitFor(t, "new technician PIN")
	master.Write([]byte("470215\n"))
	prompts.waitFor(t, "again")
	master.Write([]byte("470215\n"))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	master.Write([]byte("visible\n")) // echoed again now
	time.Sleep(50 * time.Millisecond)
	tty.Close()
	<-copied

	if strings.Contains(echoed.String(), "470215") {
		t.Errorf("the terminal echoed the PIN: %q", echoed.String())
	}
	if !strings.Contains(echoed.String(), "visible") {
		t.Errorf("echo not restored: the terminal showed %q", echoed.String())
	}
	if h, err := maintenance.LoadPIN(filepath.Join(dir, "technician.pin")); err != nil || !h.Verify("470215") {
		t.Errorf("PIN not set from the terminal: %v", err)
	}
}

// watched is a writer the test can wait on.
type watched struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *watched) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *watched) waitFor(t *testing.T, s string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		w.mu.Lock()
		found := strings.Contains(w.buf.String(), s)
		w.mu.Unlock()
		if found {
			return
		}
	}
	t.Fatalf("no %q on stderr", s)
}
