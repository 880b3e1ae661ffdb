// Package protocol is the wire format between a terminal and its district:
// the paths, the JSON bodies and the rules both sides keep (docs/protocol.md).
// It holds no transport and no storage, so the terminal's client, districtd
// and the fuzz targets share one definition of every message.
//
// Compatibility: every path carries its major version (/v1/…). A district
// serves every version it ever shipped; within a version, fields are only
// ever added, and both sides ignore fields they do not know, so an old
// terminal keeps working against a newer district.
package protocol

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
)

// Version is the protocol version this code speaks.
const Version = 1

// Header carries the protocol version on every request and answer, so logs
// on both sides say which version a peer spoke.
const Header = "Yizhan-Protocol"

// The endpoints of version 1.
const (
	PathCA        = "/v1/ca"         // GET: the district CA certificate (PEM); no client certificate needed
	PathEnroll    = "/v1/enroll"     // POST EnrollRequest → EnrollResponse; no client certificate needed
	PathBlobs     = "/v1/blobs/"     // HEAD|PATCH /v1/blobs/{sha256}: resumable attachment upload
	PathBlobsDrop = "/v1/blobs/drop" // POST DropRequest → 204: drop the terminal's attachments no record names
	PathRecords   = "/v1/records"    // POST RecordsRequest → RecordsResponse
	PathStatuses  = "/v1/statuses"   // GET ?after=CURSOR → StatusesResponse
	PathCatalog   = "/v1/catalog"    // GET ?have=VERSION → Catalog, or 204 when the terminal has the newest
	PathConfig    = "/v1/config"     // GET ?have=VERSION → TerminalConfig, or 204
	PathHeartbeat = "/v1/heartbeat"  // POST Heartbeat → 204
	PathReceipt   = "/v1/receipt"    // POST ReceiptQuery → ReceiptStatus: a receipt's code scanned at another terminal
	PathDocument  = "/v1/document"   // POST DocumentRequest → Document: a certificate to print for the resident at the terminal
	PathVoice     = "/v1/voice"      // GET ?have=VERSION → Recordings, or 204: the district's own spoken prompts
	// The terminal's updater (docs/install.md, "Updates"):
	PathRelease    = "/v1/release"     // GET → ReleaseTarget, or 204 while the terminal's ring names no version
	PathReleaseKey = "/v1/release/key" // GET: the district's release key (OpenPGP, binary), for apt's signed-by
	PathRepo       = "/v1/repo/"       // GET: the signed Debian repository of terminal releases, for apt
)

// Blob upload headers (PathBlobs).
const (
	HeaderOffset = "Upload-Offset" // bytes the district holds of a blob / where this PATCH starts
	HeaderLength = "Upload-Length" // the blob's whole size
	// HeaderQuota, on an over_quota answer, is how many bytes of a
	// terminal's attachments the district takes before their record.
	HeaderQuota = "Upload-Quota"
)

// Limits both sides hold to. A district refuses what exceeds them; a
// terminal never sends it.
const (
	MaxBatchRecords = 200     // records in one RecordsRequest
	MaxBatchBytes   = 4 << 20 // encoded bytes of one RecordsRequest
	MaxBlobBytes    = 1 << 30 // one attachment
	MaxSealedBytes  = 1 << 20 // the sealed personal part of one record
	MaxBodyBytes    = 8 << 20 // any JSON body
	MaxStatuses     = 500     // statuses in one StatusesResponse
	MaxDocument     = 4 << 20 // one document's PDF
)

// Kinds of record, as the outbox names them.
var kinds = map[string]bool{"application": true, "rating": true, "complaint": true, "staff_call": true, "event": true}

// ValidKind reports whether k is a kind of record this version knows.
func ValidKind(k string) bool { return kinds[k] }

var (
	reUUID       = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	reSHA256     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	reTerminalID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)
	reShort      = regexp.MustCompile(`^[\p{L}\p{N}\-_./: ]{0,64}$`)
	reRing       = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	reDebVersion = regexp.MustCompile(`^([0-9]{1,9}:)?[0-9][A-Za-z0-9.+~-]{0,63}$`)
)

// ValidSHA256 reports whether s is a hex SHA-256, the name of a blob.
func ValidSHA256(s string) bool { return reSHA256.MatchString(s) }

// ValidRecordID reports whether s can name a record: a UUID, which the
// terminal makes (version 7).
func ValidRecordID(s string) bool { return reUUID.MatchString(s) }

// ValidTerminalID reports whether s can name a terminal.
func ValidTerminalID(s string) bool { return reTerminalID.MatchString(s) }

// Error is the body of every answer that is not 2xx.
type Error struct {
	Code    string `json:"code"`    // stable, for programs: "bad_request", "unauthorized", "revoked", …
	Message string `json:"message"` // for people: technicians and logs
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes.
const (
	CodeBadRequest   = "bad_request"
	CodeUnauthorized = "unauthorized" // no or unknown client certificate
	CodeRevoked      = "revoked"      // the terminal was revoked by the district
	CodeBadToken     = "bad_token"    // enrollment token unknown, used or expired
	CodeTooLarge     = "too_large"
	CodeConflict     = "conflict"   // blob upload offset differs; the answer carries the right one
	CodeTooMany      = "too_many"   // too many failed enrollments from this address (HTTP 429, Retry-After)
	CodeOverQuota    = "over_quota" // the terminal's attachments not yet named by a record fill its quota (HTTP 507)
	CodeInternal     = "internal"
	CodeNotFound     = "not_found"  // the district has no such thing (a receipt's application not yet sent)
	CodeForged       = "forged"     // a receipt's code whose signature does not hold
	CodeNotIssued    = "not_issued" // the district issues no such document for this resident (the message says why, for the resident)
)

// ErrTooLarge is a body over its limit.
var ErrTooLarge = errors.New("protocol: body too large")

// Decode reads one JSON value of at most max bytes from r into v and runs
// its Validate method. Unknown fields are ignored (see the package doc);
// trailing data is an error.
func Decode(r io.Reader, max int64, v interface{ Validate() error }) error {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return fmt.Errorf("protocol: read: %w", err)
	}
	if int64(len(data)) > max {
		return fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	}
	return Unmarshal(data, v)
}

// Unmarshal decodes data into v and runs its Validate method.
func Unmarshal(data []byte, v interface{ Validate() error }) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("protocol: %T: %w", v, err)
	}
	if err := v.Validate(); err != nil {
		return fmt.Errorf("protocol: %T: %w", v, err)
	}
	return nil
}

func check(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

var errNoTime = errors.New("time missing")

func checkTime(t time.Time) error {
	if t.IsZero() {
		return errNoTime
	}
	return nil
}

// CAPin is the fingerprint of a district CA certificate (DER) as enrollment
// tokens carry it: base32 of the first 20 bytes of its SHA-256. A terminal
// that was given no CA file trusts the CA the district sends only when its
// pin matches the token's.
func CAPin(caDER []byte) string {
	sum := sha256.Sum256(caDER)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:20])
}
