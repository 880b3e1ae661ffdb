package printer_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/printer/printersim"
	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
)

type rig struct {
	sim  *printersim.Sim
	pty  *printersim.PTY
	reg  *devices.Registry
	prn  *printer.Printer
	port atomic.Value // string: the path the printer is opened at
}

func newRig(t *testing.T) *rig {
	t.Helper()
	sim := printersim.New()
	p, err := printersim.ServePTY(sim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	reg := devices.NewRegistry(devices.ReceiptPrinter)
	r := &rig{sim: sim, pty: p, reg: reg}
	r.port.Store(p.Path())
	r.prn = printer.New(printer.Config{
		Open:    func(context.Context) (printer.Port, error) { return printer.OpenSerial(r.port.Load().(string), 9600) },
		Profile: printer.Profile58,
		Report:  func(s devices.Status) { reg.Report(s) },
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Poll:    50 * time.Millisecond,
		Reopen:  50 * time.Millisecond,
		Settle:  50 * time.Millisecond,
	})
	return r
}

func receipt() printer.Receipt {
	return printer.Receipt{Blocks: []printer.Block{
		printer.Title("受理回执"),
		printer.Row("受理编号", "A20261127-0001"),
		printer.QR("https://zwfw.example.gov.cn/q/A20261127-0001"),
		printer.Cut(),
	}}
}

func TestPrintOverSerialEndToEnd(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if err := r.prn.Print(ctx, receipt()); err != nil {
		t.Fatal(err)
	}
	// What reached the printer reads back as the receipt.
	got, err := virtual.Print(r.sim.Received(), printer.Profile58.Dots)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(got.Lines, "\n")
	for _, want := range []string{"受理回执", "A20261127-0001"} {
		if !strings.Contains(text, want) {
			t.Errorf("printed text lacks %q:\n%s", want, text)
		}
	}
	if s := r.reg.Snapshot()[0]; s.State != devices.Online {
		t.Errorf("after printing: %s (%s)", s.State, s.Reason)
	}
}

func TestPrintRefusedWhenNotReady(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status [4]byte
		state  devices.State
		actor  devices.Actor
		why    string
	}{
		{"paper out", [4]byte{0x12, 0x32, 0x12, 0x72}, devices.UserError, devices.Staff, "replace paper"},
		{"cover open", [4]byte{0x12, 0x16, 0x12, 0x12}, devices.UserError, devices.Staff, "cover open"},
		{"unrecoverable", [4]byte{0x12, 0x52, 0x32, 0x12}, devices.HardwareError, devices.Technician, "unrecoverable"},
		{"offline", [4]byte{0x1A, 0x12, 0x12, 0x12}, devices.Offline, devices.Device, "offline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.sim.SetStatus(tc.status)
			err := r.prn.Print(context.Background(), receipt())
			if !errors.Is(err, printer.ErrNotReady) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("err = %v, want not ready: %s", err, tc.why)
			}
			if paperOut := tc.name == "paper out"; errors.Is(err, printer.ErrPaperOut) != paperOut {
				t.Fatalf("err = %v: ErrPaperOut %v, want %v", err, !paperOut, paperOut)
			}
			if len(r.sim.Received()) > 12 { // only the four status requests
				t.Fatalf("%d bytes sent to a printer that was not ready", len(r.sim.Received()))
			}
			s := r.reg.Snapshot()[0]
			if s.State != tc.state || s.Actor != tc.actor {
				t.Fatalf("reported %s/%s, want %s/%s", s.State, s.Actor, tc.state, tc.actor)
			}
		})
	}
}

func TestPaperOutMidPrintIsAFailure(t *testing.T) {
	r := newRig(t)
	r.sim.PaperOutAfter(200) // the title and a little more
	err := r.prn.Print(context.Background(), receipt())
	if !errors.Is(err, printer.ErrFailed) || !errors.Is(err, printer.ErrPaperOut) || !strings.Contains(err.Error(), "replace paper") {
		t.Fatalf("err = %v, want a failed print for paper out", err)
	}
	if s := r.reg.Snapshot()[0]; s.State != devices.UserError || s.Actor != devices.Staff {
		t.Fatalf("reported %s/%s", s.State, s.Actor)
	}
}

func TestStatusPollingAndRecovery(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.prn.Run(ctx) }()
	defer func() { cancel(); <-done }()

	wait := func(want devices.State) devices.Status {
		t.Helper()
		deadline := time.Now().Add(3 * time.Second)
		for {
			s := r.reg.Snapshot()[0]
			if s.State == want {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("printer %s (%s), want %s", s.State, s.Reason, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(devices.Online)
	r.sim.SetStatus([4]byte{0x12, 0x12, 0x12, 0x1E}) // paper near end
	if s := wait(devices.Online); s.Actor != devices.Staff {
		// the warning arrives with the next poll
		time.Sleep(200 * time.Millisecond)
		if s = r.reg.Snapshot()[0]; s.Actor != devices.Staff || !strings.Contains(s.Reason, "near end") {
			t.Fatalf("near end not reported: %+v", s)
		}
	}
	r.sim.SetStatus([4]byte{0x12, 0x32, 0x12, 0x72})
	wait(devices.UserError)
	r.sim.SetStatus(printersim.Idle)
	wait(devices.Online)
	r.sim.Silence(true)
	wait(devices.Offline)
	r.sim.Silence(false)
	wait(devices.Online)
	// Unplugged: the port vanishes.
	r.pty.Close()
	r.port.Store("/dev/nonexistent-yizhan-printer")
	wait(devices.NoDevice)
	// Plugged in again on a new port.
	sim2 := printersim.New()
	p2, err := printersim.ServePTY(sim2)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	r.port.Store(p2.Path())
	wait(devices.Online)
}

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]string{
		"usb":                      "usb",
		"usb:0416:5011":            "usb:0416:5011",
		"serial:/dev/ttyUSB0":      "serial:/dev/ttyUSB0:9600",
		"serial:/dev/ttyS1:115200": "serial:/dev/ttyS1:115200",
		"file:/dev/usb/lp0":        "file:/dev/usb/lp0",
		"tcp:192.0.2.10:9100":      "tcp:192.0.2.10:9100",
		"png:/tmp/receipt.png":     "png:/tmp/receipt.png",
	} {
		d, err := printer.ParseDevice(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDevice(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, bad := range []string{"", "lp0", "usb:zz:11", "serial:ttyUSB0", "serial:/dev/ttyS0:1234", "tcp:nohost", "png:", "file:"} {
		if _, err := printer.ParseDevice(bad); err == nil {
			t.Errorf("ParseDevice(%q) accepted", bad)
		}
	}
}
