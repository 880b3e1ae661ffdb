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

// queueFlags declares the flags of queue stats and queue list and returns
// what opens the queue they read.
func queueFlags(fs *flag.FlagSet) (open func(words []string) (*outbox.Reader, error), asJSON *bool) {
	data := fs.String("data", "/var/lib/yizhan", "the terminal's data folder (`DIR`)")
	asJSON = fs.Bool("json", false, "print JSON")
	return func(words []string) (*outbox.Reader, error) {
		if len(words) > 0 {
			return nil, fmt.Errorf("%w: unexpected %q", errUsage, words[0])
		}
		return outbox.OpenReader(*data, 0)
	}, asJSON
}

func queueStats(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	open, asJSONFlag := queueFlags(fs)
	return func(words []string) error {
		r, err := open(words)
		if err != nil {
			return err
		}
		defer r.Close()
		asJSON := *asJSONFlag
		st, err := r.Stats()
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			return enc.Encode(st)
		}
		for _, s := range []outbox.State{outbox.Queued, outbox.Sending, outbox.Acknowledged, outbox.Rejected} {
			fmt.Fprintf(stdout, "%s\t%d\n", s, st.ByState[s])
		}
		kinds := make([]string, 0, len(st.ByKind))
		for k := range st.ByKind {
			kinds = append(kinds, string(k))
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(stdout, "kind %s\t%d\n", k, st.ByKind[outbox.Kind(k)])
		}
		fmt.Fprintf(stdout, "oldest queued\t%s\n", st.OldestQueued.Round(time.Second))
		fmt.Fprintf(stdout, "disk\t%.1f MiB of %.0f MiB\n", float64(st.UsedBytes)/(1<<20), float64(st.BudgetBytes)/(1<<20))
		return nil
	}
}

func queueList(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	open, asJSONFlag := queueFlags(fs)
	return func(words []string) error {
		r, err := open(words)
		if err != nil {
			return err
		}
		defer r.Close()
		asJSON := *asJSONFlag
		recs, err := r.List()
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			return enc.Encode(recs)
		}
		for _, rec := range recs {
			fmt.Fprintf(stdout, "%d\t%s\t%s\t%s\t%s\t%s\t%d attachments\t%s\n", rec.Seq, rec.ID, rec.Kind, rec.State,
				rec.Created.Format(time.RFC3339), rec.Public.Receipt, len(rec.Attachments), rec.Reason)
		}
		return nil
	}
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
