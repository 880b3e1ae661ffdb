package district

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
)

// The district's secrets — its CA (ca.key, ca.crt), the sealing identity
// that opens records (sealing.key) and the catalog-signing key
// (catalog.key) — are files in its folder while its store is district.db.
// On PostgreSQL, where several replicas serve one district, they are kept
// in the store, each sealed with age to the replicas' key, replica.key: a
// file every replica's folder holds and the database never sees. The first
// replica to start makes them (or takes the files of a district that moved
// from district.db) and replica.key with them; the others are given a copy
// of replica.key. Each replica makes its own server certificate from the
// shared CA, for the names it is reached by.

// ReplicaKeyFile, in the folder of a district on PostgreSQL, is the key
// that opens the district's secrets.
const ReplicaKeyFile = "replica.key"

var bucketSecrets = []byte("secrets")

// secrets is where the district's secret files are read and kept.
type secrets interface {
	// get returns a secret, or an error wrapping os.ErrNotExist.
	get(name string) ([]byte, error)
	// keep keeps a new secret and returns the one kept: data, or the one
	// another replica kept first.
	keep(name string, data []byte, mode os.FileMode) ([]byte, error)
}

// fileSecrets are the folder's files.
type fileSecrets struct{ dir string }

func (f fileSecrets) get(name string) ([]byte, error) { return os.ReadFile(filepath.Join(f.dir, name)) }

func (f fileSecrets) keep(name string, data []byte, mode os.FileMode) ([]byte, error) {
	return data, durable.WriteFile(filepath.Join(f.dir, name), data, mode)
}

// storeSecrets are sealed in the store's secrets bucket.
type storeSecrets struct {
	db  store
	dir string
	id  *age.X25519Identity
}

// openStoreSecrets reads the folder's replica key, or makes one when the
// store holds no secrets yet.
func openStoreSecrets(db store, dir string) (*storeSecrets, error) {
	path := filepath.Join(dir, ReplicaKeyFile)
	text, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		empty := true
		err := db.View(func(tx Tx) error {
			if b := tx.Bucket(bucketSecrets); b != nil {
				k, _ := b.Cursor().First()
				empty = k == nil
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if !empty {
			return nil, fmt.Errorf("the district's secrets in its database are sealed: copy %s from another replica's folder into %s", ReplicaKeyFile, dir)
		}
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return nil, err
		}
		text = []byte("# opens the district's secrets in its database: every replica's folder holds a copy\n" + id.String() + "\n")
		if err := durable.WriteFile(path, text, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	ids, err := age.ParseIdentities(bytes.NewReader(text))
	if err != nil || len(ids) != 1 {
		return nil, fmt.Errorf("%s: one X25519 identity expected: %v", path, err)
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return nil, fmt.Errorf("%s: not an X25519 identity", path)
	}
	return &storeSecrets{db: db, dir: dir, id: id}, nil
}

func (s *storeSecrets) open(sealed []byte, name string) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(sealed), s.id)
	if err != nil {
		return nil, fmt.Errorf("%s in the database does not open with %s: %w", name, filepath.Join(s.dir, ReplicaKeyFile), err)
	}
	return io.ReadAll(r)
}

func (s *storeSecrets) get(name string) ([]byte, error) {
	var sealed []byte
	err := s.db.View(func(tx Tx) error {
		if b := tx.Bucket(bucketSecrets); b != nil {
			sealed = bytes.Clone(b.Get([]byte(name)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sealed != nil {
		return s.open(sealed, name)
	}
	// A district that moved from district.db brings its files: they go
	// into the store, sealed, at the first start.
	data, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		return nil, err
	}
	return s.keep(name, data, 0)
}

func (s *storeSecrets) keep(name string, data []byte, _ os.FileMode) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, s.id.Recipient())
	if err != nil {
		return nil, err
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		return nil, err
	}
	var kept []byte
	err = s.db.Update(func(tx Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSecrets)
		if err != nil {
			return err
		}
		kept = nil
		if old := b.Get([]byte(name)); old != nil {
			kept = bytes.Clone(old) // another replica made it first
			return nil
		}
		return b.Put([]byte(name), buf.Bytes())
	})
	if err != nil {
		return nil, err
	}
	if kept != nil {
		return s.open(kept, name)
	}
	return data, nil
}

// isSecretMissing says a secret is to be made.
func isSecretMissing(err error) bool { return errors.Is(err, os.ErrNotExist) }
