package scanner_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/scanner"
	"github.com/yizhan-kiosk/yizhan/devices/scanner/scannersim"
)

// TestMonitorFollowsTheScannerInAndOut: the monitor reports a scanner
// missing, finds it when it is plugged in (a stable link, as udev makes),
// hands its codes on, and reports it lost when it is pulled.
func TestMonitorFollowsTheScannerInAndOut(t *testing.T) {
	link := filepath.Join(t.TempDir(), "scanner")
	reg := devices.NewRegistry("scanner")
	codes := make(chan string, 4)
	m := &scanner.Monitor{Device: scanner.Device{Kind: "serial", Path: link, Baud: 9600}, Kind: "scanner", Reg: reg,
		Code: func(c string) { codes <- c }, Retry: 50 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { m.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()

	state := func() devices.Status {
		for _, s := range reg.Snapshot() {
			if s.Kind == "scanner" {
				return s
			}
		}
		return devices.Status{}
	}
	waitFor := func(want devices.State) devices.Status {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if s := state(); s.State == want {
				return s
			}
		}
		t.Fatalf("scanner state %v, want %v", state(), want)
		return devices.Status{}
	}
	if s := waitFor(devices.NoDevice); s.Actor != devices.Technician || s.Reason != link+" missing" {
		t.Errorf("missing: %+v", s)
	}

	sim, err := scannersim.Open()
	if err != nil {
		t.Fatal(err)
	}
	os.Symlink(sim.Path(), link) // plugged in
	waitFor(devices.Online)
	sim.Scan("20261207-0003")
	select {
	case c := <-codes:
		if c != "20261207-0003" {
			t.Errorf("code %q", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no code")
	}

	os.Remove(link) // pulled: udev takes the link away
	sim.Close()
	if s := waitFor(devices.NoDevice); s.Actor != devices.Technician {
		t.Errorf("pulled: %+v", s)
	}
}
