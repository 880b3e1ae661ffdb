// Package uevent tells of devices the kernel adds and removes. It reads
// the kernel's uevents — the messages udev itself is built on — from a
// netlink socket, so a terminal learns at once that a camera was plugged
// in or out, without polling: at rest it reads nothing and wakes for
// nothing.
//
// Only messages the kernel sent are taken (the sender's port is 0); what
// other processes send, udev's own re-broadcasts among them, is dropped.
// An event is a hint to look again at a device, never a fact acted on by
// itself.
package uevent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"syscall"
)

// Event is one uevent: what happened to which device.
type Event struct {
	Action    string // add, remove, change, bind, unbind, …
	DevPath   string // under /sys
	Subsystem string // video4linux, usb, tty, …
	DevName   string // under /dev, when the device has a node
}

// maxMessage is the largest uevent the kernel sends (UEVENT_BUFFER_SIZE).
const maxMessage = 2048

// Parse reads a uevent as the kernel sends it: "ACTION@DEVPATH", then
// KEY=VALUE fields, each ended by a NUL byte. The header must agree with
// the ACTION and DEVPATH fields.
func Parse(msg []byte) (Event, error) {
	if len(msg) > maxMessage {
		return Event{}, errors.New("uevent: message too long")
	}
	fields := bytes.Split(bytes.TrimRight(msg, "\x00"), []byte{0})
	action, path, ok := bytes.Cut(fields[0], []byte("@"))
	if !ok || len(action) == 0 || len(path) == 0 || path[0] != '/' {
		return Event{}, errors.New("uevent: no ACTION@DEVPATH header")
	}
	var e Event
	for _, f := range fields[1:] {
		key, value, ok := bytes.Cut(f, []byte("="))
		if !ok {
			return Event{}, fmt.Errorf("uevent: field %q without =", f)
		}
		switch string(key) {
		case "ACTION":
			e.Action = string(value)
		case "DEVPATH":
			e.DevPath = string(value)
		case "SUBSYSTEM":
			e.Subsystem = string(value)
		case "DEVNAME":
			e.DevName = string(value)
		}
	}
	if e.Action != string(action) || e.DevPath != string(path) {
		return Event{}, errors.New("uevent: header and fields disagree")
	}
	return e, nil
}

// Listener reads the kernel's uevents.
type Listener struct {
	f    *os.File
	recv func(buf []byte) (n int, kernel bool, err error)
}

// Listen opens the kernel's uevent socket. It fails where the system has
// none to give (some containers); the caller then does without.
func Listen() (*Listener, error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC|syscall.SOCK_NONBLOCK, syscall.NETLINK_KOBJECT_UEVENT)
	if err != nil {
		return nil, fmt.Errorf("uevent: socket: %w", err)
	}
	// Group 1 is the kernel's broadcast; udev re-broadcasts on group 2.
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK, Groups: 1}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("uevent: bind: %w", err)
	}
	f := os.NewFile(uintptr(fd), "uevent") // non-blocking: reads wait in Go's poller
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("uevent: %w", err)
	}
	l := &Listener{f: f}
	l.recv = func(buf []byte) (n int, kernel bool, err error) {
		rerr := raw.Read(func(fd uintptr) bool {
			var from syscall.Sockaddr
			n, from, err = syscall.Recvfrom(int(fd), buf, 0)
			if errors.Is(err, syscall.EAGAIN) {
				return false // nothing yet: wait in the poller
			}
			nl, ok := from.(*syscall.SockaddrNetlink)
			kernel = ok && nl.Pid == 0
			return true
		})
		if err == nil {
			err = rerr
		}
		return n, kernel, err
	}
	return l, nil
}

// Close ends the listener; a Next under way returns an error.
func (l *Listener) Close() error { return l.f.Close() }

// Next waits for the next uevent the kernel sends. Messages from others,
// and those that do not parse, are skipped.
func (l *Listener) Next() (Event, error) {
	buf := make([]byte, maxMessage+1)
	for {
		n, kernel, err := l.recv(buf)
		if err != nil {
			return Event{}, fmt.Errorf("uevent: read: %w", err)
		}
		if !kernel {
			continue
		}
		if e, err := Parse(buf[:n]); err == nil {
			return e, nil
		}
	}
}

// Watch reads l until ctx ends and, for each device of one of the
// subsystems added or removed, sends on the channel it returns. Events
// that come faster than they are taken are merged into one: a watcher
// looks again at what it watches, however many came. The listener is
// closed when ctx ends.
func Watch(ctx context.Context, l *Listener, subsystems ...string) <-chan struct{} {
	out := make(chan struct{}, 1)
	stop := context.AfterFunc(ctx, func() { l.Close() })
	go func() {
		defer stop()
		for {
			e, err := l.Next()
			if err != nil {
				return // closed
			}
			if (e.Action != "add" && e.Action != "remove") || !slices.Contains(subsystems, e.Subsystem) {
				continue
			}
			select {
			case out <- struct{}{}:
			default: // one is waiting already
			}
		}
	}()
	return out
}
