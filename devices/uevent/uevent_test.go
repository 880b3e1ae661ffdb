package uevent

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A camera plugged in, as the kernel announces it.
const plugged = "add@/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/video4linux/video0\x00" +
	"ACTION=add\x00DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/video4linux/video0\x00" +
	"SUBSYSTEM=video4linux\x00MAJOR=81\x00MINOR=0\x00DEVNAME=video0\x00SEQNUM=4312\x00"

func TestParse(t *testing.T) {
	e, err := Parse([]byte(plugged))
	if err != nil {
		t.Fatal(err)
	}
	if e.Action != "add" || e.Subsystem != "video4linux" || e.DevName != "video0" || !strings.HasSuffix(e.DevPath, "/video0") {
		t.Fatalf("%+v", e)
	}
	for name, bad := range map[string]string{
		"udev's re-broadcast": "libudev\x00\xfe\xed\xca\xfe",
		"no header":           "ACTION=add\x00DEVPATH=/x\x00",
		"header disagrees":    "add@/devices/a\x00ACTION=remove\x00DEVPATH=/devices/a\x00",
		"field without =":     "add@/devices/a\x00ACTION=add\x00DEVPATH=/devices/a\x00junk\x00",
		"relative path":       "add@devices/a\x00ACTION=add\x00DEVPATH=devices/a\x00",
		"too long":            "add@/a\x00ACTION=add\x00DEVPATH=/a\x00X=" + strings.Repeat("y", maxMessage),
	} {
		if e, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: read as %+v", name, e)
		}
	}
}

// FuzzParse: what Parse takes has a header that agrees with its fields.
func FuzzParse(f *testing.F) {
	f.Add([]byte(plugged))
	f.Add([]byte("remove@/devices/a\x00ACTION=remove\x00DEVPATH=/devices/a\x00SUBSYSTEM=tty\x00"))
	f.Add([]byte("libudev\x00\xfe\xed\xca\xfe"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		e, err := Parse(msg)
		if err != nil {
			return
		}
		header := strings.SplitN(strings.TrimRight(string(msg), "\x00"), "\x00", 2)[0]
		if header != e.Action+"@"+e.DevPath || e.DevPath[0] != '/' {
			t.Fatalf("%q read as %+v", msg, e)
		}
	})
}

// fed is a listener over a datagram socket pair the test writes to; the
// first byte of each datagram says whether it stands for the kernel.
func fed(t *testing.T) (*Listener, func(kernel bool, msg string)) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	r, w := os.NewFile(uintptr(fds[0]), "r"), os.NewFile(uintptr(fds[1]), "w")
	t.Cleanup(func() { w.Close() })
	l := &Listener{f: r, recv: func(buf []byte) (int, bool, error) {
		n, err := r.Read(buf)
		if err != nil || n == 0 {
			return 0, false, os.ErrClosed
		}
		kernel := buf[0] == 'k'
		return copy(buf, buf[1:n]), kernel, nil
	}}
	send := func(kernel bool, msg string) {
		flag := "o"
		if kernel {
			flag = "k"
		}
		if _, err := w.Write([]byte(flag + msg)); err != nil {
			t.Fatal(err)
		}
	}
	return l, send
}

// TestWatch passes on a camera plugged in or out, once however many came
// before it was taken, and nothing else: other subsystems, other actions,
// messages not from the kernel.
func TestWatch(t *testing.T) {
	l, send := fed(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changed := Watch(ctx, l, "video4linux")
	quiet := func(what string) {
		t.Helper()
		select {
		case <-changed:
			t.Fatalf("%s was passed on", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
	send(false, plugged)
	quiet("a message not from the kernel")
	send(true, strings.ReplaceAll(plugged, "video4linux", "tty"))
	quiet("another subsystem")
	send(true, strings.ReplaceAll(strings.ReplaceAll(plugged, "add@", "change@"), "ACTION=add", "ACTION=change"))
	quiet("a change")
	send(true, plugged)
	send(true, strings.ReplaceAll(strings.ReplaceAll(plugged, "add@", "remove@"), "ACTION=add", "ACTION=remove"))
	time.Sleep(100 * time.Millisecond) // both read before either is taken
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("a camera plugged in was not passed on")
	}
	quiet("the second of two events that came before the first was taken")
	cancel()
	if _, err := l.Next(); err == nil {
		t.Fatal("the listener is open after ctx ended")
	}
}

// TestListenTakesOnlyTheKernel opens the real uevent socket, sends it a
// message from this process (as any process may) and checks it is not
// taken for the kernel's.
func TestListenTakesOnlyTheKernel(t *testing.T) {
	l, err := Listen()
	if err != nil {
		t.Skipf("no uevent socket on this system: %v", err)
	}
	defer l.Close()
	raw, _ := l.f.SyscallConn()
	var port uint32
	raw.Control(func(fd uintptr) {
		if sa, err := syscall.Getsockname(int(fd)); err == nil {
			port = sa.(*syscall.SockaddrNetlink).Pid
		}
	})
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Sendto(fd, []byte(plugged), 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Pid: port}); err != nil {
		t.Skipf("this system does not let a process send to a uevent socket: %v", err)
	}
	got := make(chan Event, 1)
	go func() {
		if e, err := l.Next(); err == nil {
			got <- e
		}
	}()
	select {
	case e := <-got:
		if e.Subsystem == "video4linux" && strings.HasSuffix(e.DevPath, "/video0") {
			t.Fatalf("a process's message was taken for the kernel's: %+v", e)
		}
		// A real kernel event of this machine came first; that is fine.
	case <-time.After(300 * time.Millisecond):
	}
}
