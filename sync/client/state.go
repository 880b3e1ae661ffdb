package client

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// State is what sync keeps on the terminal, in sync.db beside the outbox:
// the statuses the district sent for this terminal's records, the cursor
// to ask for the next ones, the verified catalog and the configuration,
// and which of the updater's outcomes the terminal has recorded as an
// event. None of it is personal: statuses name records by id.
//
//	meta      "cursor" → 8 bytes; "catalog" → protocol.Catalog; "config" → protocol.TerminalConfig;
//	          "update_recorded" → the protocol.UpdateReport ID last recorded as an event (its bytes)
//	statuses  record id → the latest protocol.Status
type State struct {
	db         *bolt.DB
	statusPath string
}

var (
	bucketMeta     = []byte("meta")
	bucketStatuses = []byte("statuses")
	keyCursor      = []byte("cursor")
	keyCatalog     = []byte("catalog")
	keyConfig      = []byte("config")
	keyUpdate      = []byte("update_recorded")
	keyVoice       = []byte("voice_version")
)

// StatusFile is the file in the data folder where the running terminal
// publishes its link Status for kioskctl.
const StatusFile = "sync-status.json"

// OpenState opens (or makes) the sync state in the data folder.
func OpenState(dataDir string) (*State, error) {
	db, err := bolt.Open(filepath.Join(dataDir, "sync.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("sync: state: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketStatuses} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sync: state: %w", err)
	}
	return &State{db: db, statusPath: filepath.Join(dataDir, StatusFile)}, nil
}

// Close closes the state file.
func (s *State) Close() error { return s.db.Close() }

// Cursor is the last status the terminal has.
func (s *State) Cursor() (uint64, error) {
	var c uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketMeta).Get(keyCursor); len(v) == 8 {
			c = binary.BigEndian.Uint64(v)
		}
		return nil
	})
	return c, err
}

// AddStatuses keeps each record's latest status and moves the cursor past
// them, in one transaction: a crash leaves the cursor and the statuses
// agreeing, so none is skipped.
func (s *State) AddStatuses(list []protocol.Status) error {
	if len(list) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStatuses)
		for _, st := range list {
			if err := putJSON(b, []byte(st.ID), st); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keyCursor, binary.BigEndian.AppendUint64(nil, list[len(list)-1].Cursor))
	})
}

// RecordStatus returns the latest status the district gave a record.
func (s *State) RecordStatus(id string) (st protocol.Status, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		ok, err = getJSON(tx.Bucket(bucketStatuses), []byte(id), &st)
		return err
	})
	return st, ok, err
}

// Catalog returns the verified catalog the terminal has, if any.
func (s *State) Catalog() (c protocol.Catalog, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		ok, err = getJSON(tx.Bucket(bucketMeta), keyCatalog, &c)
		return err
	})
	return c, ok, err
}

// RecordingsVersion is the version of the district's recordings the
// terminal took last (0: none yet).
func (s *State) RecordingsVersion() (v uint64, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketMeta), keyVoice, &v)
		return err
	})
	return v, err
}

// Config returns the district's configuration the terminal has, if any.
func (s *State) Config() (c protocol.TerminalConfig, ok bool, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		ok, err = getJSON(tx.Bucket(bucketMeta), keyConfig, &c)
		return err
	})
	return c, ok, err
}

// UpdateRecorded is the ID of the updater's last outcome
// (protocol.UpdateReport) the terminal recorded as an event; "" before the
// first.
func (s *State) UpdateRecorded() (string, error) {
	var id string
	err := s.db.View(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketMeta).Get(keyUpdate))
		return nil
	})
	return id, err
}

// SetUpdateRecorded remembers that the outcome with the ID is recorded as
// an event. Call it once the event is in the outbox, not before: a crash
// between the two records the outcome twice, never not at all.
func (s *State) SetUpdateRecorded(id string) error {
	if id == "" {
		return errors.New("sync: state: an update outcome without an ID")
	}
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyUpdate, []byte(id)) })
}

func (s *State) put(key []byte, v any) error {
	return s.db.Update(func(tx *bolt.Tx) error { return putJSON(tx.Bucket(bucketMeta), key, v) })
}

// SaveStatus publishes the link status for kioskctl. It is rewritten often
// and worth nothing after a crash, so it is renamed into place but not
// fsynced.
func (s *State) SaveStatus(st Status) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := s.statusPath + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.statusPath)
}

// ReadStatus reads the status the running terminal last published.
func ReadStatus(dataDir string) (Status, error) {
	var st Status
	data, err := os.ReadFile(filepath.Join(dataDir, StatusFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, errors.New("sync: the terminal has not synced since it was installed")
	}
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(data, &st)
}

func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	return true, json.Unmarshal(data, v)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
