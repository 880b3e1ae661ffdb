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
	"path/filepath"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

// printerFlags are the flags every printer command takes.
type printerFlags struct {
	device  *string
	profile *string
}

func addPrinterFlags(fs *flag.FlagSet) printerFlags {
	pf := printerFlags{
		device:  fs.String("device", "", "the printer, `DEV`: usb, usb:VID:PID, serial:PATH[:BAUD], file:PATH, tcp:HOST:PORT or png:PATH"),
		profile: fs.String("profile", "80mm", "the paper, `WIDTH`: 58mm or 80mm"),
	}
	fs.StringVar(pf.device, "to", "", "the same as --device, `DEV` (--to png:FILE previews a receipt)")
	return pf
}

// open makes a printer driver for the flags.
func (pf printerFlags) open() (*printer.Printer, printer.Profile, *devices.Status, error) {
	if *pf.device == "" {
		return nil, printer.Profile{}, nil, fmt.Errorf("%w: --device is required", errUsage)
	}
	dev, err := printer.ParseDevice(*pf.device)
	if err != nil {
		return nil, printer.Profile{}, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	prof, err := printer.ProfileByName(*pf.profile)
	if err != nil {
		return nil, printer.Profile{}, nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	last := &devices.Status{}
	p := printer.New(printer.Config{
		Open:    func(ctx context.Context) (printer.Port, error) { return dev.Open(ctx, prof.Dots) },
		Profile: prof,
		Report:  func(s devices.Status) { *last = s },
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return p, prof, last, nil
}

func printerStatus(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	pf := addPrinterFlags(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		p, _, last, err := pf.open()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		st, err := p.Status(ctx)
		if *asJSON {
			out := map[string]any{"state": last.State.String(), "actor": last.Actor.String(), "reason": last.Reason, "status": st}
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			if e := enc.Encode(out); e != nil {
				return e
			}
		} else {
			fmt.Fprintf(stdout, "state\t%s\nwho must act\t%s\n", last.State, last.Actor)
			if last.Reason != "" {
				fmt.Fprintf(stdout, "reason\t%s\n", last.Reason)
			}
		}
		if err != nil {
			return err
		}
		if last.State != devices.Online {
			return fmt.Errorf("printer not ready: %s", last.Reason)
		}
		return nil
	}
}

func printerTest(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	pf := addPrinterFlags(fs)
	terminal := fs.String("terminal", "", "the terminal `ID` to print on the page")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		if *terminal != "" && !config.ValidTerminalID(*terminal) {
			return fmt.Errorf("%w: --terminal %q: a terminal id is 1 to 32 letters, digits or dashes", errUsage, *terminal)
		}
		p, prof, _, err := pf.open()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := p.Print(ctx, printer.TestPage(*terminal, prof, time.Now())); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "test page printed")
		return nil
	}
}

func printReceipt(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	pf := addPrinterFlags(fs)
	file := fs.String("receipt", "", "the receipt, a JSON `FILE` (docs/receipt.md)")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		if *file == "" {
			return fmt.Errorf("%w: --receipt is required", errUsage)
		}
		data, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		r, err := printer.ParseReceipt(data)
		if err != nil {
			return fmt.Errorf("%s: %w", *file, err)
		}
		p, _, _, err := pf.open()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := p.Print(ctx, r); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "printed")
		return nil
	}
}

func printerList(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		usb, usbErr := printer.ListUSB()
		for _, p := range usb {
			dir := "one-way"
			if p.Bidirectional {
				dir = "bidirectional"
			}
			fmt.Fprintf(stdout, "usb:%04x:%04x\tbus %d address %d\t%s\t%s\n", p.VID, p.PID, p.Bus, p.Address, dir, p.Model())
		}
		files, _ := filepath.Glob("/dev/usb/lp*")
		for _, f := range files {
			fmt.Fprintf(stdout, "file:%s\tkernel printer device\n", f)
		}
		if len(usb) == 0 && len(files) == 0 {
			fmt.Fprintln(stdout, "no printers found on USB")
		}
		if usbErr != nil && !errors.Is(usbErr, printer.ErrGone) {
			fmt.Fprintf(stderr, "kioskctl: usb: %v\n", usbErr)
		}
		return nil
	}
}
