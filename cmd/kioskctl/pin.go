package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command"
	"github.com/yizhan-kiosk/yizhan/kiosk/maintenance"
)

// pinSet sets the technician PIN that opens maintenance mode on the
// terminal's screen: kioskctl pin set [--data DIR]. It reads the PIN twice
// from stdin, without echo when stdin is a terminal, and writes only its
// hash (technician.pin in the data folder).
func pinSet(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	data := fs.String("data", "/var/lib/yizhan", "the terminal's data folder (`DIR`)")
	return func(words []string) error {
		if len(words) > 0 {
			return fmt.Errorf("%w: pin set takes no arguments (the PIN is read from stdin)", errUsage)
		}
		// A mistyped --data must not make a folder the terminal never reads.
		info, err := os.Stat(*data)
		if err != nil {
			return fmt.Errorf("pin set: data folder: %w (give --data)", err)
		}
		if !info.IsDir() {
			return fmt.Errorf("pin set: data folder %s is not a folder", *data)
		}
		in := bufio.NewReader(stdin)
		pin, err := readPIN(in, stdin, stderr, "new technician PIN (6 to 12 digits): ")
		if err != nil {
			return err
		}
		// Said before the second prompt, so a technician does not type a
		// refused PIN twice.
		if err := maintenance.ValidatePIN(pin); err != nil {
			return fmt.Errorf("pin set: %w", err)
		}
		again, err := readPIN(in, stdin, stderr, "the same PIN again: ")
		if err != nil {
			return err
		}
		if again != pin {
			return errors.New("pin set: the two PINs differ; nothing was changed")
		}
		path := maintenance.PINPath(*data)
		if err := maintenance.SetPIN(path, pin); err != nil {
			return fmt.Errorf("pin set: %w", err)
		}
		fmt.Fprintf(stdout, "technician PIN set (%s)\n", path)
		return nil
	}
}

// readPIN reads the PIN, without echo at a terminal (command.ReadSecret).
func readPIN(in *bufio.Reader, stdin io.Reader, prompt io.Writer, text string) (string, error) {
	pin, err := command.ReadSecret(in, stdin, prompt, text)
	if err != nil {
		return "", fmt.Errorf("pin set: no PIN read: %w", err)
	}
	return pin, nil
}
