// Package district is the district's side of the sync protocol: the store
// of everything terminals sent (bbolt and content-addressed blobs), the
// certificate authority that enrolls terminals, the age identity that opens
// sealed records, the signed catalog, and the HTTPS handler districtd
// serves. Staff work (statuses, ratings, complaints, imports) goes through
// the same store.
//
// Its invariants:
//   - A record is stored once, keyed by the terminal that sent it and the id
//     it made; sending it again is answered "duplicate" and changes
//     nothing. One terminal's ids and attachments are invisible to another.
//   - A record is answered accepted only after it and every attachment it
//     names are on disk (the bbolt commit fsyncs; attachments are fsynced,
//     checked against their SHA-256 and filed before it commits).
//   - Only terminals holding a certificate this district issued, and still
//     current (not revoked, not superseded by a later enrollment), are
//     served beyond the CA and enrollment endpoints.
package district

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/passhash"
)

// The store's layout, version 3:
//
//	meta              "version" → 2, "catalog" → protocol.Catalog, "config" → protocol.TerminalConfig
//	tokens            SHA-256(token) → token
//	terminals         terminal id → Terminal
//	terminal_records  terminal id → (bucket: record id → Stored)
//	statuses          terminal id → (bucket: cursor, 8 bytes big-endian → protocol.Status)
//	staff             staff name → staffRecord (staff.go)
//	audit             sequence, 8 bytes big-endian → AuditEvent, chained (audit.go)
//	inbox, counts     applications by state (inbox.go)
//	ratings, rating_facts, receipts, unrated   好差评 (ratings.go)
//	cases, open_cases, closed_cases            bad ratings' and complaints' work (cases.go)
//	feed, api_tokens  what other systems read, and who may (feed.go)
//	console_sessions  SHA-256(session token) → ConsoleSession (sessions.go)
//
// Attachments live in attachments/TERMINAL/ (attachments.go). Version 1
// kept records by id alone and blobs shared by all terminals; version 2
// had no inbox, ratings or cases; Open migrates both (migrate.go,
// index.go).
var (
	bucketMeta        = []byte("meta")
	bucketTokens      = []byte("tokens")
	bucketTerminals   = []byte("terminals")
	bucketRecords     = []byte("terminal_records")
	bucketStatuses    = []byte("statuses")
	bucketStaff       = []byte("staff")
	bucketAudit       = []byte("audit")
	bucketInbox       = []byte("inbox")
	bucketCounts      = []byte("counts")
	bucketRatings     = []byte("ratings")
	bucketRatingFacts = []byte("rating_facts")
	bucketReceipts    = []byte("receipts")
	bucketUnrated     = []byte("unrated")
	bucketCases       = []byte("cases")
	bucketOpenCases   = []byte("open_cases")
	bucketClosedCases = []byte("closed_cases")
	bucketFeed        = []byte("feed")
	bucketAPITokens   = []byte("api_tokens")
	bucketSessions    = []byte("console_sessions")
	bucketDocuments   = []byte("documents")
	keyVersion        = []byte("version")
	keyCatalog        = []byte("catalog")
	keyConfig         = []byte("config")
)

const storeVersion = "3"

var allBuckets = [][]byte{bucketMeta, bucketTokens, bucketTerminals, bucketRecords, bucketStatuses, bucketStaff, bucketAudit,
	bucketInbox, bucketCounts, bucketRatings, bucketRatingFacts, bucketReceipts, bucketUnrated, bucketCases, bucketOpenCases, bucketClosedCases, bucketFeed, bucketAPITokens,
	bucketSessions, bucketDocuments}

// Options configures a District.
type Options struct {
	// Dir holds everything: district.db, attachments/, the CA, the sealing
	// identity and the catalog key.
	Dir string
	// Name is the district's name, for the CA's subject.
	Name string
	// Hosts are the names and addresses terminals reach the district by;
	// the server certificate covers them. 127.0.0.1 and localhost always.
	Hosts []string
	Log   *slog.Logger
	Now   func() time.Time
	// QuietAfter is how long a terminal may stay silent before it is
	// flagged; three missed heartbeats unless set.
	QuietAfter time.Duration
	// BodyIdle is how long a request body may stay silent before the
	// connection is dropped (30 s).
	BodyIdle time.Duration
	// EnrollDeadline is how long a whole enrollment request — the one
	// endpoint that needs no certificate — may take from its first byte
	// to its last (30 s): a peer that trickles its body is cut then, however
	// it spaces its bytes.
	EnrollDeadline time.Duration
	// MinBodyRate is the slowest a terminal's request body may arrive, in
	// bytes a second averaged from the request's start, once BodyGrace has
	// passed (256 B/s after 30 s): a trickle below it is cut. A terminal on
	// a poor mobile link sends far faster.
	MinBodyRate int
	BodyGrace   time.Duration
	// MaxConns and MaxConnsPerAddr bound the connections open at once, in
	// all (4096) and from one source address (64: a bank branch's
	// terminals may share one address behind its router).
	MaxConns, MaxConnsPerAddr int
	// IdleTimeout is how long a connection may wait for its next request
	// (30 s): shorter than the minute between a terminal's rounds, so a
	// connection left open after a round is let go before the next and
	// the district holds connections for the rounds in flight, not one
	// for every terminal it serves.
	IdleTimeout time.Duration
	// SweepEvery is how often Serve removes uploads left unfinished, and
	// attachments no record named, for a week, and rates the applications
	// left unrated (RateUnrated) (hourly).
	SweepEvery time.Duration
	// AttachmentQuota bounds the bytes of attachments a terminal may hold
	// at the district before a record names them — unfinished uploads and
	// whole ones waiting for their record (4 GiB). It must hold the
	// attachments of the largest record a terminal sends.
	AttachmentQuota int64
	// PasswordCost is what staff passwords are hashed at
	// (passhash.Default); tests lower it.
	PasswordCost passhash.Params
	// Store is where the district's records, terminals, staff and the
	// rest are kept: "" for district.db in Dir (bbolt), or a PostgreSQL
	// connection string ("postgres://…", "host=… dbname=…") that several
	// districtd replicas share. The CA, the keys and the attachments stay
	// in Dir either way.
	Store string
	// Issuer makes the documents residents print at the terminals
	// (certificates); nil: the district issues none there.
	Issuer Issuer
	// DocumentsPerHour bounds the documents one terminal is issued in an
	// hour (60: one a minute is more than a terminal's residents ask):
	// a stolen terminal key cannot draw the register out wholesale.
	DocumentsPerHour int
}

// District is one district's backend. It is safe for concurrent use.
type District struct {
	opt        Options
	db         store
	heartbeats *batcher // every terminal's heartbeat, committed together (batch.go)
	decoyOnce  sync.Once
	decoy      passhash.Hash // staff.go: what a login for no account checks against
	ca         *authority
	identities []age.Identity
	recipients []string
	catalogKey ed25519.PrivateKey
	attachDir  string

	seenMu   sync.Mutex
	lastSeen map[string]time.Time

	uploadsMu sync.Mutex
	uploads   map[string]*os.File // TERMINAL/HASH of blobs being written now → its lock (claim)

	quota attachmentQuota

	dirsMu   sync.Mutex
	dirsMade map[string]bool // terminals whose attachment folders this process made durable

	enrollGuard guard // failed enrollments by source address

	busyMu sync.Mutex
	busy   map[string]int // requests in the district now, by terminal

	issuedMu sync.Mutex
	issued   map[string][]time.Time // documents issued in the last hour, by terminal
}

// Open opens (or, on first start, makes) the district in opt.Dir.
func Open(opt Options) (*District, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Name == "" {
		opt.Name = "district"
	}
	if opt.BodyIdle <= 0 {
		opt.BodyIdle = 30 * time.Second
	}
	if opt.EnrollDeadline <= 0 {
		opt.EnrollDeadline = 30 * time.Second
	}
	if opt.MinBodyRate <= 0 {
		opt.MinBodyRate = 256
	}
	if opt.BodyGrace <= 0 {
		opt.BodyGrace = 30 * time.Second
	}
	if opt.SweepEvery <= 0 {
		opt.SweepEvery = time.Hour
	}
	if opt.MaxConns <= 0 {
		opt.MaxConns = 4096
	}
	if opt.MaxConnsPerAddr <= 0 {
		opt.MaxConnsPerAddr = 64
	}
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 30 * time.Second
	}
	if opt.AttachmentQuota <= 0 {
		opt.AttachmentQuota = 4 << 30
	}
	if opt.DocumentsPerHour <= 0 {
		opt.DocumentsPerHour = 60
	}
	if opt.QuietAfter <= 0 {
		opt.QuietAfter = 3 * time.Minute
	}
	if opt.PasswordCost == (passhash.Params{}) {
		opt.PasswordCost = passhash.Default
	}
	d := &District{opt: opt, attachDir: filepath.Join(opt.Dir, "attachments"), uploads: map[string]*os.File{}, lastSeen: map[string]time.Time{},
		quota: attachmentQuota{held: map[string]int64{}}, dirsMade: map[string]bool{}}
	if err := os.MkdirAll(d.attachDir, 0o700); err != nil {
		return nil, fmt.Errorf("district: %w", err)
	}
	if err := durable.SyncDir(opt.Dir); err != nil {
		return nil, fmt.Errorf("district: %w", err)
	}
	var err error
	if opt.Store == "" {
		if opt.Store, err = readStoreFile(opt.Dir); err != nil {
			return nil, fmt.Errorf("district: %w", err)
		}
	}
	if opt.Store != "" {
		d.db, err = openPostgres(context.Background(), opt.Store)
	} else {
		d.db, err = openBolt(opt.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("district: store: %w", err)
	}
	d.heartbeats = newBatcher(d.db.Update)
	if err := d.loadSecrets(); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("district: %w", err)
	}
	var version string
	err = d.db.Update(func(tx Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		version = string(meta.Get(keyVersion))
		if version == "" {
			version = storeVersion
			return meta.Put(keyVersion, []byte(storeVersion))
		}
		return nil
	})
	if err == nil {
		err = d.upgrade(version)
	}
	if err == nil {
		err = d.removeStaleImports()
	}
	if err != nil {
		d.db.Close()
		return nil, fmt.Errorf("district: store: %w", err)
	}
	return d, nil
}

// StoreFile, in a district's folder, names the PostgreSQL database its
// store is in (a connection string, with its password: the file is the
// service user's alone, 0600). Without it the store is district.db.
const StoreFile = "store"

func readStoreFile(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, StoreFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	dsn := strings.TrimSpace(string(data))
	if dsn == "" {
		return "", fmt.Errorf("%s is empty: it names the district's PostgreSQL database", filepath.Join(dir, StoreFile))
	}
	return dsn, nil
}

// WriteStoreFile records in dir that the district's store is the
// PostgreSQL database dsn, once it opens: every districtd command given the
// folder uses it from then on.
func WriteStoreFile(dir, dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := openPostgres(ctx, dsn)
	if err != nil {
		return err
	}
	s.Close()
	_, err = durable.WriteFrom(filepath.Join(dir, StoreFile), strings.NewReader(dsn+"\n"), 0o600)
	return err
}

// loadSecrets reads the CA and the keys, making them on first start: from
// the folder, or, on PostgreSQL, from the store, sealed (secrets.go).
func (d *District) loadSecrets() error {
	var sec secrets = fileSecrets{dir: d.opt.Dir}
	if _, onPostgres := d.db.(*pgStore); onPostgres {
		ss, err := openStoreSecrets(d.db, d.opt.Dir)
		if err != nil {
			return err
		}
		sec = ss
	}
	var err error
	if d.ca, err = loadOrCreateAuthority(sec, d.opt.Name, d.opt.Now()); err != nil {
		return fmt.Errorf("CA: %w", err)
	}
	if err := d.loadSealingIdentity(sec); err != nil {
		return fmt.Errorf("sealing identity: %w", err)
	}
	if err := d.loadCatalogKey(sec); err != nil {
		return fmt.Errorf("catalog key: %w", err)
	}
	return nil
}

// Close closes the store.
func (d *District) Close() error { return d.db.Close() }

// loadSealingIdentity reads the age identities that open sealed records,
// making one on first start. Older identities stay in the file after a new
// one is added, so records sealed before a key change still open.
func (d *District) loadSealingIdentity(sec secrets) error {
	text, err := sec.get("sealing.key")
	if isSecretMissing(err) {
		id, err := age.GenerateX25519Identity()
		if err != nil {
			return err
		}
		text = []byte("# the district's sealing identity: it opens every terminal's records\n" + id.String() + "\n")
		if text, err = sec.keep("sealing.key", text, 0o600); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	ids, err := age.ParseIdentities(strings.NewReader(string(text)))
	if err != nil {
		return err
	}
	for _, id := range ids {
		x, ok := id.(*age.X25519Identity)
		if !ok {
			return errors.New("only X25519 identities are supported")
		}
		d.identities = append(d.identities, x)
		d.recipients = append(d.recipients, x.Recipient().String())
	}
	// The newest key (the last in the file) is the one terminals seal to.
	d.recipients = d.recipients[len(d.recipients)-1:]
	return nil
}

func (d *District) loadCatalogKey(sec secrets) error {
	data, err := sec.get("catalog.key")
	if isSecretMissing(err) {
		_, key, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return err
		}
		data = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		if data, err = sec.keep("catalog.key", data, 0o600); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return errors.New("no PEM key")
	}
	key, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return err
	}
	var ok bool
	if d.catalogKey, ok = key.(ed25519.PrivateKey); !ok {
		return errors.New("not an Ed25519 key")
	}
	return nil
}

// CA returns the district CA certificate (DER).
func (d *District) CA() []byte { return d.ca.cert.Raw }

// Recipients are the age public keys terminals seal to.
func (d *District) Recipients() []string { return d.recipients }

// CatalogKey is the public key catalogs are signed with.
func (d *District) CatalogKey() ed25519.PublicKey { return d.catalogKey.Public().(ed25519.PublicKey) }

func getJSON(b Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	return true, json.Unmarshal(data, v)
}

func putJSON(b Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
