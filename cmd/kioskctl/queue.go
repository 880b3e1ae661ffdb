package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// queueCommand declares the flags of a command that reads the queue
// (--data, --json) and returns what runs it: read takes what it shows
// from the store, printed as JSON with --json, else by text.
func queueCommand[T any](fs *flag.FlagSet, stdout io.Writer, read func(*outbox.Reader) (T, error), text func(io.Writer, T)) func(words []string) error {
	data := fs.String("data", "/var/lib/yizhan", "the terminal's data folder (`DIR`)")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		r, err := outbox.OpenReader(*data, 0)
		if err != nil {
			return err
		}
		defer r.Close()
		v, err := read(r)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			return enc.Encode(v)
		}
		text(stdout, v)
		return nil
	}
}

func queueStats(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	return queueCommand(fs, stdout, (*outbox.Reader).Stats, func(w io.Writer, st outbox.Stats) {
		for _, s := range []outbox.State{outbox.Queued, outbox.Sending, outbox.Acknowledged, outbox.Rejected} {
			fmt.Fprintf(w, "%s\t%d\n", s, st.ByState[s])
		}
		kinds := make([]string, 0, len(st.ByKind))
		for k := range st.ByKind {
			kinds = append(kinds, string(k))
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(w, "kind %s\t%d\n", k, st.ByKind[outbox.Kind(k)])
		}
		fmt.Fprintf(w, "oldest queued\t%s\n", st.OldestQueued.Round(time.Second))
		fmt.Fprintf(w, "disk\t%.1f MiB of %.0f MiB\n", float64(st.UsedBytes)/(1<<20), float64(st.BudgetBytes)/(1<<20))
	})
}

func queueList(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	return queueCommand(fs, stdout, (*outbox.Reader).List, func(w io.Writer, recs []outbox.Record) {
		for _, rec := range recs {
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%d attachments\t%s\n", rec.Seq, rec.ID, rec.Kind, rec.State,
				rec.Created.Format(time.RFC3339), rec.Public.Receipt, len(rec.Attachments), rec.Reason)
		}
	})
}

func queueExport(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	data := fs.String("data", "/var/lib/yizhan", "the terminal's data folder (`DIR`)")
	to := fs.String("to", "", "the folder to export into, `DIR` (a mounted USB stick)")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		if *to == "" {
			return fmt.Errorf("%w: --to is required", errUsage)
		}
		// The export is signed with the terminal's key: the district imports
		// no folder its terminal did not sign.
		id, err := client.LoadIdentity(client.IdentityDir(*data))
		if err != nil {
			return fmt.Errorf("queue export: %w", err)
		}
		s, err := outbox.OpenMaintenance(*data, 0)
		if err != nil {
			return err
		}
		defer s.Close()
		dir, m, err := s.Export(*to, id.TerminalID, id.SignExport)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "exported %d records to %s\n", len(m.Records), dir)
		return nil
	}
}
