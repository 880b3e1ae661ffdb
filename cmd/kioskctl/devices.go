package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/discover"
	"github.com/yizhan-kiosk/yizhan/devices/serialline"
)

// scanDeviceID reads a printer's IEEE 1284 id over USB; tests put a fake
// in its place, since their printers exist only in a fake sysfs.
var scanDeviceID discover.DeviceIDFunc = discover.USBDeviceID

// devicesScan lists the serial ports, USB devices and cameras with a guess
// of what each is, for a technician installing a terminal; --write-config
// turns the guesses into the configuration's device sections.
func devicesScan(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	asJSON := fs.Bool("json", false, "print one JSON object")
	probe := fs.Bool("probe", false, "ask every serial port (and the USB card-reader module) for a SAM id; stop the kiosk first")
	writeConfig := fs.Bool("write-config", false, "print proposed [idcard], [printer], [scanner] and [camera] sections for kiosk.toml")
	baud := fs.Int("baud", 115200, "with --probe: the card reader's `BAUD` rate")
	wait := fs.Duration("probe-wait", 1500*time.Millisecond, "with --probe: how long each port may take to answer")
	sys := fs.String("sys", "/sys", "the sysfs to read, `DIR` (another folder reads a copied tree)")
	dev := fs.String("dev", "/dev", "the device folder to read (`DIR`)")
	return func(words []string) error {
		switch {
		case len(words) > 0:
			return fmt.Errorf("%w: devices scan takes no arguments, got %q", errUsage, words)
		case *asJSON && *writeConfig:
			return fmt.Errorf("%w: give --json or --write-config, not both", errUsage)
		case *wait <= 0:
			return fmt.Errorf("%w: --probe-wait must be positive", errUsage)
		}
		if err := serialline.CheckRate(*baud); err != nil {
			return fmt.Errorf("%w: --baud: %v", errUsage, err)
		}

		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		r := discover.Scan(ctx, discover.Options{
			Sys: *sys, Dev: *dev, DeviceID: scanDeviceID,
			Probe: *probe, Baud: *baud, ProbeWait: *wait,
		})

		switch {
		case *asJSON:
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(r)
		case *writeConfig:
			// Only TOML on stdout, so it can go straight to a file; the
			// notes go to stderr.
			for _, n := range r.Notes {
				fmt.Fprintf(stderr, "kioskctl: note: %s\n", n)
			}
			_, err := io.WriteString(stdout, discover.ProposeConfig(r, *baud))
			return err
		}
		return printScan(stdout, r, *probe)
	}
}

// printScan writes the report as three tables and the notes.
func printScan(w io.Writer, r discover.Report, probed bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL PORT\tUSB\tDEVICE\tGUESS\tWHY")
	if len(r.SerialPorts) == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	for _, p := range r.SerialPorts {
		id, name := "-", p.UART
		if p.USB != nil {
			id, name = p.USB.ID, p.USB.Name()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Device, id, cell(name), guessCell(p.Guess), p.Guess.Reason)
		if p.ByID != "" {
			// Under WHY, the last cell, so it widens no column.
			fmt.Fprintf(tw, "\t\t\t\tstable name: %s\n", p.ByID)
		}
	}

	fmt.Fprintln(tw, "\nUSB\tID\tDEVICE\tGUESS\tWHY")
	if len(r.USBDevices) == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	for _, d := range r.USBDevices {
		name := d.Name()
		if d.DeviceID != nil && d.DeviceID.Model != "" {
			name = strings.TrimSpace(d.DeviceID.Manufacturer + " " + d.DeviceID.Model)
		}
		where := fmt.Sprintf("%s (bus %d address %d)", d.Sysfs, d.Bus, d.Address)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", where, cell(d.ID), cell(name), guessCell(d.Guess), d.Guess.Reason)
		for _, in := range d.Inputs {
			fmt.Fprintf(tw, "\t\t\t\tkeyboard input: %s\n", in)
		}
	}

	fmt.Fprintln(tw, "\nCAMERA\tID\tLARGEST\tGUESS\tWHY")
	if len(r.Cameras) == 0 {
		fmt.Fprintln(tw, "(none)")
	}
	for _, c := range r.Cameras {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Device, c.ID, cell(c.Largest), guessCell(c.Guess), c.Guess.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nNOTES")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	if !probed {
		fmt.Fprintln(w, "\nA guess with \"?\" is not confirmed: --probe asks the serial ports for a card reader (stop the kiosk first).")
	}
	_, err := fmt.Fprintln(w, "--write-config prints the [idcard], [printer], [scanner] and [camera] sections these guesses make.")
	return err
}

// guessCell writes a guess for the table: "?" marks one not confirmed by
// talking to the device.
func guessCell(g discover.Guess) string {
	switch {
	case g.Role == discover.Unknown:
		return "unknown"
	case g.Confirmed:
		return string(g.Role) + " (confirmed)"
	}
	return string(g.Role) + "?"
}

func cell(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
