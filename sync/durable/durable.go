// Package durable writes files that survive a power cut: whole or not at
// all, and on disk when the call returns.
package durable

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile replaces path with data: written to a temporary file beside
// it, fsynced, renamed over path, and the folder fsynced. After a crash
// path holds the old content or the new, never a mix.
func WriteFile(path string, data []byte, mode os.FileMode) error {
	_, err := WriteFrom(path, bytes.NewReader(data), mode)
	return err
}

// WriteFrom is WriteFile with the content read from r to its end; it
// returns how many bytes path holds.
func WriteFrom(path string, r io.Reader, mode os.FileMode) (int64, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, fmt.Errorf("durable: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("durable: %w", err)
	}
	tmp := f.Name()
	var n int64
	err = f.Chmod(mode)
	if err == nil {
		n, err = io.Copy(f, r)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("durable: write %s: %w", path, err)
	}
	return n, SyncDir(dir)
}

// SyncDir fsyncs a folder, making the names created, renamed or removed in
// it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("durable: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("durable: sync %s: %w", dir, err)
	}
	return nil
}
