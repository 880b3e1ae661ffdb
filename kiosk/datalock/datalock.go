// Package datalock is the lock a running terminal holds on its data
// folder, so that two terminals never share one store, and that tells
// kioskctl and the self-test whether a terminal runs, and which.
//
// The lock is flock(2) on File in the data folder, held as long as the
// process; the holder's pid is written inside. A terminal that crashed
// leaves its pid but no lock, so the lock is tried, never trusted from
// the pid alone.
package datalock

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// File is the lock's file in the data folder.
const File = "kiosk.lock"

// Take makes the data folder and takes its lock for this process, with
// this process's pid inside; closing the file releases it. A folder
// another terminal holds is an error that says so.
func Take(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, File), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data folder %s is in use by another kiosk: %w", dir, err)
	}
	// The pid inside lets kioskctl signal this terminal (sync now).
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return f, nil
}

// Holder returns the pid of the process holding dir's lock, and whether
// one does; pid is 0 when the holder wrote none.
func Holder(dir string) (pid int, held bool) {
	f, err := os.Open(filepath.Join(dir, File))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return 0, false
	}
	text, _ := io.ReadAll(io.LimitReader(f, 32))
	pid, err = strconv.Atoi(strings.TrimSpace(string(text)))
	if err != nil || pid <= 0 {
		return 0, true // locked by something that wrote no pid: still in use
	}
	return pid, true
}
