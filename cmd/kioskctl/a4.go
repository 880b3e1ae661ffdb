package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupssim"
)

// a4Device reads --device into the printer.
func a4Device(device string) (*a4printer.Printer, error) {
	if device == "" {
		return nil, fmt.Errorf("%w: --device is needed (cups:QUEUE or ipp://HOST[:PORT]/PATH)", errUsage)
	}
	d, err := a4printer.ParseDevice(device)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return d.Open()
}

// a4Status says how the A4 printer stands, as the terminal's registry
// would: its state, who must act and why.
func a4Status(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	device := fs.String("device", "", "the A4 printer, `DEV`: cups:QUEUE or ipp://HOST[:PORT]/PATH")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		p, err := a4Device(*device)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		st, err := p.Status(ctx)
		s := st.Status(devices.A4Printer)
		if err != nil {
			s = a4printer.StatusOf(devices.A4Printer, err)
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(map[string]any{"device": p.Device().String(), "state": s.State.String(),
				"actor": s.Actor.String(), "reason": s.Reason, "printer_state": st.PrinterState, "reasons": st.Reasons, "accepting": st.Accepting})
		}
		fmt.Fprintf(stdout, "%s: %s", p.Device(), s.State)
		if s.Actor != devices.NoOne {
			fmt.Fprintf(stdout, " (%s: %s)", s.Actor, s.Reason)
		}
		fmt.Fprintln(stdout)
		if err != nil {
			return err
		}
		if s.State != devices.Online && s.State != devices.Busy {
			return errors.New("the A4 printer cannot print now")
		}
		return nil
	}
}

// a4Print prints a PDF, or the test page, and follows the job to its end.
func a4Print(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	device := fs.String("device", "", "the A4 printer, `DEV`: cups:QUEUE or ipp://HOST[:PORT]/PATH")
	file := fs.String("file", "", "the PDF to print (`FILE.pdf`); the test page when empty")
	terminal := fs.String("terminal", "", "the terminal `ID` the test page names")
	patience := fs.Duration("patience", 3*time.Minute, "cancel the job when the printer stays stopped this long")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		p, err := a4Device(*device)
		if err != nil {
			return err
		}
		job := a4printer.Job{Name: "yizhan test page", PDF: a4printer.TestPage(*terminal, p.Device().String(), time.Now())}
		if *file != "" {
			if job.PDF, err = os.ReadFile(*file); err != nil {
				return err
			}
			job.Name = "yizhan " + *file
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = p.Print(ctx, job, a4printer.Follow{Patience: *patience, Progress: func(pr a4printer.Progress) {
			line := fmt.Sprintf("job %d: %s", pr.Job, pr.State)
			if pr.Stopped {
				line += fmt.Sprintf(" — printer stopped: %s (%s must act)", pr.Trouble.Reason, pr.Trouble.Actor)
			}
			fmt.Fprintln(stderr, line)
		}})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "printed")
		return nil
	}
}

// a4Sim runs the virtual A4 printer: a private cupsd with a queue whose
// printed documents land in a folder, until SIGTERM. Root only.
func a4Sim(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	dir := fs.String("dir", "var/a4sim", "the private cupsd's own folders (`DIR`)")
	listen := fs.String("listen", "127.0.0.1:8631", "the loopback `ADDRESS` it listens on")
	queue := fs.String("queue", "yizhan-demo-a4", "the queue's `NAME`")
	out := fs.String("out", "var/demo/a4", "where each printed document is kept (`DIR`), as job-N.pdf")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		s, err := cupssim.Start(cupssim.Options{Dir: *dir, Addr: *listen, Queue: *queue, Out: *out})
		if err != nil {
			return err
		}
		defer s.Close()
		fmt.Fprintf(stdout, "virtual A4 printer: %s (documents in %s)\n", s.URI, *out)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		done := make(chan error, 1)
		go func() { done <- s.Wait() }()
		select {
		case <-ctx.Done():
			return nil
		case err := <-done:
			return fmt.Errorf("cupsd exited: %v\n%s", err, s.Log())
		}
	}
}
