package a4printer_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupstest"
)

// samplePDF is a one-page PDF whose text says words.
func samplePDF(words string) []byte { return a4printer.TestPage(words, "test", time.Unix(0, 0)) }

// pdfText is the text pdftotext reads from a PDF.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func open(t *testing.T, c *cupstest.CUPS) *a4printer.Printer {
	t.Helper()
	d, err := a4printer.ParseDevice(c.URI)
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recorder keeps the progress a print reports.
type recorder struct {
	mu   sync.Mutex
	seen []a4printer.Progress
}

func (r *recorder) add(p a4printer.Progress) {
	r.mu.Lock()
	r.seen = append(r.seen, p)
	r.mu.Unlock()
}

func (r *recorder) stoppedBy(reason string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.seen {
		if p.Stopped && p.Trouble.Reason == reason {
			return true
		}
	}
	return false
}

// A PDF goes through the real cupsd to the printer, whole, and its text
// reads back.
func TestPrintThroughCUPS(t *testing.T) {
	c := cupstest.Start(t)
	p := open(t, c)
	ctx := context.Background()
	st, err := p.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Status(devices.A4Printer); got.State != devices.Online {
		t.Fatalf("an idle queue: %+v", got)
	}
	pdf := samplePDF("Yizhan certificate 0001")
	var r recorder
	if err := p.Print(ctx, a4printer.Job{Name: "SB-002", PDF: pdf}, a4printer.Follow{Poll: 100 * time.Millisecond, Progress: r.add}); err != nil {
		t.Fatalf("print: %v\n%s", err, c.Log())
	}
	if c.Jobs() != 1 {
		t.Fatalf("%d documents printed", c.Jobs())
	}
	got := c.Printed(r.seen[0].Job)
	if !bytes.Equal(got, pdf) {
		t.Fatalf("the printer got %d bytes, sent %d", len(got), len(pdf))
	}
	if text := pdfText(t, got); !strings.Contains(text, "Yizhan certificate 0001") {
		t.Fatalf("printed text %q", text)
	}
}

// Paper out: the job waits, the progress says so with who must act, and
// once staff refill it the job completes.
func TestPaperOutThenRefilled(t *testing.T) {
	c := cupstest.Start(t)
	p := open(t, c)
	c.SetMode(cupstest.ModePaperOut)
	var r recorder
	done := make(chan error, 1)
	go func() {
		done <- p.Print(context.Background(), a4printer.Job{Name: "SB-002", PDF: samplePDF("after the paper")},
			a4printer.Follow{Poll: 100 * time.Millisecond, Patience: time.Minute, Progress: r.add})
	}()
	waitFor(t, "paper out reported", func() bool { return r.stoppedBy("paper out") })
	st, err := p.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Status(devices.A4Printer); s.State != devices.UserError || s.Actor != devices.Staff {
		t.Fatalf("paper out in the registry: %+v", s)
	}
	c.SetMode(cupstest.ModeOK)
	if err := <-done; err != nil {
		t.Fatalf("after the refill: %v", err)
	}
	if c.Jobs() != 1 {
		t.Fatalf("%d documents printed", c.Jobs())
	}
}

// A jam that staff do not clear in time: the job is cancelled, never
// left to come out for nobody.
func TestJamPastPatienceCancels(t *testing.T) {
	c := cupstest.Start(t)
	p := open(t, c)
	c.SetMode(cupstest.ModeJam)
	err := p.Print(context.Background(), a4printer.Job{Name: "SB-002", PDF: samplePDF("never")},
		a4printer.Follow{Poll: 100 * time.Millisecond, Patience: 2 * time.Second})
	var je *a4printer.JobError
	if !errors.As(err, &je) || !je.Stopped || !je.Cancelled || je.Trouble.Reason != "paper jam" {
		t.Fatalf("a jam past the patience: %v", err)
	}
	c.SetMode(cupstest.ModeOK) // the jam cleared: the cancelled job must not print
	time.Sleep(1500 * time.Millisecond)
	if c.Jobs() != 0 {
		t.Fatalf("a cancelled job printed")
	}
}

// The resident gives up (the context ends): the job is cancelled.
func TestGivingUpCancels(t *testing.T) {
	c := cupstest.Start(t)
	p := open(t, c)
	c.SetMode(cupstest.ModePaperOut)
	ctx, cancel := context.WithCancel(context.Background())
	var r recorder
	done := make(chan error, 1)
	go func() {
		done <- p.Print(ctx, a4printer.Job{Name: "SB-002", PDF: samplePDF("never")}, a4printer.Follow{Poll: 100 * time.Millisecond, Progress: r.add})
	}()
	waitFor(t, "paper out reported", func() bool { return r.stoppedBy("paper out") })
	cancel()
	var je *a4printer.JobError
	if err := <-done; !errors.As(err, &je) || !je.Cancelled {
		t.Fatalf("given up: %v", err)
	}
	c.SetMode(cupstest.ModeOK)
	time.Sleep(1500 * time.Millisecond)
	if c.Jobs() != 0 {
		t.Fatalf("a cancelled job printed")
	}
}

// A printer that fails the job: the queue aborts it and says so.
func TestFailedJob(t *testing.T) {
	c := cupstest.Start(t)
	p := open(t, c)
	c.SetMode(cupstest.ModeFail)
	err := p.Print(context.Background(), a4printer.Job{Name: "SB-002", PDF: samplePDF("x")}, a4printer.Follow{Poll: 100 * time.Millisecond})
	var je *a4printer.JobError
	if !errors.As(err, &je) || je.Cancelled || (je.State != a4printer.JobAborted && je.State != a4printer.JobCanceled) {
		t.Fatalf("a failed job: %v", err)
	}
}

// A stopped queue, a missing queue, a print system gone: each is its own
// state in the registry, for a technician.
func TestPrintSystemTroubles(t *testing.T) {
	c := cupstest.Start(t)
	p := open(t, c)
	ctx := context.Background()
	c.Run("cupsdisable", cupstest.Queue)
	st, err := p.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s := st.Status(devices.A4Printer); s.State != devices.HardwareError || s.Actor != devices.Technician {
		t.Fatalf("a stopped queue: %+v", s)
	}
	c.Run("cupsenable", cupstest.Queue)
	c.Run("cupsreject", cupstest.Queue)
	if st, _ = p.Status(ctx); st.Status(devices.A4Printer).State != devices.HardwareError {
		t.Fatalf("a queue refusing jobs: %+v", st)
	}
	err = p.Print(ctx, a4printer.Job{Name: "x", PDF: samplePDF("x")}, a4printer.Follow{})
	if err == nil {
		t.Fatal("a queue refusing jobs took one")
	}

	d, _ := a4printer.ParseDevice(strings.Replace(c.URI, cupstest.Queue, "no-such-queue", 1))
	missing, _ := d.Open()
	if _, err := missing.Status(ctx); !errors.Is(err, a4printer.ErrNoQueue) {
		t.Fatalf("a missing queue: %v", err)
	} else if s := a4printer.StatusOf(devices.A4Printer, err); s.State != devices.HardwareError {
		t.Fatalf("a missing queue in the registry: %+v", s)
	}
	c.Stop()
	if _, err := p.Status(ctx); !errors.Is(err, a4printer.ErrUnreachable) {
		t.Fatalf("cupsd gone: %v", err)
	} else if s := a4printer.StatusOf(devices.A4Printer, err); s.State != devices.NoDevice {
		t.Fatalf("cupsd gone in the registry: %+v", s)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s in 20 s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// BenchmarkPrintThroughCUPS is one certificate-sized PDF sent to the
// print system and followed until the job completes: what a resident
// waits for beyond the printer's own speed.
func BenchmarkPrintThroughCUPS(b *testing.B) {
	c := cupstest.Start(b)
	d, _ := a4printer.ParseDevice(c.URI)
	p, _ := d.Open()
	pdf := samplePDF("benchmark")
	for b.Loop() {
		if err := p.Print(context.Background(), a4printer.Job{Name: "bench", PDF: pdf}, a4printer.Follow{Poll: 50 * time.Millisecond}); err != nil {
			b.Fatal(err)
		}
	}
}
