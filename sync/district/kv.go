package district

import (
	"fmt"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The district keeps everything in a store of named buckets of sorted
// keys, nested, read and written in transactions: the model of bbolt,
// which is the embedded store of one district (a file in its folder), and
// which PostgreSQL gives several districtd replicas (pgstore.go). What the
// district needs of a store is below, and no more: a transaction sees its
// own writes and nothing of another's until that commits; Update's
// transactions are serializable — two that read and write the same keys
// never both commit as if the other had not run (bbolt has one writer at a
// time; PostgreSQL aborts one, and Update runs it again).

// store is where the district keeps what it knows.
type store interface {
	// View runs f in a read-only transaction.
	View(f func(Tx) error) error
	// Update runs f in a read-write transaction and commits it, durably,
	// if f returns nil. f may run more than once: it must do nothing but
	// read and write the transaction (and set what it returns afresh).
	Update(f func(Tx) error) error
	Close() error
}

// Tx is a transaction's top-level buckets.
type Tx interface {
	// Bucket is the named bucket, or nil when there is none.
	Bucket(name []byte) Bucket
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	CreateBucket(name []byte) (Bucket, error)
	DeleteBucket(name []byte) error
}

// Bucket is a bucket's keys, values and nested buckets. Slices it returns
// are valid until the transaction ends, and must not be changed.
type Bucket interface {
	Get(key []byte) []byte
	Put(key, value []byte) error
	Delete(key []byte) error
	Cursor() Cursor
	// ForEach calls f for every key with a value, in order.
	ForEach(f func(k, v []byte) error) error
	// ForEachBucket calls f for every nested bucket's name, in order.
	ForEachBucket(f func(name []byte) error) error
	Bucket(name []byte) Bucket
	CreateBucketIfNotExists(name []byte) (Bucket, error)
	// NextSequence is the bucket's next number, from 1.
	NextSequence() (uint64, error)
}

// Cursor walks a bucket's keys with values in order; a nil key means it
// went past either end.
type Cursor interface {
	First() (k, v []byte)
	Last() (k, v []byte)
	Next() (k, v []byte)
	Prev() (k, v []byte)
	// Seek moves to the first key at or after seek.
	Seek(seek []byte) (k, v []byte)
}

// boltStore is the embedded store: district.db in the district's folder.
type boltStore struct{ db *bolt.DB }

func openBolt(dir string) (*boltStore, error) {
	db, err := bolt.Open(filepath.Join(dir, "district.db"), 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("district.db: %w", err)
	}
	return &boltStore{db: db}, nil
}

func (s *boltStore) View(f func(Tx) error) error {
	return s.db.View(func(tx *bolt.Tx) error { return f(boltTx{tx}) })
}

func (s *boltStore) Update(f func(Tx) error) error {
	return s.db.Update(func(tx *bolt.Tx) error { return f(boltTx{tx}) })
}

func (s *boltStore) Close() error { return s.db.Close() }

type boltTx struct{ tx *bolt.Tx }

// asBucket keeps a missing bucket nil as an interface too.
func asBucket(b *bolt.Bucket) Bucket {
	if b == nil {
		return nil
	}
	return boltBucket{b}
}

func (t boltTx) Bucket(name []byte) Bucket { return asBucket(t.tx.Bucket(name)) }

func (t boltTx) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	b, err := t.tx.CreateBucketIfNotExists(name)
	return asBucket(b), err
}

func (t boltTx) CreateBucket(name []byte) (Bucket, error) {
	b, err := t.tx.CreateBucket(name)
	return asBucket(b), err
}

func (t boltTx) DeleteBucket(name []byte) error { return t.tx.DeleteBucket(name) }

type boltBucket struct{ b *bolt.Bucket }

func (b boltBucket) Get(key []byte) []byte         { return b.b.Get(key) }
func (b boltBucket) Put(key, value []byte) error   { return b.b.Put(key, value) }
func (b boltBucket) Delete(key []byte) error       { return b.b.Delete(key) }
func (b boltBucket) Cursor() Cursor                { return boltCursor{b.b.Cursor()} }
func (b boltBucket) Bucket(name []byte) Bucket     { return asBucket(b.b.Bucket(name)) }
func (b boltBucket) NextSequence() (uint64, error) { return b.b.NextSequence() }

func (b boltBucket) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	nb, err := b.b.CreateBucketIfNotExists(name)
	return asBucket(nb), err
}

// ForEach skips nested buckets, which bbolt lists with a nil value.
func (b boltBucket) ForEach(f func(k, v []byte) error) error {
	return b.b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil
		}
		return f(k, v)
	})
}

func (b boltBucket) ForEachBucket(f func(name []byte) error) error { return b.b.ForEachBucket(f) }

// boltCursor skips nested buckets too: the district never mixes them
// with values in one bucket, but a cursor's contract says values.
type boltCursor struct{ c *bolt.Cursor }

func (c boltCursor) skip(k, v []byte, next func() ([]byte, []byte)) ([]byte, []byte) {
	for k != nil && v == nil {
		k, v = next()
	}
	return k, v
}

func (c boltCursor) First() ([]byte, []byte) { k, v := c.c.First(); return c.skip(k, v, c.c.Next) }
func (c boltCursor) Last() ([]byte, []byte)  { k, v := c.c.Last(); return c.skip(k, v, c.c.Prev) }
func (c boltCursor) Next() ([]byte, []byte)  { k, v := c.c.Next(); return c.skip(k, v, c.c.Next) }
func (c boltCursor) Prev() ([]byte, []byte)  { k, v := c.c.Prev(); return c.skip(k, v, c.c.Prev) }
func (c boltCursor) Seek(seek []byte) ([]byte, []byte) {
	k, v := c.c.Seek(seek)
	return c.skip(k, v, c.c.Next)
}
