package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command"
	"github.com/yizhan-kiosk/yizhan/cmd/internal/command/commandtest"
)

// kiosk -h and --help print its flags and exit 0. Check runs the real
// binary, whose main would start the terminal (and print no usage) had
// the flags not stopped it; the table given here only lists the flags.
func TestAnswersHelp(t *testing.T) {
	commandtest.Check(t, program(nil))
}

func TestCommandLineReachesTheTerminal(t *testing.T) {
	var got flags
	p := program(func(f flags) error { got = f; return nil })
	if err := p.Run(strings.Fields("--demo --windowed --size 1080x1920 --lang en -v"), nil); err != nil {
		t.Fatal(err)
	}
	if want := (flags{demo: true, windowed: true, size: "1080x1920", lang: "en", verbose: true}); got != want {
		t.Fatalf("flags %+v, want %+v", got, want)
	}
	for _, bad := range [][]string{{"--demo", "stray"}, {"--lang", "fr"}, {"--windowed", "--size", "12"}} {
		got = flags{}
		if err := p.Run(bad, nil); !errors.Is(err, command.ErrUsage) || got != (flags{}) {
			t.Errorf("%q: %v (started: %v)", bad, err, got != flags{})
		}
	}
}

// The manual page lists every command and exactly its flags.
func TestManualPage(t *testing.T) {
	commandtest.CheckManual(t, program(nil), "../../docs/man/yizhan-kiosk.1.md")
}
