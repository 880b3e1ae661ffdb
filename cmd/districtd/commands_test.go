package main

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command/commandtest"
)

func TestMain(m *testing.M) {
	commandtest.Main(main)
	os.Exit(m.Run())
}

// Every command answers -h and --help with its own flags and exits 0; no
// command or an unknown one lists them and exits 2.
func TestEveryCommandAnswersHelp(t *testing.T) {
	commandtest.Check(t, program(io.Discard, io.Discard))
}

// The manual page lists every command and exactly its flags.
func TestManualPage(t *testing.T) {
	commandtest.CheckManual(t, program(io.Discard, io.Discard), "../../docs/man/districtd.1.md")
}

// A host name without its --host is refused with the fix, not ignored.
func TestServeRefusesAHostWithoutItsFlag(t *testing.T) {
	err := run([]string{"serve", "--data", t.TempDir(), "--host", "a.example", "10.0.0.5"}, io.Discard, io.Discard)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "--host") || !strings.Contains(err.Error(), "10.0.0.5") {
		t.Fatalf("serve with a bare host: %v", err)
	}
}
