package command

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ReadSecret prompts with text on prompt and reads one line from in, a
// reader over stdin. When stdin is a terminal its echo is off while the
// secret is typed, so it never shows on screen or in a recording of the
// session; from a pipe or a file it is read as it is.
func ReadSecret(in *bufio.Reader, stdin io.Reader, prompt io.Writer, text string) (string, error) {
	restore, err := echoOff(stdin)
	if err != nil {
		return "", err
	}
	fmt.Fprint(prompt, text)
	line, err := in.ReadString('\n')
	if restore != nil {
		restore()
		fmt.Fprintln(prompt) // the Enter key's newline was not echoed
	}
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("nothing read: %w", err)
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
	// Interrupted while the echo is off, the user's shell would be left
	// without it: turn it on again before going.
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
