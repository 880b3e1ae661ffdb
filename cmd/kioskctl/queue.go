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

func openQueue(fs *flag.FlagSet, args []string, stderr io.Writer) (*outbox.Reader, bool, error) {
	fs.SetOutput(stderr)
	data := fs.String("data", "/var/lib/yizhan", "the terminal's data folder")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return nil, false, fmt.Errorf("%w: %v", errUsage, err)
	}
	r, err := outbox.OpenReader(*data, 0)
	if err != nil {
		return nil, false, err
	}
	return r, *asJSON, nil
}

func queueStats(args []string, stdout, stderr io.Writer) error {
	r, asJSON, err := openQueue(flag.NewFlagSet("queue stats", flag.ContinueOnError), args, stderr)
	if err != nil {
		return err
	}
	defer r.Close()
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

func queueList(args []string, stdout, stderr io.Writer) error {
	r, asJSON, err := openQueue(flag.NewFlagSet("queue list", flag.ContinueOnError), args, stderr)
	if err != nil {
		return err
	}
	defer r.Close()
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

func queueExport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("queue export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "/var/lib/yizhan", "the terminal's data folder")
	to := fs.String("to", "", "folder to export into (a mounted USB stick)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
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
