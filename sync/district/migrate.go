package district

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Version 1 of the store kept every record under its id alone (records:
// record id → Stored) and every blob in one folder all terminals shared
// (blobs/ab/HASH, uploads under way in blobs/partial/HASH). Version 2 keys
// records by their terminal and keeps each terminal's attachments apart.
//
// The migration runs in Open, before anything is served, in steps that each
// leave the store to be opened again and the migration to go on:
//  1. The version becomes "2-migrating": a districtd that knows only
//     version 1 refuses the store from then on.
//  2. Records move to terminal_records, migrateChunk to a transaction (put
//     in the new bucket and deleted from the old in the same one); the old
//     bucket goes when it is empty.
//  3. Every stored record's attachments are hard-linked from blobs/ into
//     attachments/TERMINAL/filed/ (a blob two terminals named is linked
//     for each), and the folders fsynced.
//  4. The version becomes "2", and blobs/ is removed — with it the uploads
//     that were under way and the blobs no record named yet, which their
//     terminals send again (the district answers that it holds none).
//
// A kill at any point is taken up at the next Open: steps 2 and 3 skip
// what is done, and a blobs/ a kill left after step 4 is removed then.

var legacyRecords = []byte("records")

const migratingVersion = "2-migrating"

// migrateChunk is how many records one transaction of step 2 moves: a
// district's history need not fit in one transaction's memory.
var migrateChunk = 1000

// migrateStep, when set (by the crash tests), is called after each unit of
// work of a migration.
var migrateStep func(what string)

func (d *District) upgrade(version string) error {
	switch version {
	case storeVersion:
		return os.RemoveAll(d.legacyBlobDir())
	case "1", migratingVersion:
		if err := d.migrateV1(); err != nil {
			return err
		}
		return d.indexV2()
	case "2", indexingVersion:
		return d.indexV2()
	}
	return fmt.Errorf("store version %s, this districtd knows %s", version, storeVersion)
}

func (d *District) legacyBlobDir() string { return filepath.Join(d.opt.Dir, "blobs") }

func (d *District) migrateV1() error {
	d.opt.Log.Info("migrating the store from version 1 to 2: records and attachments kept by terminal")
	if err := d.setVersion(migratingVersion); err != nil {
		return err
	}
	moved := 0
	for {
		n, err := d.moveRecords()
		if err != nil {
			return fmt.Errorf("migrate records: %w", err)
		}
		if n == 0 {
			break
		}
		moved += n
		step("records")
	}
	linked, lost, err := d.linkLegacyBlobs()
	if err != nil {
		return fmt.Errorf("migrate attachments: %w", err)
	}
	if err := d.setVersion("2"); err != nil {
		return err
	}
	if err := os.RemoveAll(d.legacyBlobDir()); err != nil {
		return err
	}
	d.opt.Log.Info("store migrated to version 2", "records_moved", moved, "attachments_linked", linked, "attachments_lost", lost)
	return nil
}

func step(what string) {
	if migrateStep != nil {
		migrateStep(what)
	}
}

func (d *District) setVersion(v string) error {
	return d.db.Update(func(tx Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, []byte(v)) })
}

// moveRecords moves up to migrateChunk records from the old bucket to
// their terminal's, and says how many.
func (d *District) moveRecords() (int, error) {
	n := 0
	err := d.db.Update(func(tx Tx) error {
		n = 0
		old := tx.Bucket(legacyRecords)
		if old == nil {
			return nil
		}
		var keys [][]byte
		c := old.Cursor()
		for k, v := c.First(); k != nil && len(keys) < migrateChunk; k, v = c.Next() {
			var s Stored
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			if !protocol.ValidTerminalID(s.Terminal) {
				return fmt.Errorf("record %s: terminal id %q malformed", k, s.Terminal)
			}
			b, err := tx.Bucket(bucketRecords).CreateBucketIfNotExists([]byte(s.Terminal))
			if err != nil {
				return err
			}
			// Cloned: the old bucket's bytes may move as it changes.
			if err := b.Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
				return err
			}
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := old.Delete(k); err != nil {
				return err
			}
		}
		if len(keys) == 0 {
			return tx.DeleteBucket(legacyRecords)
		}
		n = len(keys)
		return nil
	})
	return n, err
}

// linkLegacyBlobs files every stored record's attachments in its
// terminal's folder. lost counts attachments a record named that the old
// folder no longer held.
func (d *District) linkLegacyBlobs() (linked, lost int, err error) {
	err = d.db.View(func(tx Tx) error {
		all := tx.Bucket(bucketRecords)
		return all.ForEachBucket(func(k []byte) error {
			terminal := string(k)
			touched := false
			err := all.Bucket(k).ForEach(func(id, v []byte) error {
				var s Stored
				if err := json.Unmarshal(v, &s); err != nil {
					return fmt.Errorf("record %s/%s: %w", terminal, id, err)
				}
				for _, a := range s.Record.Attachments {
					if checkBlobName(terminal, a.SHA256) != nil {
						return fmt.Errorf("record %s/%s: attachment name malformed", terminal, id)
					}
					if !touched {
						if err := d.terminalDirs(terminal); err != nil {
							return err
						}
						touched = true
					}
					dst := d.attachmentPath(terminal, dirFiled, a.SHA256)
					if _, err := os.Stat(dst); err == nil {
						continue
					}
					src := filepath.Join(d.legacyBlobDir(), a.SHA256[:2], a.SHA256)
					err := linkOrCopy(src, dst)
					switch {
					case errors.Is(err, os.ErrNotExist):
						lost++
						d.opt.Log.Warn("an attachment of a stored record was not in the old store", "terminal", terminal, "record", s.Record.ID)
					case err != nil:
						return err
					default:
						linked++
						step("attachment")
					}
				}
				return nil
			})
			if err != nil || !touched {
				return err
			}
			return durable.SyncDir(filepath.Join(d.attachDir, terminal, dirFiled))
		})
	})
	return linked, lost, err
}

// linkOrCopy gives dst the bytes of src: a hard link where the file system
// allows one, else a whole, fsynced copy.
func linkOrCopy(src, dst string) error {
	err := os.Link(src, dst)
	if err == nil || errors.Is(err, os.ErrNotExist) {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = durable.WriteFrom(dst, in, 0o600)
	return err
}
