package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/update"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// The kiosk's unit and package, as the .deb installs them.
const (
	kioskUnit    = "yizhan-kiosk.service"
	kioskPackage = "yizhan"
)

// updateRun is one run of the updater (yizhan-update.service runs it from
// its timer): recover a cut-short install, then install the version the
// district's ring names, inside the window, and check it.
func updateRun(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	cfgPath := fs.String("config", config.DefaultPath, "the terminal's configuration `FILE`")
	state := fs.String("state", update.StateDir, "the updater's folder, `DIR`")
	now := fs.Bool("now", false, "install now, outside the maintenance window (never while a resident is at the terminal)")
	settle := fs.Duration("settle", 45*time.Second, "how long the kiosk must stay up after its READY to pass")
	checkTimeout := fs.Duration("check-timeout", 5*time.Minute, "how long the kiosk has to become ready and pass its self-test")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		cfg, err := config.Load(*cfgPath, config.Default())
		if err != nil {
			return err
		}
		if err := os.MkdirAll(*state, 0o755); err != nil {
			return err
		}
		unlock, err := lockUpdate(*state)
		if err != nil {
			return err
		}
		defer unlock()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		log := slog.New(slog.NewTextHandler(stderr, nil))

		// The self-test is the installed kioskctl's: after an install, the
		// new version's. os.Executable needs /proc; without it, PATH's.
		self, err := os.Executable()
		if err != nil {
			self = "kioskctl"
		}
		identity := client.IdentityDir(cfg.DataDir)
		u := &update.Updater{Dir: *state, Log: log, CheckTimeout: *checkTimeout,
			Service: &update.Systemd{Unit: kioskUnit, DataDir: cfg.DataDir, Settle: *settle,
				SelftestCmd: []string{self, "selftest", "--no-print", "--config", *cfgPath}},
		}
		apt := &update.Apt{Dir: *state, Identity: identity, Package: kioskPackage}
		u.Packages = apt
		id, err := client.LoadIdentity(identity)
		switch {
		case errors.Is(err, client.ErrNotEnrolled):
			// Nothing to update from; a cut-short install is still finished.
			u.District = notEnrolled{}
		case err != nil:
			return err
		default:
			releases := client.NewReleases(id)
			u.District = releases
			apt.Repo = strings.TrimSuffix(id.Backend, "/") + protocol.PathRepo
			// A district whose own web server serves the repository says
			// so in its configuration; its server's certificate is then
			// one the system trusts, not the district CA's.
			if dc, err := releases.Config(ctx); err == nil && dc.ReleaseRepository != "" {
				apt.Repo, apt.SystemCAs = dc.ReleaseRepository, true
			}
			if err := pinKey(ctx, releases, *state); err != nil {
				return err
			}
			done, err := apt.Prepare()
			if err != nil {
				return err
			}
			defer done()
		}
		out, err := u.Run(ctx, *now)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %s\n", out.Action, out.Detail)
		if out.Action == protocol.UpdateRolledBack || out.Action == protocol.UpdateFailed {
			return fmt.Errorf("update %s (kioskctl update status)", out.Action)
		}
		return nil
	}
}

// pinKey keeps the district's release key on first use: fetched over the
// terminal's mutual TLS, which only the district CA it enrolled with can
// answer. It is never replaced by a later fetch; a district that changes
// its key has a technician remove the file (docs/install.md).
func pinKey(ctx context.Context, r *client.Releases, dir string) error {
	path := update.KeyFile(dir)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		return err // pinned (nil), or unreadable: never replaced then
	}
	key, err := r.Key(ctx)
	if err != nil {
		return fmt.Errorf("the district's release key: %w", err)
	}
	if _, err := update.Fingerprint(key); err != nil {
		return fmt.Errorf("the district's release key: %w", err)
	}
	return durable.WriteFile(path, key, 0o644)
}

type notEnrolled struct{}

func (notEnrolled) Target(context.Context) (protocol.ReleaseTarget, bool, error) {
	return protocol.ReleaseTarget{}, false, nil
}
func (notEnrolled) Config(context.Context) (protocol.TerminalConfig, error) {
	return protocol.TerminalConfig{}, nil
}

// lockUpdate keeps two runs apart (the timer's and a technician's).
func lockUpdate(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, errors.New("another update run is in progress")
	}
	return func() { f.Close() }, nil
}

// updateStatus prints what the updater last did and what it refuses.
func updateStatus(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	state := fs.String("state", update.StateDir, "the updater's folder, `DIR`")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		st, err := update.ReadState(*state)
		if err != nil {
			return err
		}
		installed, _ := (&update.Apt{Package: kioskPackage}).Installed(context.Background())
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			fp := ""
			if key, err := os.ReadFile(update.KeyFile(*state)); err == nil {
				fp, _ = update.Fingerprint(key)
			}
			return enc.Encode(struct {
				Installed      string `json:"installed"`
				KeyFingerprint string `json:"key_fingerprint,omitempty"`
				update.State
			}{installed, fp, st})
		}
		fmt.Fprintf(stdout, "installed:  %s\n", orNone(installed))
		if st.Good != "" {
			fmt.Fprintf(stdout, "last good:  %s\n", st.Good)
		}
		if p := st.Pending; p != nil {
			fmt.Fprintf(stdout, "pending:    %s over %s since %s: cut short; the next run finishes or undoes it\n", p.Version, p.From, p.Started.Local().Format("2006-01-02 15:04"))
		}
		if l := st.Last; l != nil {
			fmt.Fprintf(stdout, "last run:   %s  %s → %s: %s\n", l.At.Local().Format("2006-01-02 15:04"), orNone(l.From), l.Version, l.Result)
			if l.Reason != "" {
				fmt.Fprintf(stdout, "reason:     %s\n", l.Reason)
			}
		} else {
			fmt.Fprintln(stdout, "last run:   no update installed yet")
		}
		if len(st.Refused) > 0 {
			fmt.Fprintf(stdout, "refused:    %s (failed their check here; never installed again)\n", strings.Join(st.Refused, ", "))
		}
		// The pinned key, for the technician to compare with the
		// fingerprint districtd release init printed.
		if key, err := os.ReadFile(update.KeyFile(*state)); err == nil {
			fp, err := update.Fingerprint(key)
			if err != nil {
				fp = err.Error()
			}
			fmt.Fprintf(stdout, "district key: %s (pinned in %s)\n", fp, update.KeyFile(*state))
		} else {
			fmt.Fprintln(stdout, "district key: not pinned yet (the first run fetches it from the district)")
		}
		return nil
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
