package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/selftest"
)

// selftestCmd checks the terminal's devices, queue, clock and district
// link, and prints what is wrong and what to do. Exit status 1 when a
// check failed.
func selftestCmd(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	cfgPath := fs.String("config", config.DefaultPath, "the terminal's configuration `FILE`")
	demo := fs.Bool("demo", false, "test the demo terminal (its built-in configuration, a simulated card reader)")
	data := fs.String("data", "", "the terminal's data folder, `DIR` (default: the configuration's data_dir)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	noPrint := fs.Bool("no-print", false, "do not print the test page")
	return func(words []string) error {
		if len(words) > 0 {
			return fmt.Errorf("%w: unexpected %q", errUsage, words[0])
		}
		cfg, err := selftestConfig(*cfgPath, *demo, *data)
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if *demo {
			// The demo kiosk reads a simulated module over a pseudo-terminal;
			// so does its self-test, through the same serial driver.
			dir, err := os.MkdirTemp("", "yizhan-selftest-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			p, err := idcardsim.ServePTY(idcardsim.New(), filepath.Join(dir, "idcard"))
			if err != nil {
				return fmt.Errorf("simulated card reader: %w", err)
			}
			defer p.Close()
			cfg.IDCard.Port, cfg.IDCard.Baud = p.Path(), 115200
		}
		rep := selftest.Run(ctx, cfg, selftest.Options{NoPrint: *noPrint})
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
		} else if err := printSelftest(stdout, rep); err != nil {
			return err
		}
		if rep.Failed() {
			var failed []string
			for _, r := range rep.Results {
				if r.Status == selftest.Fail {
					failed = append(failed, r.Name)
				}
			}
			return fmt.Errorf("self-test failed: %s", strings.Join(failed, ", "))
		}
		return nil
	}
}

// selftestConfig reads the configuration the way the kiosk does, with
// --data over its data folder.
func selftestConfig(path string, demo bool, data string) (config.Config, error) {
	var cfg config.Config
	if demo {
		cfg = config.Demo()
	} else {
		var err error
		if cfg, err = config.Load(path, config.Default()); err != nil {
			return config.Config{}, err
		}
	}
	if data != "" {
		cfg.DataDir = data
	}
	return cfg, cfg.Check()
}

var selftestMarks = map[selftest.Status]string{selftest.OK: "✓", selftest.Warn: "!", selftest.Fail: "✗", selftest.Skipped: "-"}

// printSelftest writes one line a check, and the fix under each failure
// and warning.
func printSelftest(w io.Writer, rep selftest.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "self-test of terminal %s, %s\n", rep.Terminal, rep.At.Format("2006-01-02 15:04:05 MST"))
	if rep.KioskRunning {
		b.WriteString("the kiosk is running: its devices were not tested\n")
	}
	width := 0
	for _, r := range rep.Results {
		width = max(width, len(r.Name))
	}
	counts := map[selftest.Status]int{}
	for _, r := range rep.Results {
		counts[r.Status]++
		fmt.Fprintf(&b, "%s %-*s  %s\n", selftestMarks[r.Status], width, r.Name, r.Detail)
		if r.Fix != "" && (r.Status == selftest.Fail || r.Status == selftest.Warn) {
			fmt.Fprintf(&b, "  %-*s  fix: %s\n", width, "", r.Fix)
		}
	}
	fmt.Fprintf(&b, "%d failed, %d warnings, %d ok, %d skipped\n",
		counts[selftest.Fail], counts[selftest.Warn], counts[selftest.OK], counts[selftest.Skipped])
	_, err := io.WriteString(w, b.String())
	return err
}
