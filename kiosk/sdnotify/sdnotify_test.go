package sdnotify

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// listen stands in for systemd: a datagram socket, named in NOTIFY_SOCKET.
func listen(t *testing.T) *net.UnixConn {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return c
}

func TestNotify(t *testing.T) {
	c := listen(t)
	for _, state := range []string{"READY=1", "WATCHDOG=1"} {
		sent, err := Notify(state)
		if err != nil || !sent {
			t.Fatalf("%s: sent %v, %v", state, sent, err)
		}
		buf := make([]byte, 64)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != state {
			t.Fatalf("systemd got %q, %v; want %q", buf[:n], err, state)
		}
	}
}

func TestNotifyOutsideSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if sent, err := Notify("READY=1"); sent || err != nil {
		t.Fatalf("sent %v, %v with no socket", sent, err)
	}
	t.Setenv("NOTIFY_SOCKET", filepath.Join(t.TempDir(), "gone"))
	if sent, err := Notify("READY=1"); sent || err == nil {
		t.Fatalf("a missing socket: sent %v, %v", sent, err)
	}
}

func TestWatchdogInterval(t *testing.T) {
	me := strconv.Itoa(os.Getpid())
	for _, tc := range []struct {
		usec, pid string
		want      time.Duration
		on, bad   bool
	}{
		{"30000000", "", 15 * time.Second, true, false},
		{"30000000", me, 15 * time.Second, true, false},
		{"30000000", "1", 0, false, false}, // another process's watchdog
		{"", "", 0, false, false},
		{"soon", "", 0, false, true},
		{"-5", "", 0, false, true},
	} {
		t.Setenv("WATCHDOG_USEC", tc.usec)
		t.Setenv("WATCHDOG_PID", tc.pid)
		got, on, err := WatchdogInterval()
		if got != tc.want || on != tc.on || (err != nil) != tc.bad {
			t.Errorf("usec %q pid %q: %v %v %v", tc.usec, tc.pid, got, on, err)
		}
	}
}
