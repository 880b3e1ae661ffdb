package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command"
	"github.com/yizhan-kiosk/yizhan/cmd/internal/command/commandtest"
)

// kiosk -h and --help print its flags and exit 0, starting nothing.
func TestAnswersHelp(t *testing.T) {
	commandtest.Check(t, program(func(flags) error {
		t.Fatal("the terminal started")
		return nil
	}))
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
	if err := p.Run([]string{"--demo", "stray"}, nil); !errors.Is(err, command.ErrUsage) {
		t.Fatalf("a stray word: %v", err)
	}
}

// The manual page lists every command and exactly its flags.
func TestManualPage(t *testing.T) {
	commandtest.CheckManual(t, program(func(flags) error {
		t.Fatal("the terminal started")
		return nil
	}), "../../docs/man/yizhan-kiosk.1.md")
}
