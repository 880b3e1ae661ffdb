package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

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

// readPIN reads one line from in. When stdin is a terminal its echo is off
// while the PIN is typed, so it never shows on screen or in a screen
// recording of the session.
func readPIN(in *bufio.Reader, stdin io.Reader, prompt io.Writer, text string) (string, error) {
	restore, err := echoOff(stdin)
	if err != nil {
		return "", fmt.Errorf("pin set: %w", err)
	}
	fmt.Fprint(prompt, text)
	line, err := in.ReadString('\n')
	if restore != nil {
		restore()
		fmt.Fprintln(prompt) // the Enter key's newline was not echoed
	}
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("pin set: no PIN read: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// echoOff turns off a terminal's echo and returns what turns it on again;
// nil when stdin is not a terminal (a pipe or a file: nothing echoes). It
// sets the termios flags itself, with x/sys, which the module already
// needs, rather than take x/term for these few lines.
func echoOff(stdin io.Reader) (restore func(), err error) {
	f, ok := stdin.(*os.File)
	if !ok {
		return nil, nil
	}
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, nil // not a terminal
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG // a line at a time; Ctrl-C still works
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return nil, fmt.Errorf("turn off echo: %w", err)
	}
	// Interrupted while the echo is off, the technician's shell would be
	// left without it: turn it on again before going.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			unix.IoctlSetTermios(fd, unix.TCSETS, old)
			os.Exit(130)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
		unix.IoctlSetTermios(fd, unix.TCSETS, old)
	}, nil
}
