package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/scanner"
	"github.com/yizhan-kiosk/yizhan/devices/scanner/scannersim"
)

// scannerRead prints the codes a scanner reads, one a line: a
// technician's check that the scanner and its line work. A scan that is
// no code the terminal reads is said on stderr, and reading goes on.
func scannerRead(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	device := fs.String("device", "", "the scanner, `DEV`: serial:/dev/PATH[:BAUD] or evdev:/dev/input/PATH")
	count := fs.Int("count", 1, "stop after `N` codes")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long without a code")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		if *device == "" {
			return fmt.Errorf("%w: scanner read needs --device", errUsage)
		}
		dev, err := scanner.ParseDevice(*device)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		s, err := dev.Open()
		if err != nil {
			return err
		}
		defer s.Close()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		fmt.Fprintf(stderr, "scan a code with %s …\n", dev)
		for n := 0; n < *count; {
			wait, cancel := context.WithTimeout(ctx, *timeout)
			code, err := s.Next(wait)
			cancel()
			switch {
			case err == nil:
				fmt.Fprintln(stdout, code)
				n++
			case errors.Is(err, scanner.ErrBadCode):
				fmt.Fprintln(stderr, err)
			case errors.Is(err, context.DeadlineExceeded):
				return fmt.Errorf("no code within %v", *timeout)
			default:
				return err
			}
		}
		return nil
	}
}

// scannerSim is a simulated serial scanner on a pseudo-terminal: it
// prints the port's path, then scans each line of stdin as a code.
func scannerSim(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	link := fs.String("link", "", "also name the port `PATH` (a link, as udev makes /dev/yizhan/scanner)")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		sim, err := scannersim.Open()
		if err != nil {
			return err
		}
		defer sim.Close()
		path := sim.Path()
		if *link != "" {
			if err := os.MkdirAll(filepath.Dir(*link), 0o755); err != nil {
				return err
			}
			os.Remove(*link)
			if err := os.Symlink(sim.Path(), *link); err != nil {
				return err
			}
			defer os.Remove(*link)
			path = *link
		}
		fmt.Fprintln(stdout, path)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			if err := sim.Scan(sc.Text()); err != nil {
				return err
			}
		}
		// stdin closed: keep the port until stopped, as a plugged-in
		// scanner stays.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-ctx.Done()
		return nil
	}
}
