package voice

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Install makes prompts — the district's recordings, verified by the sync
// — the recordings in dir (the data folder's voice/), in place of the
// ones there: each must be a known prompt's, and a recording the player
// plays, or none is taken. The folder is replaced whole: a cut in the
// middle leaves the old one, or none (the package's then play), never
// half of each.
func Install(dir string, prompts map[string][]byte) error {
	for id, wav := range prompts {
		if _, ok := Lookup(id); !ok {
			return fmt.Errorf("voice: no prompt %q", id)
		}
		if _, err := ParseWAV(wav); err != nil {
			return fmt.Errorf("voice: the recording of %s: %w", id, err)
		}
	}
	next, old := dir+".new", dir+".old"
	if err := errors.Join(os.RemoveAll(next), os.RemoveAll(old)); err != nil {
		return err
	}
	if err := os.MkdirAll(next, 0o755); err != nil {
		return err
	}
	for id, wav := range prompts {
		if err := writeSynced(filepath.Join(next, id+".wav"), wav); err != nil {
			return err
		}
	}
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(next, dir); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(dir)); err == nil {
		d.Sync()
		d.Close()
	}
	return os.RemoveAll(old)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Sync(), f.Close())
}
