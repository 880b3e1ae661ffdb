package discover

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
	"github.com/yizhan-kiosk/yizhan/devices/ptyharness"
)

// The simulator's SAM id, as "kioskctl idcard read" shows it.
const simSAMID = "050c131a-21282f36-3d444b52-5960676e"

// simTransport is the USB variant of the module, answered by the
// simulator: each command frame's body goes to Sim.Answer.
type simTransport struct{ sim *idcardsim.Sim }

func (s simTransport) Exchange(ctx context.Context, cmd []byte) (idcard.Reply, error) {
	reply := s.sim.Answer(cmd[7 : len(cmd)-1]) // between the length and the checksum
	if reply == nil {
		<-ctx.Done()
		return idcard.Reply{}, idcard.ErrNoReply
	}
	return idcard.DecodeReply(reply)
}

func (s simTransport) Close() error { return nil }

// probedTerminal is the fake terminal with ttyUSB0 leading to the card
// reader simulator on a pseudo-terminal, ttyUSB1 to a pseudo-terminal
// nobody answers, and ttyS4 left a plain file that no serial driver can
// set up. The USB module on 1-4 answers through the simulator too, or
// not at all when usbSilent. wait bounds each answer.
func probedTerminal(t *testing.T, usbSilent bool, wait time.Duration) (Report, *idcardsim.Sim, time.Duration) {
	t.Helper()
	ft := terminal(t)
	sim := idcardsim.New()
	p, err := idcardsim.ServePTY(sim, filepath.Join(t.TempDir(), "idcard"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	master, slave, err := ptyharness.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	for tty, target := range map[string]string{"ttyUSB0": p.Path(), "ttyUSB1": slave.Name()} {
		if err := os.Remove(filepath.Join(ft.dev, tty)); err != nil {
			t.Fatal(err)
		}
		link(t, target, filepath.Join(ft.dev, tty))
	}
	usbSim := idcardsim.New()
	if usbSilent {
		usbSim.Inject(idcardsim.Silence, -1)
	}
	var opened []string
	opts := Options{
		Sys: ft.sys, Dev: ft.dev, DeviceID: (&fakeIDs{}).read, Probe: true,
		ProbeWait: wait,
		OpenUSB: func(vid, pid uint16) (idcard.Transport, error) {
			if vid != 0x0400 || pid != 0xc35a {
				return nil, errors.New("not the module")
			}
			opened = append(opened, "usb")
			return simTransport{usbSim}, nil
		},
	}
	start := time.Now()
	r := Scan(context.Background(), opts)
	took := time.Since(start)
	if len(opened) != 1 {
		t.Errorf("USB module opened %d times, want once", len(opened))
	}
	return r, sim, took
}

func TestProbeConfirmsTheReader(t *testing.T) {
	// Generous for a loaded machine: only the silent port waits it out.
	r, sim, took := probedTerminal(t, false, 3*time.Second)
	if sim.Commands() == 0 {
		t.Fatal("the simulator was never asked")
	}
	ports := map[string]SerialPort{}
	for _, p := range r.SerialPorts {
		ports[p.Device] = p
	}

	reader := ports["/dev/ttyUSB0"]
	if reader.Probe == nil || reader.Probe.Result != Answered || reader.Probe.SAMID != simSAMID {
		t.Fatalf("ttyUSB0 probe = %+v", reader.Probe)
	}
	if g := reader.Guess; g.Role != IDCardReader || !g.Confirmed || !strings.Contains(g.Reason, "answered the SAM id request at 115200 baud: SAM "+simSAMID) {
		t.Errorf("ttyUSB0 guess = %+v", g)
	}

	silent := ports["/dev/ttyUSB1"]
	if silent.Probe == nil || string(silent.Probe.Result) != "did not answer" {
		t.Fatalf("ttyUSB1 probe = %+v", silent.Probe)
	}
	if g := silent.Guess; g.Role != Unknown || g.Confirmed || !strings.Contains(g.Reason, "did not answer") {
		t.Errorf("ttyUSB1 guess = %+v", g)
	}

	// A plain file is no serial port: not opened, and the guess stands.
	uart := ports["/dev/ttyS4"]
	if uart.Probe == nil || uart.Probe.Result != OpenFailed || uart.Probe.Detail == "" {
		t.Fatalf("ttyS4 probe = %+v", uart.Probe)
	}
	if g := uart.Guess; g.Role != IDCardReader || g.Confirmed || !strings.Contains(g.Reason, "the probe could not open it") {
		t.Errorf("ttyS4 guess = %+v", g)
	}

	if c := ports["/dev/ttyS5"]; c.Probe != nil {
		t.Errorf("the console was probed: %+v", c.Probe)
	}

	for _, d := range r.USBDevices {
		switch d.Sysfs {
		case "1-1": // the adapter of the reader's port: confirmed with it
			if !d.Guess.Confirmed || d.Guess.Role != IDCardReader {
				t.Errorf("1-1 guess = %+v", d.Guess)
			}
		case "1-2":
			if d.Guess.Role != Unknown {
				t.Errorf("1-2 guess = %+v", d.Guess)
			}
		case "1-4":
			if d.Probe == nil || d.Probe.Result != Answered || d.Probe.SAMID != simSAMID || !d.Guess.Confirmed {
				t.Errorf("1-4 probe = %+v, guess %+v", d.Probe, d.Guess)
			}
		default:
			if d.Probe != nil {
				t.Errorf("%s probed: it has no card-reader pipes", d.Sysfs)
			}
		}
	}
	// Bounded: one silent port waits out ProbeWait, the rest answer or
	// fail at once. The bound leaves room for a loaded machine.
	if took > 20*time.Second {
		t.Errorf("the scan took %v", took)
	}
}

func TestProbeUSBModuleSilent(t *testing.T) {
	// Only silence is looked at here: a short wait will do.
	r, _, _ := probedTerminal(t, true, 500*time.Millisecond)
	for _, d := range r.USBDevices {
		if d.Sysfs != "1-4" {
			continue
		}
		if d.Probe == nil || d.Probe.Result != NoAnswer || d.Guess.Role != Unknown || d.Guess.Confirmed {
			t.Errorf("1-4 probe = %+v, guess %+v", d.Probe, d.Guess)
		}
	}
}

func TestProbeSAMFault(t *testing.T) {
	sim := idcardsim.New()
	sim.Inject(idcardsim.SAMFailure, -1)
	open := func() (idcard.Transport, error) { return simTransport{sim}, nil }
	p := probeReader(context.Background(), open, 3*time.Second)
	if p.Result != SAMFault || !strings.Contains(p.Detail, "60 SAM self-test failed") {
		t.Fatalf("probe = %+v", p)
	}
	g := probed(Guess{Role: IDCardReader}, p, "")
	if g.Role != IDCardReader || !g.Confirmed || !strings.Contains(g.Reason, "needs a technician") {
		t.Errorf("guess = %+v", g)
	}
}

// A checksum damaged on the line is asked again once, as the reader does.
func TestProbeRetriesADamagedFrame(t *testing.T) {
	sim := idcardsim.New()
	sim.Inject(idcardsim.CorruptChecksum, 1)
	open := func() (idcard.Transport, error) { return checkingTransport{simTransport{sim}}, nil }
	if p := probeReader(context.Background(), open, 3*time.Second); p.Result != Answered || p.SAMID != simSAMID {
		t.Fatalf("probe = %+v", p)
	}
}

// checkingTransport reports a corrupted reply as the serial transport
// does: ErrChecksum.
type checkingTransport struct{ simTransport }

func (c checkingTransport) Exchange(ctx context.Context, cmd []byte) (idcard.Reply, error) {
	r, err := c.simTransport.Exchange(ctx, cmd)
	if err != nil && strings.Contains(err.Error(), "checksum") {
		return idcard.Reply{}, idcard.ErrChecksum
	}
	return r, err
}

func TestFormatSAMID(t *testing.T) {
	b := make([]byte, 16)
	for i := range b {
		b[i] = byte(0x05 + i*7)
	}
	if got := idcard.FormatSAMID(b); got != simSAMID {
		t.Errorf("FormatSAMID = %q", got)
	}
	if got := idcard.FormatSAMID([]byte{1, 2, 3, 4, 5}); got != "01020304-05" {
		t.Errorf("short id = %q", got)
	}
}
