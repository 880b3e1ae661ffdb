// Package sdnotify tells systemd how the terminal is doing, through the
// notification socket a Type=notify unit gives it ($NOTIFY_SOCKET): READY
// once the screen is up, and WATCHDOG pings while the UI answers, so a
// frozen terminal is restarted. Outside systemd it does nothing.
package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
)

// Notify sends state ("READY=1", "WATCHDOG=1", "STATUS=…") to systemd.
// It reports false, with no error, when the process was not started by a
// unit that listens (no NOTIFY_SOCKET).
func Notify(state string) (bool, error) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return false, nil
	}
	if path[0] == '@' { // an abstract socket
		path = "\x00" + path[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		return false, fmt.Errorf("sdnotify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return false, fmt.Errorf("sdnotify: %w", err)
	}
	return true, nil
}

// WatchdogInterval is how often to ping: half the unit's WatchdogSec, as
// systemd advises. It reports false when no watchdog is set for this
// process (WATCHDOG_PID names another, or WATCHDOG_USEC is absent).
func WatchdogInterval() (time.Duration, bool, error) {
	usec := os.Getenv("WATCHDOG_USEC")
	if usec == "" {
		return 0, false, nil
	}
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(usec, 10, 64)
	if err != nil || n <= 0 {
		return 0, false, errors.New("sdnotify: WATCHDOG_USEC is not a positive number")
	}
	return time.Duration(n) * time.Microsecond / 2, true, nil
}
