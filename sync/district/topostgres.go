package district

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	gohash "hash"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Moving a district from its folder's district.db to PostgreSQL, for when
// it outgrows one machine (districtd migrate). The district is stopped
// meanwhile — bbolt's lock on the file says so — and its terminals keep
// their records until it is back; they notice a pause, nothing else.
//
//  1. Every bucket, nested ones too, with its sequence, and every key is
//     copied in one PostgreSQL transaction (COPY): a failure leaves the
//     database as it was. The database must hold no district.
//  2. Each bucket is read back from both stores, in key order, and its
//     count and SHA-256 compared.
//  3. The folder's store file is written, and district.db renamed
//     district.db.before-postgres (kept: it is the way back).

// MigrationReport is what a move to PostgreSQL copied and checked.
type MigrationReport struct {
	Buckets int              `json:"buckets"`
	Keys    int64            `json:"keys"`
	ByTop   map[string]int64 `json:"by_bucket"` // keys under each top-level bucket
	Took    time.Duration    `json:"took"`
}

// ErrNotEmpty is a database that holds a district already.
var ErrNotEmpty = errors.New("district: the database holds a district already")

// MigrateToPostgres moves the district in dir to the database dsn.
func MigrateToPostgres(dir, dsn string, log *slog.Logger) (MigrationReport, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	start := time.Now()
	rep := MigrationReport{ByTop: map[string]int64{}}
	if existing, err := readStoreFile(dir); err != nil || existing != "" {
		if err == nil {
			err = errors.New("district: the district is on PostgreSQL already (its folder has a store file)")
		}
		return rep, err
	}
	path := filepath.Join(dir, "district.db")
	if _, err := os.Stat(path); err != nil {
		return rep, fmt.Errorf("district: no district.db in %s: %w", dir, err)
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if errors.Is(err, berrors.ErrTimeout) {
		return rep, errors.New("district: district.db is in use: stop districtd first")
	}
	if err != nil {
		return rep, fmt.Errorf("district: %w", err)
	}
	defer src.Close()
	ctx := context.Background()
	dst, err := openPostgres(ctx, dsn)
	if err != nil {
		return rep, err
	}
	defer dst.Close()
	var buckets int64
	if err := dst.pool.QueryRow(ctx, `SELECT count(*) FROM district_buckets`).Scan(&buckets); err != nil {
		return rep, fmt.Errorf("postgres: %w", err)
	}
	if buckets > 0 {
		return rep, ErrNotEmpty
	}

	// 1. Copy.
	err = src.View(func(stx *bolt.Tx) error {
		tx, err := dst.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		err = stx.ForEach(func(name []byte, b *bolt.Bucket) error {
			n, err := copyBucket(ctx, tx, "", name, b, &rep)
			rep.ByTop[string(name)] = n
			log.Info("bucket copied", "bucket", string(name), "keys", n)
			return err
		})
		if err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
	if err != nil {
		return rep, fmt.Errorf("district: copy to postgres: %w", err)
	}

	// 2. Check.
	if err := compareStores(src, dst); err != nil {
		return rep, err
	}

	// 3. Switch.
	if err := WriteStoreFile(dir, dsn); err != nil {
		return rep, err
	}
	src.Close()
	if err := os.Rename(path, path+".before-postgres"); err != nil {
		return rep, fmt.Errorf("district: the copy is whole and the store file written, but district.db stays: %w", err)
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// copyBucket copies b, its keys and its nested buckets under parent, and
// returns how many keys it held, nested ones included.
func copyBucket(ctx context.Context, tx pgx.Tx, parent string, name []byte, b *bolt.Bucket, rep *MigrationReport) (int64, error) {
	path := childPath(parent, name)
	if _, err := tx.Exec(ctx, `INSERT INTO district_buckets (path, parent, name, seq) VALUES ($1, $2, $3, $4)`,
		path, parent, name, int64(b.Sequence())); err != nil {
		return 0, err
	}
	rep.Buckets++
	var rows [][]any
	var nested [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			nested = append(nested, bytes.Clone(k))
			return nil
		}
		rows = append(rows, []any{path, bytes.Clone(k), bytes.Clone(v)})
		return nil
	})
	if err != nil {
		return 0, err
	}
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), 10000)]
		rows = rows[len(chunk):]
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"district_kv"}, []string{"path", "key", "value"}, pgx.CopyFromRows(chunk)); err != nil {
			return 0, err
		}
		rep.Keys += int64(len(chunk))
	}
	n := int64(0)
	b.ForEach(func(_, v []byte) error {
		if v != nil {
			n++
		}
		return nil
	})
	for _, child := range nested {
		m, err := copyBucket(ctx, tx, path, child, b.Bucket(child), rep)
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

// compareStores reads every bucket of both stores in key order and
// compares their keys' count and hash, and their sequences.
func compareStores(src *bolt.DB, dst *pgStore) error {
	want := map[string]bucketSum{}
	err := src.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return sumBolt(childPath("", name), b, want)
		})
	})
	if err != nil {
		return err
	}
	got := map[string]bucketSum{}
	err = dst.View(func(tx Tx) error {
		return sumPG(tx.(*pgTx), "", got)
	})
	if err != nil {
		return err
	}
	if len(got) != len(want) {
		return fmt.Errorf("district: the copy holds %d buckets, district.db %d", len(got), len(want))
	}
	for path, w := range want {
		if g, ok := got[path]; !ok || g != w {
			return fmt.Errorf("district: bucket %s differs after the copy (%d keys, seq %d in district.db; %d, seq %d copied)", path, w.keys, w.seq, g.keys, g.seq)
		}
	}
	return nil
}

type bucketSum struct {
	keys int64
	seq  uint64
	sum  [32]byte
}

func hashKV(h gohash.Hash, k, v []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(k)))
	h.Write(n[:])
	h.Write(k)
	binary.BigEndian.PutUint64(n[:], uint64(len(v)))
	h.Write(n[:])
	h.Write(v)
}

func sumBolt(path string, b *bolt.Bucket, out map[string]bucketSum) error {
	h := sha256.New()
	s := bucketSum{seq: b.Sequence()}
	var nested [][]byte
	b.ForEach(func(k, v []byte) error {
		if v == nil {
			nested = append(nested, bytes.Clone(k))
			return nil
		}
		hashKV(h, k, v)
		s.keys++
		return nil
	})
	copy(s.sum[:], h.Sum(nil))
	out[path] = s
	for _, name := range nested {
		if err := sumBolt(childPath(path, name), b.Bucket(name), out); err != nil {
			return err
		}
	}
	return nil
}

func sumPG(t *pgTx, parent string, out map[string]bucketSum) error {
	rows, err := t.tx.Query(t.ctx, `SELECT path, seq FROM district_buckets WHERE parent = $1 ORDER BY name`, parent)
	if err != nil {
		return err
	}
	type bucketRow struct {
		path string
		seq  int64
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (bucketRow, error) {
		var b bucketRow
		return b, r.Scan(&b.path, &b.seq)
	})
	if err != nil {
		return err
	}
	for _, br := range list {
		h := sha256.New()
		s := bucketSum{seq: uint64(br.seq)}
		c := (&pgBucket{t: t, path: br.path}).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			hashKV(h, k, v)
			s.keys++
		}
		if t.err != nil {
			return t.err
		}
		copy(s.sum[:], h.Sum(nil))
		out[br.path] = s
		if err := sumPG(t, br.path, out); err != nil {
			return err
		}
	}
	return nil
}
