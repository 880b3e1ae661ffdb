package protocol

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// EnrollRequest asks the district to certify a terminal's key. CSR is a
// PKCS #10 certificate request (DER) whose subject common name is the
// terminal id; the private key never leaves the terminal.
type EnrollRequest struct {
	Token      string `json:"token"`
	TerminalID string `json:"terminal_id"`
	CSR        []byte `json:"csr"`
}

func (r *EnrollRequest) Validate() error {
	return firstError(
		check(len(r.Token) >= 16 && len(r.Token) <= 128, "token malformed"),
		check(ValidTerminalID(r.TerminalID), "terminal id %q malformed", r.TerminalID),
		check(len(r.CSR) > 0 && len(r.CSR) <= 8<<10, "certificate request missing or over 8 KiB"),
	)
}

// EnrollResponse is what a terminal keeps from enrollment.
type EnrollResponse struct {
	TerminalID  string   `json:"terminal_id"`
	Site        string   `json:"site"`
	Certificate []byte   `json:"certificate"` // the terminal's certificate, DER
	CA          []byte   `json:"ca"`          // the district CA, DER
	Recipients  []string `json:"recipients"`  // age public keys everything personal is sealed to
	CatalogKey  []byte   `json:"catalog_key"` // Ed25519 public key that signs catalogs
}

func (r *EnrollResponse) Validate() error {
	return firstError(
		check(ValidTerminalID(r.TerminalID), "terminal id %q malformed", r.TerminalID),
		check(len(r.Certificate) > 0 && len(r.CA) > 0, "certificate missing"),
		check(len(r.Recipients) > 0 && len(r.Recipients) <= 16, "sealing keys missing"),
		check(len(r.CatalogKey) == ed25519.PublicKeySize, "catalog key malformed"),
	)
}

// Public is a record's public part: no personal data.
type Public struct {
	Service string `json:"service,omitempty"`
	Receipt string `json:"receipt,omitempty"`
}

// Attachment names a sealed attachment uploaded as a blob.
type Attachment struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Record is one queued record as the terminal sends it. Sealed is the
// age-encrypted personal part; the district alone can open it.
type Record struct {
	ID          string       `json:"id"`  // UUIDv7 made on the terminal: the key the district stores it by
	Seq         uint64       `json:"seq"` // the terminal's sequence number
	Kind        string       `json:"kind"`
	Created     time.Time    `json:"created"`
	Public      Public       `json:"public"`
	Sealed      []byte       `json:"sealed"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

func (r *Record) Validate() error {
	if err := firstError(
		check(ValidRecordID(r.ID), "record id %q malformed", r.ID),
		check(r.Seq > 0, "record %s: no sequence number", r.ID),
		check(ValidKind(r.Kind), "record %s: unknown kind %q", r.ID, r.Kind),
		checkTime(r.Created),
		check(reShort.MatchString(r.Public.Service) && reShort.MatchString(r.Public.Receipt), "record %s: public part malformed", r.ID),
		check(len(r.Sealed) > 0 && len(r.Sealed) <= MaxSealedBytes, "record %s: sealed part missing or over %d bytes", r.ID, MaxSealedBytes),
		check(len(r.Attachments) <= 32, "record %s: over 32 attachments", r.ID),
	); err != nil {
		return err
	}
	for _, a := range r.Attachments {
		if !ValidSHA256(a.SHA256) || a.Size <= 0 || a.Size > MaxBlobBytes || !reShort.MatchString(a.Name) {
			return errors.New("record " + r.ID + ": attachment malformed")
		}
	}
	return nil
}

// RecordsRequest is a batch of records, oldest first.
type RecordsRequest struct {
	Records []Record `json:"records"`
}

// Validate checks the batch as a whole: its size, and that every record
// has an id of its own to be answered by. Each record's own rules are
// checked one by one (Record.Validate), so a record that breaks them is
// answered rejected without refusing the rest of its batch.
func (r *RecordsRequest) Validate() error {
	if len(r.Records) == 0 || len(r.Records) > MaxBatchRecords {
		return errors.New("batch empty or over " + strconv.Itoa(MaxBatchRecords) + " records")
	}
	seen := make(map[string]bool, len(r.Records))
	for i := range r.Records {
		id := r.Records[i].ID
		if !ValidRecordID(id) {
			return errors.New("record id " + strconv.Quote(id) + " malformed")
		}
		if seen[id] {
			return errors.New("record " + id + " twice in one batch")
		}
		seen[id] = true
	}
	return nil
}

// What the district did with a record.
const (
	Accepted  = "accepted"  // stored now: counts as acknowledged
	Duplicate = "duplicate" // stored before: counts as acknowledged
	Rejected  = "rejected"  // refused for good, with a reason: never send it again
	Missing   = "missing"   // an attachment has not arrived: upload it and send the record again
)

// Result is the district's answer for one record.
type Result struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// DropRequest asks the district to drop the terminal's attachments that no
// stored record names — unfinished uploads and whole ones waiting for their
// record — but those it keeps (the attachments of the record the terminal
// sends next).
type DropRequest struct {
	Keep []string `json:"keep,omitempty"` // SHA-256 names
}

func (r *DropRequest) Validate() error {
	if len(r.Keep) > 32 {
		return errors.New("over 32 attachments to keep")
	}
	for _, h := range r.Keep {
		if !ValidSHA256(h) {
			return errors.New("an attachment to keep is not named by a SHA-256")
		}
	}
	return nil
}

// RecordsResponse answers a RecordsRequest: one result per record, in the
// order sent.
type RecordsResponse struct {
	Results []Result `json:"results"`
}

func (r *RecordsResponse) Validate() error {
	for _, res := range r.Results {
		switch res.Status {
		case Accepted, Duplicate, Rejected, Missing:
		default:
			return errors.New("result " + res.ID + ": unknown status " + strconv.Quote(res.Status))
		}
		if !ValidRecordID(res.ID) {
			return errors.New("result id malformed")
		}
	}
	return nil
}

// Application states the district reports back.
var applicationStates = map[string]bool{"received": true, "accepted": true, "processing": true, "done": true, "rejected": true}

// ValidState reports whether s is an application state.
func ValidState(s string) bool { return applicationStates[s] }

// Status is one change of a record's state at the district.
type Status struct {
	Cursor  uint64    `json:"cursor"` // increases with every status for this terminal
	ID      string    `json:"id"`     // the record
	State   string    `json:"state"`
	Message string    `json:"message,omitempty"` // the district's words for the resident
	At      time.Time `json:"at"`
}

// StatusesResponse carries the statuses after the terminal's cursor,
// oldest first; More says another request would bring more.
type StatusesResponse struct {
	Statuses []Status `json:"statuses"`
	More     bool     `json:"more"`
}

func (r *StatusesResponse) Validate() error {
	if len(r.Statuses) > MaxStatuses {
		return errors.New("over " + strconv.Itoa(MaxStatuses) + " statuses")
	}
	var last uint64
	for _, s := range r.Statuses {
		if s.Cursor <= last {
			return errors.New("statuses out of order")
		}
		last = s.Cursor
		if !ValidRecordID(s.ID) || !ValidState(s.State) || len(s.Message) > 2000 || s.At.IsZero() {
			return errors.New("status for " + strconv.Quote(s.ID) + " malformed")
		}
	}
	return nil
}

// Catalog is the district's service catalog. Body is the catalog document
// (JSON, its schema is the terminal's); Signature is Ed25519 over
// SignedCatalog(Version, Body) with the key the terminal got at enrollment.
type Catalog struct {
	Version   uint64 `json:"version"`
	Body      []byte `json:"body"`
	Signature []byte `json:"signature"`
}

func (c *Catalog) Validate() error {
	return firstError(
		check(c.Version > 0, "catalog without a version"),
		check(len(c.Body) > 0 && len(c.Body) <= MaxBodyBytes/2, "catalog body missing or too large"),
		check(len(c.Signature) == ed25519.SignatureSize, "catalog signature malformed"),
	)
}

// SignedCatalog is the message a catalog's signature covers. The version is
// inside it, so an old catalog cannot be replayed under a new number.
func SignedCatalog(version uint64, body []byte) []byte {
	msg := []byte("yizhan-catalog/1\n" + strconv.FormatUint(version, 10) + "\n")
	return append(msg, body...)
}

// SignCatalog makes a signed catalog.
func SignCatalog(key ed25519.PrivateKey, version uint64, body []byte) Catalog {
	return Catalog{Version: version, Body: body, Signature: ed25519.Sign(key, SignedCatalog(version, body))}
}

// Errors of VerifyCatalog.
var (
	ErrBadSignature = errors.New("protocol: catalog signature does not verify")
	ErrOldCatalog   = errors.New("protocol: catalog older than the one the terminal has")
)

// VerifyCatalog checks a catalog's signature and that it is newer than
// the version the terminal has.
func VerifyCatalog(key ed25519.PublicKey, c Catalog, have uint64) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, SignedCatalog(c.Version, c.Body), c.Signature) {
		return ErrBadSignature
	}
	if c.Version <= have {
		return ErrOldCatalog
	}
	return nil
}

// TerminalConfig is what the district sets for its terminals.
type TerminalConfig struct {
	Version uint64 `json:"version"`
	// Idle and ElderlyIdle override the terminal's idle times; 0 keeps
	// the terminal's own.
	IdleSeconds        int `json:"idle_seconds,omitempty"`
	ElderlyIdleSeconds int `json:"elderly_idle_seconds,omitempty"`
	// ServiceHours is when residents are served, "08:00-20:00"; "" is
	// always (a 24-hour hall).
	ServiceHours string `json:"service_hours,omitempty"`
	// UpdateWindow is when the terminal may install a new version,
	// "HH:MM-HH:MM", across midnight if the end comes first
	// ("22:00-06:00"); "" is outside ServiceHours, or 02:00-05:00 in a
	// 24-hour hall.
	UpdateWindow string `json:"update_window,omitempty"`
	// ReleaseRepository is where the terminals' updater fetches the
	// district's signed repository when the district's own web server
	// serves it ("https://…/", its certificate one the terminals' system
	// trusts); "" is districtd's own, PathRepo, over the sync's mutual TLS.
	ReleaseRepository string         `json:"release_repository,omitempty"`
	Announcements     []Announcement `json:"announcements,omitempty"`
	// Hotline is the number a resident is given when no staff can come
	// (offline, or outside service hours); "" is the national government
	// service hotline, 12345.
	Hotline string `json:"hotline,omitempty"`
}

// Announcement is a notice shown on the home screen until it expires.
type Announcement struct {
	ZH    string    `json:"zh"`
	EN    string    `json:"en,omitempty"`
	Until time.Time `json:"until"`
}

func (c *TerminalConfig) Validate() error {
	if err := firstError(
		check(c.Version > 0, "configuration without a version"),
		check(c.IdleSeconds == 0 || (c.IdleSeconds >= 30 && c.IdleSeconds <= 600), "idle_seconds %d outside 30–600", c.IdleSeconds),
		check(c.ElderlyIdleSeconds == 0 || (c.ElderlyIdleSeconds >= 30 && c.ElderlyIdleSeconds <= 900), "elderly_idle_seconds %d outside 30–900", c.ElderlyIdleSeconds),
		check(c.ServiceHours == "" || ValidServiceHours(c.ServiceHours), "service_hours %q is not HH:MM-HH:MM", c.ServiceHours),
		check(c.UpdateWindow == "" || validWindow(c.UpdateWindow), "update_window %q is not HH:MM-HH:MM of 30 minutes or more", c.UpdateWindow),
		check(c.ReleaseRepository == "" || validRepository(c.ReleaseRepository), "release_repository %q is not an https:// URL ending in /", c.ReleaseRepository),
		check(len(c.Announcements) <= 8, "over 8 announcements"),
		check(c.Hotline == "" || ValidHotline(c.Hotline), "hotline %q is not a phone number (digits and dashes, 3 to 20)", c.Hotline),
	); err != nil {
		return err
	}
	for _, a := range c.Announcements {
		if a.ZH == "" || len(a.ZH) > 600 || len(a.EN) > 600 || a.Until.IsZero() {
			return errors.New("announcement malformed")
		}
	}
	return nil
}

// ValidHotline reports whether s is a phone number as residents dial it:
// 3 to 20 digits and dashes, starting with a digit ("12345",
// "0371-12345").
func ValidHotline(s string) bool {
	if len(s) < 3 || len(s) > 20 || s[0] < '0' || s[0] > '9' {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// ValidServiceHours reports whether s is "HH:MM-HH:MM" with a start before
// the end.
func ValidServiceHours(s string) bool {
	if len(s) != 11 || s[5] != '-' {
		return false
	}
	from, ok1 := minutes(s[:5])
	to, ok2 := minutes(s[6:])
	return ok1 && ok2 && from < to
}

// ParseWindow reads "HH:MM-HH:MM" as minutes of the day; to may come
// before from, for a window across midnight. An empty window (from ==
// to) is refused.
func ParseWindow(s string) (from, to int, ok bool) {
	if len(s) != 11 || s[5] != '-' {
		return 0, 0, false
	}
	from, ok1 := minutes(s[:5])
	to, ok2 := minutes(s[6:])
	return from, to, ok1 && ok2 && from%1440 != to%1440
}

// validRepository: an https URL with a host, ending in "/", with nothing
// apt's one-line sources format would split or misread.
func validRepository(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= 200 && u.Scheme == "https" && u.Host != "" && u.User == nil &&
		u.RawQuery == "" && u.Fragment == "" && strings.HasSuffix(s, "/") && !strings.ContainsAny(s, " \t\n[]#")
}

// validWindow: an update window long enough for the updater's timer
// (every 15 to 25 minutes) to land in: 30 minutes at least.
func validWindow(s string) bool {
	from, to, ok := ParseWindow(s)
	return ok && (to-from+1440)%1440 >= 30
}

func minutes(hhmm string) (int, bool) {
	if len(hhmm) != 5 || hhmm[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(hhmm[:2])
	m, err2 := strconv.Atoi(hhmm[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// Heartbeat is what a terminal reports every minute while online. It holds
// no personal data.
type Heartbeat struct {
	Software string            `json:"software"` // the terminal's version
	Time     time.Time         `json:"time"`     // the terminal's clock, to spot drift
	Devices  map[string]string `json:"devices"`  // device kind → state
	Queue    QueueReport       `json:"queue"`
	// StoreRecovered is set when the terminal found its store damaged and
	// started a fresh one: a technician must look.
	StoreRecovered string `json:"store_recovered,omitempty"`
	// StaffCalls counts residents waiting for help since the last beat.
	StaffCalls int `json:"staff_calls,omitempty"`
	// Attention is, for each device not online, who must act and why:
	// what the district's fleet page shows. Terminals before it send none.
	Attention map[string]DeviceAttention `json:"attention,omitempty"`
	// Update is how the terminal's last update went; nil before its
	// first, and from terminals before updates.
	Update *UpdateReport `json:"update,omitempty"`
}

// UpdateReport is the outcome of the updater's last install on a
// terminal: what it tried, how it went and why.
type UpdateReport struct {
	ID      string    `json:"id"`      // names this outcome, so it is reported as an event once
	Version string    `json:"version"` // the version it tried to install
	From    string    `json:"from"`    // the version it ran before
	Result  string    `json:"result"`  // UpdateInstalled, UpdateRolledBack, UpdateFailed
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
	// Running is the version installed now; Refused the versions this
	// terminal will not install again (each failed its check here).
	Running string   `json:"running"`
	Refused []string `json:"refused,omitempty"`
}

// How an update came out.
const (
	UpdateInstalled  = "installed"   // the version runs and passed its check
	UpdateRolledBack = "rolled_back" // it failed its check; the previous version runs again
	UpdateFailed     = "failed"      // it could not be installed (or, rolled back, not the previous either)
)

// ReleaseTarget is the version a terminal's ring names.
type ReleaseTarget struct {
	Ring    string `json:"ring"`
	Version string `json:"version"`
}

// Validate checks a target as the updater receives it: the version goes
// to apt, so only what a Debian version may hold.
func (r *ReleaseTarget) Validate() error {
	return firstError(
		check(ValidRing(r.Ring), "ring %q malformed", r.Ring),
		check(ValidDebianVersion(r.Version), "version %q is not a Debian version", r.Version),
	)
}

// ValidRing reports whether s can name a ring: a short lower-case word.
func ValidRing(s string) bool { return reRing.MatchString(s) }

// ValidDebianVersion reports whether s is a Debian version the way
// deb-version(7) writes it ([epoch:]upstream[-revision]), starting with
// a digit, at most 64 characters.
func ValidDebianVersion(s string) bool { return reDebVersion.MatchString(s) }

// DeviceAttention is who must act on a device and a short technical cause,
// never personal data.
type DeviceAttention struct {
	Actor  string `json:"actor"`            // "device", "resident", "staff" or "technician"
	Reason string `json:"reason,omitempty"` // "paper out", "port /dev/ttyUSB0 missing"
}

// QueueReport is the terminal's outbox at a glance.
type QueueReport struct {
	Depth         int   `json:"depth"`          // records waiting for the district
	OldestSeconds int64 `json:"oldest_seconds"` // age of the oldest waiting record
	Rejected      int   `json:"rejected"`
	DiskUsed      int64 `json:"disk_used"`
	DiskBudget    int64 `json:"disk_budget"`
	DiskNear      bool  `json:"disk_near"`
}

func (h *Heartbeat) Validate() error {
	if err := firstError(
		check(len(h.Software) <= 64, "software version too long"),
		checkTime(h.Time),
		check(len(h.Devices) <= 16, "over 16 devices"),
		check(h.Queue.Depth >= 0 && h.Queue.OldestSeconds >= 0 && h.Queue.DiskUsed >= 0 && h.Queue.DiskBudget >= 0, "queue report negative"),
		check(len(h.StoreRecovered) <= 1000, "store report too long"),
		check(len(h.Attention) <= 16, "over 16 devices needing attention"),
	); err != nil {
		return err
	}
	for k, a := range h.Attention {
		if !reShort.MatchString(k) || !reShort.MatchString(a.Actor) || len(a.Reason) > 200 {
			return errors.New("device attention malformed")
		}
	}
	for k, v := range h.Devices {
		if !reShort.MatchString(k) || !reShort.MatchString(v) {
			return errors.New("device state malformed")
		}
	}
	if u := h.Update; u != nil {
		return u.Validate()
	}
	return nil
}

// Validate checks an update report: versions as Debian writes them, a
// known result, a reason of at most 600 bytes, at most 32 refused
// versions.
func (u *UpdateReport) Validate() error {
	okVersion := func(v string) bool { return v == "" || ValidDebianVersion(v) }
	ok := len(u.ID) <= 64 && ValidDebianVersion(u.Version) && okVersion(u.From) && okVersion(u.Running) &&
		(u.Result == UpdateInstalled || u.Result == UpdateRolledBack || u.Result == UpdateFailed) &&
		len(u.Reason) <= 600 && len(u.Refused) <= 32
	for _, v := range u.Refused {
		ok = ok && ValidDebianVersion(v)
	}
	if !ok {
		return errors.New("update report malformed")
	}
	return nil
}

// ReceiptQuery asks the district how the application of a receipt
// stands: a resident held the receipt's QR code to a terminal other than
// the one that printed it. Receipt and Signature are the code's
// (sync/receiptcode); the district checks the signature with the
// issuing terminal's key before it answers.
type ReceiptQuery struct {
	Receipt   string `json:"receipt"`
	Signature []byte `json:"signature"`
}

// MaxReceiptSignature bounds a receipt code's signature (an ECDSA P-256
// signature in ASN.1 is at most 72 bytes).
const MaxReceiptSignature = 80

func (q *ReceiptQuery) Validate() error {
	return firstError(
		check(q.Receipt != "" && reShort.MatchString(q.Receipt), "receipt number malformed"),
		check(len(q.Signature) > 0 && len(q.Signature) <= MaxReceiptSignature, "receipt signature malformed"),
	)
}

// ReceiptStatus is where the application of a receipt stands, as the
// district has it: nothing personal, only what the receipt itself shows.
// State is one of the application states; "received" until staff set one.
type ReceiptStatus struct {
	Receipt   string    `json:"receipt"`
	Service   string    `json:"service"` // the service code
	Submitted time.Time `json:"submitted"`
	State     string    `json:"state"`
	Message   string    `json:"message,omitempty"` // the district's words for the resident
	At        time.Time `json:"at"`                // when it took this state
}

func (s *ReceiptStatus) Validate() error {
	return firstError(
		check(s.Receipt != "" && s.Service != "" && reShort.MatchString(s.Receipt) && reShort.MatchString(s.Service), "receipt status malformed"),
		check(ValidState(s.State), "receipt status: unknown state %q", s.State),
		check(len(s.Message) <= 2000, "receipt status: message over 2000 bytes"),
		checkTime(s.Submitted),
		check(!s.At.IsZero(), "receipt status without a time"),
	)
}

// DocumentRequest asks the district for a document a resident prints at
// the terminal (a certificate: 户籍证明, 参保证明): the service, and the
// values of its form, the card's among them. It is personal, and carried
// only over the mutual TLS link: the terminal keeps none of it.
type DocumentRequest struct {
	// ID is made on the terminal (a UUIDv7): it names the document in
	// the district's register and in the terminal's print event.
	ID      string            `json:"id"`
	Service string            `json:"service"`
	Fields  map[string]string `json:"fields"`
}

func (r *DocumentRequest) Validate() error {
	if err := firstError(
		check(ValidRecordID(r.ID), "document id malformed"),
		check(r.Service != "" && reShort.MatchString(r.Service), "document service malformed"),
		check(len(r.Fields) <= 64, "over 64 fields"),
	); err != nil {
		return err
	}
	for k, v := range r.Fields {
		if k == "" || !reShort.MatchString(k) || len(v) > 400 || !utf8.ValidString(v) {
			return errors.New("document field " + strconv.Quote(k) + " malformed")
		}
	}
	return nil
}

// Document is a document the district issued: its title, its pages and
// the PDF itself, at most MaxDocument bytes.
type Document struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Pages int    `json:"pages"`
	PDF   []byte `json:"pdf"`
}

func (d *Document) Validate() error {
	return firstError(
		check(ValidRecordID(d.ID), "document id malformed"),
		check(d.Title != "" && len(d.Title) <= 200 && utf8.ValidString(d.Title), "document title malformed"),
		check(d.Pages >= 1 && d.Pages <= 50, "document pages %d out of 1–50", d.Pages),
		check(len(d.PDF) <= MaxDocument && bytes.HasPrefix(d.PDF, []byte("%PDF-")), "document is no PDF of at most %d bytes", MaxDocument),
	)
}

// Recordings are the district's own recordings of the terminal's spoken
// prompts (kiosk/voice ids → WAV files), which the terminals play before
// their package's: signed like the catalog, with the key from enrollment,
// over each recording's SHA-256 (SignedRecordings). None at all is a
// version too: the district took its recordings back.
type Recordings struct {
	Version   uint64            `json:"version"`
	Prompts   map[string][]byte `json:"prompts"`
	Signature []byte            `json:"signature"`
}

// Bounds on the recordings: a prompt is a sentence or two.
const (
	MaxRecordings     = 64
	MaxRecordingBytes = 2 << 20
	MaxRecordingsSize = 5 << 20
)

func (r *Recordings) Validate() error {
	if err := firstError(
		check(r.Version > 0, "recordings without a version"),
		check(len(r.Prompts) <= MaxRecordings, "over %d recordings", MaxRecordings),
		check(len(r.Signature) == ed25519.SignatureSize, "recordings signature malformed"),
	); err != nil {
		return err
	}
	total := 0
	for id, wav := range r.Prompts {
		if id == "" || !reShort.MatchString(id) || len(wav) == 0 || len(wav) > MaxRecordingBytes {
			return errors.New("recording " + strconv.Quote(id) + " malformed")
		}
		total += len(wav)
	}
	return check(total <= MaxRecordingsSize, "recordings over %d bytes", MaxRecordingsSize)
}

// SignedRecordings is what a district signs of its recordings: the
// version, then each prompt id and its recording's SHA-256, in id order.
func SignedRecordings(version uint64, prompts map[string][]byte) []byte {
	ids := make([]string, 0, len(prompts))
	for id := range prompts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString("yizhan-voice/1\n" + strconv.FormatUint(version, 10) + "\n")
	for _, id := range ids {
		sum := sha256.Sum256(prompts[id])
		b.WriteString(id + " " + hex.EncodeToString(sum[:]) + "\n")
	}
	return []byte(b.String())
}

// SignRecordings makes signed recordings.
func SignRecordings(key ed25519.PrivateKey, version uint64, prompts map[string][]byte) Recordings {
	return Recordings{Version: version, Prompts: prompts, Signature: ed25519.Sign(key, SignedRecordings(version, prompts))}
}

// VerifyRecordings checks the recordings' signature and that they are
// newer than the version the terminal has.
func VerifyRecordings(key ed25519.PublicKey, r Recordings, have uint64) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if len(key) != ed25519.PublicKeySize || !ed25519.Verify(key, SignedRecordings(r.Version, r.Prompts), r.Signature) {
		return errors.New("protocol: recordings signature does not verify")
	}
	if r.Version <= have {
		return errors.New("protocol: recordings older than the terminal's")
	}
	return nil
}
