package printer

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gousb"

	"github.com/yizhan-kiosk/yizhan/devices/printer/printersim"
)

func TestTCPPortOnLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sim := printersim.New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go sim.ServeTCP(ctx, ln)

	dev, err := ParseDevice("tcp:" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	port, err := dev.Open(ctx, 576)
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	sim.SetStatus([4]byte{0x12, 0x12, 0x12, 0x1E})
	st, err := port.Status(ctx)
	if err != nil || !st.PaperNearEnd || !st.Printable() {
		t.Fatalf("status %+v, %v", st, err)
	}
	data, _ := Render(Receipt{Blocks: []Block{Text("网点打印")}}, Profile80)
	if err := port.Write(ctx, data); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for !strings.Contains(string(sim.Received()), string(data)) {
		if time.Now().After(deadline) {
			t.Fatalf("printer got % X", sim.Received())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTCPPrinterAbsent(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	if _, err := OpenTCP(context.Background(), addr); err == nil {
		t.Fatal("connected to a closed port")
	}
}

func TestFilePortOnPTY(t *testing.T) {
	sim := printersim.New()
	p, err := printersim.ServePTY(sim)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	port, err := OpenFile(p.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	ctx := context.Background()
	if st, err := port.Status(ctx); err != nil || !st.Printable() {
		t.Fatalf("status %+v %v", st, err)
	}
	if err := port.Write(ctx, []byte("ABC\n")); err != nil {
		t.Fatal(err)
	}
	sim.Silence(true) // it answered before: silence is now a fault
	if _, err := port.Status(ctx); !errors.Is(err, ErrNoReply) {
		t.Fatalf("silent printer: %v, want ErrNoReply", err)
	}
}

// fakeUSB is a printer behind the USB class interface: the bulk pipes
// carry bytes to and from a simulated printer; the control pipe answers
// GET_PORT_STATUS.
type fakeUSB struct {
	sim      *printersim.Sim
	pending  []byte
	replies  chan byte
	portStat byte
	writes   int
	gone     bool
}

func (f *fakeUSB) WriteContext(ctx context.Context, b []byte) (int, error) {
	if f.gone {
		return 0, gousb.ErrorNoDevice
	}
	f.writes++
	for _, r := range f.sim.Take(b, &f.pending) {
		f.replies <- r
	}
	return len(b), nil
}

func (f *fakeUSB) ReadContext(ctx context.Context, b []byte) (int, error) {
	select {
	case r := <-f.replies:
		b[0] = r
		return 1, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (f *fakeUSB) control(rType, request uint8, val, idx uint16, data []byte) (int, error) {
	if rType != reqTypeClassIn || request != reqGetPortStatus || len(data) < 1 {
		return 0, errors.New("unexpected control request")
	}
	data[0] = f.portStat
	return 1, nil
}

func TestUSBBidirectionalStatusAndWrite(t *testing.T) {
	f := &fakeUSB{sim: printersim.New(), replies: make(chan byte, 16)}
	u := &usbPort{out: f, in: f, control: f.control, close: func() error { return nil }}
	ctx := context.Background()
	f.sim.SetStatus([4]byte{0x12, 0x16, 0x12, 0x12})
	st, err := u.Status(ctx)
	if err != nil || !st.CoverOpen {
		t.Fatalf("status %+v %v", st, err)
	}
	big := make([]byte, 10000)
	for i := range big {
		big[i] = 'x'
	}
	f.writes = 0
	if err := u.Write(ctx, big); err != nil {
		t.Fatal(err)
	}
	if f.writes != 3 {
		t.Errorf("%d bulk writes for 10000 bytes, want 3 of at most 4096", f.writes)
	}
	f.gone = true
	if err := u.Write(ctx, []byte("x")); !errors.Is(err, ErrGone) {
		t.Fatalf("unplugged: %v", err)
	}
}

func TestUSBOneWayUsesPortStatus(t *testing.T) {
	f := &fakeUSB{sim: printersim.New(), replies: make(chan byte, 16), portStat: 0x38}
	u := &usbPort{out: f, control: f.control, close: func() error { return nil }}
	st, err := u.Status(context.Background())
	if err != nil || !st.PaperOut || st.Printable() {
		t.Fatalf("status %+v %v", st, err)
	}
}

func TestDeviceID(t *testing.T) {
	id := "MFG:Yizhan Test;MDL:TP-80;CMD:ESC/POS;"
	ctrl := func(rType, req uint8, val, idx uint16, data []byte) (int, error) {
		n := len(id) + 2
		data[0], data[1] = byte(n>>8), byte(n)
		return copy(data[2:], id) + 2, nil
	}
	got, err := deviceID(ctrl, 0, 0)
	if err != nil || got != id {
		t.Fatalf("device id %q %v", got, err)
	}
	if m := (USBPrinter{DeviceID: got}).Model(); m != "Yizhan Test TP-80" {
		t.Fatalf("model %q", m)
	}
}

func TestOpenUSBWithoutAPrinter(t *testing.T) {
	if _, err := OpenUSB(0xFFFE, 0xFFFE); err == nil {
		t.Fatal("opened a printer that is not there")
	}
}

// A file: path outside /dev is a capture: made when missing, each receipt
// added at its end. Under /dev a missing file is a printer gone.
func TestFileCaptureIsMadeAndAppended(t *testing.T) {
	path := filepath.Join(t.TempDir(), "receipts.bin")
	dev, err := ParseDevice("file:" + path)
	if err != nil {
		t.Fatal(err)
	}
	for _, receipt := range []string{"first\n", "second\n"} {
		port, err := dev.Open(context.Background(), Profile80.Dots)
		if err != nil {
			t.Fatalf("open a capture that is not there yet: %v", err)
		}
		if err := port.Write(context.Background(), []byte(receipt)); err != nil {
			t.Fatal(err)
		}
		port.Close()
	}
	if got, _ := os.ReadFile(path); string(got) != "first\nsecond\n" {
		t.Fatalf("the capture holds %q", got)
	}

	gone, _ := ParseDevice("file:/dev/usb/yizhan-no-such-lp")
	if _, err := gone.Open(context.Background(), Profile80.Dots); !errors.Is(err, ErrGone) {
		t.Fatalf("a missing device file: %v, want ErrGone", err)
	}
	if _, err := os.Stat("/dev/usb/yizhan-no-such-lp"); err == nil {
		t.Fatal("a device file was made under /dev")
	}

	// A capture in a folder that is not there is no printer gone.
	lost, _ := ParseDevice("file:" + filepath.Join(t.TempDir(), "no-such-folder", "r.bin"))
	if _, err := lost.Open(context.Background(), Profile80.Dots); err == nil || errors.Is(err, ErrGone) || !strings.Contains(err.Error(), "capture") {
		t.Fatalf("a capture in a missing folder: %v", err)
	}
	// A link to a device that is gone is a printer gone, and nothing is
	// made where it points.
	link := filepath.Join(t.TempDir(), "printer")
	if err := os.Symlink("/dev/usb/yizhan-no-such-lp", link); err != nil {
		t.Fatal(err)
	}
	viaLink, _ := ParseDevice("file:" + link)
	if _, err := viaLink.Open(context.Background(), Profile80.Dots); !errors.Is(err, ErrGone) {
		t.Fatalf("a link to a gone device: %v", err)
	}
}
