package main

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command/commandtest"
)

// Every command answers -h and --help with its own flags and exits 0; no
// command or an unknown one lists them and exits 2.
func TestEveryCommandAnswersHelp(t *testing.T) {
	commandtest.Check(t, program(nil, io.Discard, io.Discard))
}

// kioskctl's commands take flags only: a stray word is a usage error, and
// runs nothing.
func TestEveryCommandRefusesWords(t *testing.T) {
	for _, c := range program(nil, io.Discard, io.Discard).Commands {
		args := append(strings.Fields(c.Name), "stray-word")
		err := run(args, strings.NewReader(""), io.Discard, io.Discard)
		if !errors.Is(err, errUsage) {
			t.Errorf("kioskctl %s: %v", strings.Join(args, " "), err)
		}
	}
}

// The manual page lists every command and exactly its flags.
func TestManualPage(t *testing.T) {
	commandtest.CheckManual(t, program(nil, io.Discard, io.Discard), "../../docs/man/kioskctl.1.md")
}
