package district

import (
	"context"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// pgStore keeps the district's buckets in PostgreSQL, for districtd
// replicas sharing one database (or a server that speaks its protocol).
// Two tables (migrations/): the buckets, with their sequences, and the
// keys. Update runs serializable transactions and runs one again when the
// server aborts it for a conflict with another replica's: so a record sent
// to two replicas at once is stored once, by the primary key of its
// terminal's bucket and id, as bbolt's single writer does it on one
// machine.

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock replicas take to migrate the schema
// one at a time at start: "yizhan-district" in ASCII, as a number.
const migrationLock = 0x7969_7a68_616e_6400

// writerLock is the advisory lock every Update holds (a different number
// from the migrations').
const writerLock = migrationLock + 1

// pgRetries bounds how often Update runs a transaction the server aborted
// for a conflict before giving up.
const pgRetries = 30

type pgStore struct {
	pool *pgxpool.Pool
	// writing queues this replica's writers before they take a connection:
	// a writer waiting for the lock across replicas (writerLock) holds
	// one, and a dozen waiting would leave the pool none for the reads
	// every request makes — the replica would stall while another writes.
	// Measured with two replicas (docs/benchmarks.md), one writer a
	// replica at the database did better than 4 or 16 in a pool of their
	// own.
	writing sync.Mutex
}

// openPostgres connects to dsn and brings the schema up to date under an
// advisory lock.
func openPostgres(ctx context.Context, dsn string) (*pgStore, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	// A statement that hangs (a lock held by a stuck replica) fails
	// rather than holding a terminal's request for ever.
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = "30000"
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = "60000"
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, cfg.ConnConfig); err != nil {
		pool.Close()
		return nil, err
	}
	return &pgStore{pool: pool}, nil
}

func migrate(ctx context.Context, cc *pgx.ConnConfig) error {
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLock))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrationsFS(), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("postgres: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("postgres: migrate the schema: %w", err)
	}
	return nil
}

func migrationsFS() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the folder is embedded: it is there
	}
	return sub
}

func (s *pgStore) Close() error { s.pool.Close(); return nil }

func (s *pgStore) View(f func(Tx) error) error {
	ctx := context.Background()
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer tx.Rollback(ctx)
	t := &pgTx{ctx: ctx, tx: tx, known: map[string]bool{}}
	err = f(t)
	if t.err != nil {
		return fmt.Errorf("postgres: %w", t.err)
	}
	return err
}

func (s *pgStore) Update(f func(Tx) error) error {
	ctx := context.Background()
	for attempt := 0; ; attempt++ {
		err := s.update(ctx, f)
		if !retryable(err) || attempt == pgRetries {
			return err
		}
		// Another replica's transaction won; wait a little, at random,
		// so the two do not meet again.
		time.Sleep(time.Duration(1+attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond)
	}
}

func (s *pgStore) update(ctx context.Context, f func(Tx) error) error {
	s.writing.Lock()
	defer s.writing.Unlock()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Release()
	// One writer at a time, across replicas, as bbolt has on one machine:
	// the district's writes touch a few rows every one of them shares —
	// the feed's and the audit trail's sequences, the inbox's counts — and
	// serializable transactions racing for them abort each other faster
	// than they commit. Waiting in line costs less, and keeps the feed's
	// order the order of commits. The lock is the session's, taken before
	// the transaction begins, so its snapshot comes after the last
	// writer's commit; a replica that dies lets it go with its connection.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(writerLock)); err != nil {
		conn.Conn().Close(ctx) // its state is unknown: not back to the pool
		return fmt.Errorf("postgres: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(writerLock)); err != nil {
			conn.Conn().Close(context.Background())
		}
	}()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer tx.Rollback(ctx)
	t := &pgTx{ctx: ctx, tx: tx, known: map[string]bool{}, write: true}
	err = f(t)
	switch {
	case t.err != nil:
		return fmt.Errorf("postgres: %w", t.err)
	case err != nil:
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", err)
	}
	return nil
}

// retryable is a conflict with another transaction, which running again
// resolves: a serialization failure, a deadlock, or a key another
// transaction inserted first.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01" || pe.Code == "23505")
}

// pgTx is one transaction. The first error a statement meets is kept and
// returned by View or Update: Get has no error of its own to return it by,
// and a failed statement aborts a PostgreSQL transaction anyway.
type pgTx struct {
	ctx   context.Context
	tx    pgx.Tx
	err   error
	write bool
	known map[string]bool // bucket path → exists, as this transaction saw it
}

func (t *pgTx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return err
}

func childPath(parent string, name []byte) string { return parent + "/" + hex.EncodeToString(name) }

// bucket is the bucket at path, or nil when there is none. Once a
// statement of the transaction has failed — a conflict with another
// replica's, which Update runs again — every bucket is there and every
// operation on it fails: the district's code, written for bbolt, where a
// bucket it made is always there, goes on to its error without meeting a
// nil bucket.
func (t *pgTx) bucket(path string) Bucket {
	if t.err != nil {
		return &pgBucket{t: t, path: path}
	}
	exists, seen := t.known[path]
	if !seen {
		var one int
		err := t.tx.QueryRow(t.ctx, `SELECT 1 FROM district_buckets WHERE path = $1`, path).Scan(&one)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			t.fail(err)
			return &pgBucket{t: t, path: path}
		default:
			exists = true
		}
		t.known[path] = exists
	}
	if !exists {
		return nil
	}
	return &pgBucket{t: t, path: path}
}

func (t *pgTx) create(parent string, name []byte, mustBeNew bool) (Bucket, error) {
	if t.err != nil {
		return nil, t.err
	}
	if !t.write {
		return nil, errors.New("district: a bucket made in a read-only transaction")
	}
	if len(name) == 0 {
		return nil, errors.New("district: a bucket needs a name")
	}
	path := childPath(parent, name)
	tag, err := t.tx.Exec(t.ctx, `INSERT INTO district_buckets (path, parent, name) VALUES ($1, $2, $3) ON CONFLICT (path) DO NOTHING`, path, parent, name)
	if err != nil {
		return nil, t.fail(err)
	}
	if mustBeNew && tag.RowsAffected() == 0 {
		return nil, fmt.Errorf("district: bucket %x exists", name)
	}
	t.known[path] = true
	return &pgBucket{t: t, path: path}, nil
}

func (t *pgTx) Bucket(name []byte) Bucket { return t.bucket(childPath("", name)) }

func (t *pgTx) CreateBucketIfNotExists(name []byte) (Bucket, error) { return t.create("", name, false) }

func (t *pgTx) CreateBucket(name []byte) (Bucket, error) { return t.create("", name, true) }

func (t *pgTx) DeleteBucket(name []byte) error {
	if t.err != nil {
		return t.err
	}
	path := childPath("", name)
	tag, err := t.tx.Exec(t.ctx, `DELETE FROM district_buckets WHERE path = $1 OR path LIKE $2`, path, path+"/%")
	if err != nil {
		return t.fail(err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("district: no bucket %x", name)
	}
	for p := range t.known {
		if p == path || strings.HasPrefix(p, path+"/") {
			delete(t.known, p)
		}
	}
	return nil
}

type pgBucket struct {
	t    *pgTx
	path string
}

func (b *pgBucket) Get(key []byte) []byte {
	if b.t.err != nil {
		return nil
	}
	var v []byte
	err := b.t.tx.QueryRow(b.t.ctx, `SELECT value FROM district_kv WHERE path = $1 AND key = $2`, b.path, key).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		b.t.fail(err)
		return nil
	}
	if v == nil {
		v = []byte{}
	}
	return v
}

func (b *pgBucket) Put(key, value []byte) error {
	if b.t.err != nil {
		return b.t.err
	}
	if len(key) == 0 {
		return errors.New("district: an empty key")
	}
	if value == nil {
		value = []byte{}
	}
	_, err := b.t.tx.Exec(b.t.ctx, `INSERT INTO district_kv (path, key, value) VALUES ($1, $2, $3)
		ON CONFLICT (path, key) DO UPDATE SET value = EXCLUDED.value`, b.path, key, value)
	if err != nil {
		return b.t.fail(err)
	}
	return nil
}

func (b *pgBucket) Delete(key []byte) error {
	if b.t.err != nil {
		return b.t.err
	}
	if _, err := b.t.tx.Exec(b.t.ctx, `DELETE FROM district_kv WHERE path = $1 AND key = $2`, b.path, key); err != nil {
		return b.t.fail(err)
	}
	return nil
}

func (b *pgBucket) Bucket(name []byte) Bucket { return b.t.bucket(childPath(b.path, name)) }

func (b *pgBucket) CreateBucketIfNotExists(name []byte) (Bucket, error) {
	return b.t.create(b.path, name, false)
}

func (b *pgBucket) NextSequence() (uint64, error) {
	if b.t.err != nil {
		return 0, b.t.err
	}
	var n int64
	if err := b.t.tx.QueryRow(b.t.ctx, `UPDATE district_buckets SET seq = seq + 1 WHERE path = $1 RETURNING seq`, b.path).Scan(&n); err != nil {
		return 0, b.t.fail(err)
	}
	return uint64(n), nil
}

func (b *pgBucket) ForEach(f func(k, v []byte) error) error {
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if err := f(k, v); err != nil {
			return err
		}
	}
	return b.t.err
}

func (b *pgBucket) ForEachBucket(f func(name []byte) error) error {
	if b.t.err != nil {
		return b.t.err
	}
	rows, err := b.t.tx.Query(b.t.ctx, `SELECT name FROM district_buckets WHERE parent = $1 ORDER BY name`, b.path)
	if err != nil {
		return b.t.fail(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return b.t.fail(err)
	}
	for _, name := range names {
		if err := f(name); err != nil {
			return err
		}
	}
	return nil
}

func (b *pgBucket) Cursor() Cursor { return &pgCursor{b: b} }

// pgCursor reads a bucket's keys a page at a time in the direction it
// moves, the page growing as it keeps going that way: a seek costs one
// small query, a scan of 100,000 keys some hundred.
type pgCursor struct {
	b       *pgBucket
	rows    [][2][]byte // fetched ahead, in the direction moving
	forward bool
	at      []byte // the key the cursor is on; nil off either end
	done    bool   // nothing further in the direction moving
	page    int
}

const (
	firstPage = 32
	lastPage  = 2048
)

func (c *pgCursor) fetch(query string, args ...any) {
	c.rows, c.done = nil, false
	if c.b.t.err != nil {
		c.done = true
		return
	}
	rows, err := c.b.t.tx.Query(c.b.t.ctx, query, args...)
	if err != nil {
		c.b.t.fail(err)
		c.done = true
		return
	}
	for rows.Next() {
		var k, v []byte
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			c.b.t.fail(err)
			c.done = true
			return
		}
		if v == nil {
			v = []byte{}
		}
		c.rows = append(c.rows, [2][]byte{k, v})
	}
	if err := rows.Err(); err != nil {
		c.b.t.fail(err)
	}
	c.done = len(c.rows) < c.page
}

func (c *pgCursor) take() ([]byte, []byte) {
	if len(c.rows) == 0 {
		c.at = nil
		return nil, nil
	}
	kv := c.rows[0]
	c.rows = c.rows[1:]
	c.at = kv[0]
	return kv[0], kv[1]
}

func (c *pgCursor) start(forward bool) {
	c.forward, c.page = forward, firstPage
}

func (c *pgCursor) First() ([]byte, []byte) {
	c.start(true)
	c.fetch(`SELECT key, value FROM district_kv WHERE path = $1 ORDER BY key LIMIT $2`, c.b.path, c.page)
	return c.take()
}

func (c *pgCursor) Last() ([]byte, []byte) {
	c.start(false)
	c.fetch(`SELECT key, value FROM district_kv WHERE path = $1 ORDER BY key DESC LIMIT $2`, c.b.path, c.page)
	return c.take()
}

func (c *pgCursor) Seek(seek []byte) ([]byte, []byte) {
	c.start(true)
	c.fetch(`SELECT key, value FROM district_kv WHERE path = $1 AND key >= $2 ORDER BY key LIMIT $3`, c.b.path, seek, c.page)
	return c.take()
}

func (c *pgCursor) Next() ([]byte, []byte) { return c.step(true) }

func (c *pgCursor) Prev() ([]byte, []byte) { return c.step(false) }

func (c *pgCursor) step(forward bool) ([]byte, []byte) {
	if c.at == nil {
		return nil, nil
	}
	if forward != c.forward {
		c.start(forward)
		c.rows, c.done = nil, false
	}
	if len(c.rows) == 0 {
		if c.done {
			c.at = nil
			return nil, nil
		}
		c.page = min(c.page*4, lastPage)
		if forward {
			c.fetch(`SELECT key, value FROM district_kv WHERE path = $1 AND key > $2 ORDER BY key LIMIT $3`, c.b.path, c.at, c.page)
		} else {
			c.fetch(`SELECT key, value FROM district_kv WHERE path = $1 AND key < $2 ORDER BY key DESC LIMIT $3`, c.b.path, c.at, c.page)
		}
	}
	return c.take()
}
