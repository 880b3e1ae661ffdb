package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/datalock"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// provision enrolls the terminal with its district: a key pair made here,
// certified with a one-time token; the identity goes into the data folder
// and the district's sealing keys where the configuration says.
func provision(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	backend := fs.String("backend", "", "the district's address, `URL` (https://host:port)")
	token := fs.String("token", "", "the one-time `TOKEN` from districtd token new")
	caFile := fs.String("ca", "", "the district's CA certificate, a PEM `FILE`, if the token carries no pin")
	cfgPath := fs.String("config", config.DefaultPath, "the terminal's configuration `FILE`")
	demo := fs.Bool("demo", false, "provision the demo terminal (its built-in configuration)")
	force := fs.Bool("force", false, "replace an existing enrollment (a repaired or moved terminal)")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		if *backend == "" || *token == "" {
			return fmt.Errorf("%w: provision needs --backend and --token", errUsage)
		}
		var cfg config.Config
		var err error
		if *demo {
			cfg = config.Demo()
		} else if cfg, err = config.Load(*cfgPath, config.Default()); err != nil {
			return err
		}
		if cfg.TerminalID == "" {
			return errors.New("the configuration names no terminal_id")
		}
		var caPEM []byte
		if *caFile != "" {
			if caPEM, err = os.ReadFile(*caFile); err != nil {
				return err
			}
		}
		dir := client.IdentityDir(cfg.DataDir)
		moving := false
		if old, err := client.LoadIdentity(dir); err == nil {
			if !*force {
				return fmt.Errorf("terminal %s is already enrolled (%s); --force replaces the enrollment", cfg.TerminalID, dir)
			}
			if moving = toAnotherDistrict(old, *token, caPEM); moving {
				if err := checkNothingWaits(cfg.DataDir); err != nil {
					return err
				}
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		id, err := client.Enroll(ctx, client.EnrollOptions{Backend: *backend, Token: *token, CAPEM: caPEM,
			TerminalID: cfg.TerminalID, Dir: dir, KeysPath: cfg.Outbox.DistrictKeys})
		if err != nil {
			return err
		}
		if moving {
			// Statuses, catalog and configuration versions were the old
			// district's: start afresh with the new one.
			for _, name := range []string{"sync.db", client.StatusFile} {
				if err := os.Remove(filepath.Join(cfg.DataDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				}
			}
		}
		fmt.Fprintf(stdout, "terminal %s enrolled with %s (site %s)\n", id.TerminalID, id.Backend, id.Site)
		fmt.Fprintf(stdout, "identity in %s; district keys in %s\n", dir, cfg.Outbox.DistrictKeys)
		fmt.Fprintln(stdout, "restart the terminal to start syncing")
		return nil
	}
}

// toAnotherDistrict reports whether the new enrollment is with another
// district than the terminal's: the CA the token (or the CA file) names
// differs from the one it trusts now.
func toAnotherDistrict(old *client.Identity, token string, caPEM []byte) bool {
	_, pin, _ := strings.Cut(strings.TrimSpace(token), ".")
	if b, _ := pem.Decode(caPEM); b != nil {
		pin = protocol.CAPin(b.Bytes)
	}
	return pin == "" || pin != old.CAPin()
}

// checkNothingWaits refuses to move a terminal to another district while
// records sealed to the old one still wait: the new district could not
// open them.
func checkNothingWaits(data string) error {
	r, err := outbox.OpenReader(data, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("checking the queue before moving to another district (stop the terminal first): %w", err)
	}
	defer r.Close()
	st, err := r.Stats()
	if err != nil {
		return err
	}
	if n := st.ByState[outbox.Queued] + st.ByState[outbox.Sending] + st.ByState[outbox.Exported]; n > 0 {
		return fmt.Errorf("%d records still wait for the district they were sealed to: sync them (kioskctl sync now) or export them (kioskctl queue export) before enrolling with another district", n)
	}
	return nil
}

// syncFlags declares the flags sync status and sync now share.
func syncFlags(fs *flag.FlagSet) (data *string, asJSON *bool) {
	data = fs.String("data", "/var/lib/yizhan", "the terminal's data folder (`DIR`)")
	asJSON = fs.Bool("json", false, "print JSON")
	return data, asJSON
}

func printSyncStatus(w io.Writer, id *client.Identity, st client.Status, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Backend  string `json:"backend"`
			Terminal string `json:"terminal"`
			client.Status
		}{id.Backend, id.TerminalID, st})
	}
	link := "offline"
	if st.Online {
		link = "online"
	}
	if st.Revoked {
		link = "REFUSED by the district: enroll the terminal again (kioskctl provision --force)"
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	}
	fmt.Fprintf(w, "district\t%s (terminal %s, site %s)\n", id.Backend, id.TerminalID, id.Site)
	fmt.Fprintf(w, "link\t%s\n", link)
	fmt.Fprintf(w, "last contact\t%s\n", at(st.LastContact))
	fmt.Fprintf(w, "last attempt\t%s\n", at(st.LastAttempt))
	if st.LastError != "" {
		fmt.Fprintf(w, "last error\t%s (%d failures in a row)\n", st.LastError, st.Failures)
	}
	if !st.NextAttempt.IsZero() {
		fmt.Fprintf(w, "next attempt\t%s\n", at(st.NextAttempt))
	}
	fmt.Fprintf(w, "delivered\t%d acknowledged, %d rejected since start\n", st.Sent, st.Rejected)
	if st.Held > 0 {
		fmt.Fprintf(w, "held back\t%d record(s) whose attachments are more than the district takes before their record: export them (kioskctl queue export) or ask the district for more room\n", st.Held)
	}
	fmt.Fprintf(w, "catalog\tversion %d\n", st.CatalogVersion)
	if st.CatalogRefused != "" {
		fmt.Fprintf(w, "catalog refused\t%s\n", st.CatalogRefused)
	}
	return nil
}

func syncStatus(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	dataFlag, asJSONFlag := syncFlags(fs)
	return func(words []string) error {
		if len(words) > 0 {
			return fmt.Errorf("%w: unexpected %q", errUsage, words[0])
		}
		data, asJSON := *dataFlag, *asJSONFlag
		id, err := client.LoadIdentity(client.IdentityDir(data))
		if err != nil {
			return err
		}
		st, err := client.ReadStatus(data)
		if err != nil {
			return err
		}
		return printSyncStatus(stdout, id, st, asJSON)
	}
}

// syncNow asks the running terminal to sync at once (SIGUSR1) and waits
// for the attempt; with no terminal running it syncs itself.
func syncNow(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	dataFlag, asJSONFlag := syncFlags(fs)
	timeoutFlag := fs.Duration("timeout", 2*time.Minute, "how long the sync may take")
	return func(words []string) error {
		if len(words) > 0 {
			return fmt.Errorf("%w: unexpected %q", errUsage, words[0])
		}
		data, asJSON, timeout := *dataFlag, *asJSONFlag, *timeoutFlag
		id, err := client.LoadIdentity(client.IdentityDir(data))
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if pid, running := datalock.Holder(data); running && pid > 0 {
			if _, err := client.ReadStatus(data); err != nil {
				return fmt.Errorf("the running terminal (pid %d) does not sync: it was started before it was enrolled; restart it", pid)
			}
			asked := time.Now()
			if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
				return fmt.Errorf("asking the terminal (pid %d) to sync: %w", pid, err)
			}
			for {
				st, err := client.ReadStatus(data)
				if err == nil && st.LastAttempt.After(asked) {
					return printSyncStatus(stdout, id, st, asJSON)
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("the terminal did not sync within %s", timeout)
				case <-time.After(200 * time.Millisecond):
				}
			}
		}
		q, err := outbox.OpenMaintenance(data, 0)
		if err != nil {
			return err
		}
		defer q.Close()
		state, err := client.OpenState(data)
		if err != nil {
			return err
		}
		defer state.Close()
		c, err := client.New(client.Options{Identity: id, Queue: q, State: state})
		if err != nil {
			return err
		}
		err = c.Once(ctx)
		if perr := printSyncStatus(stdout, id, c.Status(), asJSON); perr != nil {
			return perr
		}
		return err
	}
}
