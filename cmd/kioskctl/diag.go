package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	// Named apart from the command, which keeps the name diag.
	kioskdiag "github.com/yizhan-kiosk/yizhan/kiosk/diag"
	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// version is set at build time with -ldflags "-X main.version=..." (the
// Makefile does); the bundle names it.
var version = "dev"

// diag writes the diagnostic bundle: what the district's support needs to
// understand a terminal, and nothing personal (kiosk/diag makes it).
func diag(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	out := fs.String("out", "", "the bundle to write, `FILE.tar.gz`")
	cfgPath := fs.String("config", config.DefaultPath, "the terminal's configuration `FILE`")
	data := fs.String("data", "", "the terminal's data folder, `DIR` (default: the configuration's data_dir)")
	noSelftest := fs.Bool("no-selftest", false, "leave the self-test out (it talks to the devices)")
	return func(words []string) error {
		if len(words) > 0 {
			return fmt.Errorf("%w: unexpected %q", errUsage, words[0])
		}
		if *out == "" {
			return fmt.Errorf("%w: --out is required", errUsage)
		}
		// --data goes into the configuration before it is checked: the
		// bundle describes the folder the technician named.
		cfg, err := selftestConfig(*cfgPath, false, *data)
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		files := kioskdiag.Collect(ctx, kioskdiag.Options{Config: cfg, Version: version, Selftest: !*noSelftest, Now: time.Now()})
		if err := kioskdiag.Write(*out, files, time.Now()); err != nil {
			return err
		}
		var names []string
		for _, f := range files {
			names = append(names, f.Name)
		}
		fmt.Fprintf(stdout, "wrote %s: %s\n", *out, strings.Join(names, ", "))
		return nil
	}
}

// writeOutput writes what a command was asked to write (--out): whole or
// not at all, readable by its owner only (a face photo), and only into a
// folder that exists, which a typo does not. camera snap uses it; the
// bundle has its own in kiosk/diag.
func writeOutput(path string, data []byte) error {
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := durable.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
