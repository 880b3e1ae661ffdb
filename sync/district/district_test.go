package district

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func open(t testing.TB, dir string, clk *clock) *District {
	t.Helper()
	d, err := Open(onStore(t, Options{Dir: dir, Now: clk.Now}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func csr(t *testing.T, cn string) []byte {
	der, _ := csrKey(t, cn)
	return der
}

// csrKey is a certificate request for cn and the key it is for.
func csrKey(t testing.TB, cn string) ([]byte, *ecdsa.PrivateKey) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

// TestEnrollTakesOnlyP256Keys: a request with an RSA-1024 or a P-384 key
// is refused, and the token stays unused for the real terminal.
func TestEnrollTakesOnlyP256Keys(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	tok, err := d.NewTokenFor("大厅", "HALL-7", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, _ := strings.Cut(tok, ".")
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	for name, key := range map[string]any{"RSA-1024": rsaKey, "ECDSA P-384": p384} {
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "HALL-7"}}, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.Enroll(protocol.EnrollRequest{Token: secret, TerminalID: "HALL-7", CSR: der}); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("a %s key: %v", name, err)
		}
	}
	if _, err := d.Enroll(protocol.EnrollRequest{Token: secret, TerminalID: "HALL-7", CSR: csr(t, "HALL-7")}); err != nil {
		t.Fatalf("the P-256 key after the refused ones: %v", err)
	}
}

func enroll(t *testing.T, d *District, id string) *x509.Certificate {
	t.Helper()
	return terminalCert(t, d, id).Leaf
}

// terminalCert enrolls the terminal id and returns its certificate with its
// key, for a test that speaks TLS as that terminal.
func terminalCert(t testing.TB, d *District, id string) tls.Certificate {
	t.Helper()
	tok, err := d.NewTokenFor("大厅", id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, _ := strings.Cut(tok, ".")
	der, key := csrKey(t, id)
	resp, err := d.Enroll(protocol.EnrollRequest{Token: secret, TerminalID: id, CSR: der})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(resp.Certificate)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{resp.Certificate}, PrivateKey: key, Leaf: cert}
}

func sealed(t testing.TB, d *District, text string) []byte {
	r, err := age.ParseX25519Recipient(d.Recipients()[0])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := age.Encrypt(&buf, r)
	w.Write([]byte(text))
	w.Close()
	return buf.Bytes()
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestKeysAndCASurviveRestart(t *testing.T) {
	dir := t.TempDir()
	clk := &clock{now: time.Now()}
	opt := onStore(t, Options{Dir: dir, Now: clk.Now})
	d, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	ca, rcpt, key := d.CA(), d.Recipients()[0], d.CatalogKey()
	d.Close()
	d2, err := Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	if !bytes.Equal(ca, d2.CA()) || rcpt != d2.Recipients()[0] || !key.Equal(d2.CatalogKey()) {
		t.Fatal("a restart made new keys: every terminal would be cut off")
	}
	// The key that opens everything is the service user's alone: the
	// sealing identity in the folder, or, on PostgreSQL, the replica key
	// that opens it in the database.
	secret := "sealing.key"
	if opt.Store != "" {
		secret = ReplicaKeyFile
		if _, err := os.Stat(filepath.Join(dir, "sealing.key")); err == nil {
			t.Fatal("a district on PostgreSQL wrote its sealing identity in the folder")
		}
	}
	info, err := os.Stat(filepath.Join(dir, secret))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", secret, info, err)
	}
}

func TestTokens(t *testing.T) {
	clk := &clock{now: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	d := open(t, t.TempDir(), clk)
	if _, err := d.NewToken("", time.Hour); err == nil {
		t.Fatal("a token without a site")
	}
	if _, err := d.NewToken("x", 40*24*time.Hour); err == nil {
		t.Fatal("a token for 40 days")
	}
	tok, _ := d.NewToken("大厅", time.Hour)
	secret, pin, _ := strings.Cut(tok, ".")
	if pin != protocol.CAPin(d.CA()) || len(secret) != 32 {
		t.Fatalf("token %q", tok)
	}
	// The CSR must name the terminal.
	if _, err := d.Enroll(protocol.EnrollRequest{Token: secret, TerminalID: "HALL-1", CSR: csr(t, "HALL-2")}); err == nil {
		t.Fatal("a request for another terminal's name was signed")
	}
	clk.now = clk.now.Add(61 * time.Minute)
	var pe *protocol.Error
	if _, err := d.Enroll(protocol.EnrollRequest{Token: secret, TerminalID: "HALL-1", CSR: csr(t, "HALL-1")}); !errors.As(err, &pe) || pe.Code != protocol.CodeBadToken {
		t.Fatalf("expired token: %v", err)
	}
}

func TestAuthenticate(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	first := enroll(t, d, "HALL-1")
	if id, err := d.authenticate(first); err != nil || id != "HALL-1" {
		t.Fatalf("authenticate: %q %v", id, err)
	}
	// A token for any new terminal cannot take over an enrolled one.
	tok, _ := d.NewToken("大厅", time.Hour)
	secret, _, _ := strings.Cut(tok, ".")
	var pe *protocol.Error
	if _, err := d.Enroll(protocol.EnrollRequest{Token: secret, TerminalID: "HALL-1", CSR: csr(t, "HALL-1")}); !errors.As(err, &pe) || pe.Code != protocol.CodeBadToken {
		t.Fatalf("a general token re-enrolled HALL-1: %v", err)
	}
	// Nor can a token made for one terminal enroll another.
	forTwo, _ := d.NewTokenFor("大厅", "HALL-2", time.Hour)
	secret, _, _ = strings.Cut(forTwo, ".")
	if _, err := d.Enroll(protocol.EnrollRequest{Token: secret, TerminalID: "HALL-3", CSR: csr(t, "HALL-3")}); !errors.As(err, &pe) || pe.Code != protocol.CodeBadToken {
		t.Fatalf("a token for HALL-2 enrolled HALL-3: %v", err)
	}
	if _, err := d.authenticate(first); err != nil {
		t.Fatalf("a refused takeover disturbed the terminal: %v", err)
	}
	second := enroll(t, d, "HALL-1") // repaired and enrolled again
	if _, err := d.authenticate(first); err == nil {
		t.Fatal("a superseded certificate was accepted")
	}
	if _, err := d.authenticate(second); err != nil {
		t.Fatal(err)
	}
	d.Revoke("HALL-1")
	if _, err := d.authenticate(second); !errors.As(err, &pe) || pe.Code != protocol.CodeRevoked {
		t.Fatalf("revoked: %v", err)
	}
	if err := d.Revoke("NOBODY"); err == nil {
		t.Fatal("revoked an unknown terminal")
	}
}

func TestBlobResumesAndChecksItsHash(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	data := bytes.Repeat([]byte("0123456789"), 10_000)
	h := hash(data)
	// A cut after 30,000 bytes: kept, and the district says so.
	n, err := d.WriteBlob("HALL-1", h, 0, int64(len(data)), &cutReader{r: bytes.NewReader(data), left: 30_000})
	if err == nil || n != 30_000 {
		t.Fatalf("cut upload: %d, %v", n, err)
	}
	if off, _ := d.BlobOffset("HALL-1", h); off != 30_000 {
		t.Fatalf("offset %d after a cut", off)
	}
	// Starting again from 0 is refused with where to resume.
	var oe *offsetError
	if _, err := d.WriteBlob("HALL-1", h, 0, int64(len(data)), bytes.NewReader(data)); !errors.As(err, &oe) || oe.have != 30_000 {
		t.Fatalf("wrong offset: %v", err)
	}
	if n, err := d.WriteBlob("HALL-1", h, 30_000, int64(len(data)), bytes.NewReader(data[30_000:])); err != nil || n != int64(len(data)) {
		t.Fatalf("resume: %d, %v", n, err)
	}
	if size, ok := d.wholeBlob("HALL-1", h); !ok || size != int64(len(data)) {
		t.Fatal("the whole blob is not named")
	}
	if d.quota.held["HALL-1"] != int64(len(data)) {
		t.Fatalf("%d bytes counted against the quota, %d held", d.quota.held["HALL-1"], len(data))
	}
	// Bytes that do not match their name are thrown away.
	bad := hash([]byte("other"))
	var pe *protocol.Error
	if _, err := d.WriteBlob("HALL-1", bad, 0, int64(len(data)), bytes.NewReader(data)); !errors.As(err, &pe) || pe.Code != protocol.CodeBadRequest {
		t.Fatalf("mismatched blob: %v", err)
	}
	if off, _ := d.BlobOffset("HALL-1", bad); off != 0 {
		t.Fatal("a mismatched blob was kept")
	}
	if d.quota.held["HALL-1"] != int64(len(data)) {
		t.Fatalf("%d bytes counted after a mismatched blob went, %d held", d.quota.held["HALL-1"], len(data))
	}
	if _, err := d.WriteBlob("HALL-1", "../../etc/passwd", 0, 1, bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("a path as a blob name")
	}
	if _, err := d.WriteBlob("../etc", h, 0, 1, bytes.NewReader([]byte("x"))); err == nil {
		t.Fatal("a path as a terminal id")
	}
}

type cutReader struct {
	r    *bytes.Reader
	left int
}

func (c *cutReader) Read(p []byte) (int, error) {
	if c.left == 0 {
		return 0, errors.New("connection reset")
	}
	if len(p) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= n
	return n, err
}

func TestIngestAnswersPerRecord(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	rec := func(id string, sealedPart []byte, atts ...protocol.Attachment) protocol.Record {
		return protocol.Record{ID: id, Seq: 1, Kind: "application", Created: time.Now(), Sealed: sealedPart, Attachments: atts}
	}
	photo := []byte("sealed photo bytes")
	att := protocol.Attachment{Name: "photo", SHA256: hash(photo), Size: int64(len(photo))}
	a := rec("019ac3f2-0000-7000-8000-000000000001", sealed(t, d, "a"), att)
	b := rec("019ac3f2-0000-7000-8000-000000000002", []byte("not age at all"))
	c := rec("019ac3f2-0000-7000-8000-000000000003", sealed(t, d, "c"))
	res, err := d.Ingest("HALL-1", "sync", []protocol.Record{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{protocol.Missing, protocol.Rejected, protocol.Accepted}
	for i, r := range res {
		if r.Status != want[i] {
			t.Fatalf("result %d: %+v, want %s", i, r, want[i])
		}
	}
	d.WriteBlob("HALL-1", att.SHA256, 0, att.Size, bytes.NewReader(photo))
	res, _ = d.Ingest("HALL-1", "sync", []protocol.Record{a, c})
	if res[0].Status != protocol.Accepted || res[1].Status != protocol.Duplicate {
		t.Fatalf("second round: %+v", res)
	}
	// The same id with other content is refused.
	other := c
	other.Sealed = sealed(t, d, "changed")
	res, _ = d.Ingest("HALL-1", "sync", []protocol.Record{other})
	if res[0].Status != protocol.Rejected {
		t.Fatalf("id reused: %+v", res[0])
	}
	// A record breaking the rules is answered alone; its batch goes in.
	broken := rec("019ac3f2-0000-7000-8000-000000000004", sealed(t, d, "d"))
	broken.Kind = "bribe"
	fine := rec("019ac3f2-0000-7000-8000-000000000005", sealed(t, d, "e"))
	res, _ = d.Ingest("HALL-1", "sync", []protocol.Record{broken, fine})
	if res[0].Status != protocol.Rejected || !strings.Contains(res[0].Reason, "unknown kind") || res[1].Status != protocol.Accepted {
		t.Fatalf("batch with a broken record: %+v", res)
	}
	all, _ := d.Records("")
	if len(all) != 3 {
		t.Fatalf("%d records stored, want 3", len(all))
	}
}

func TestStatusesPageByCursor(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	var recs []protocol.Record
	for i := range 5 {
		recs = append(recs, protocol.Record{ID: "019ac3f2-0000-7000-8000-00000000001" + string(rune('0'+i)), Seq: uint64(i + 1),
			Kind: "application", Created: time.Now(), Sealed: sealed(t, d, "x")})
	}
	d.Ingest("HALL-1", "sync", recs)
	d.SetStatus(CommandLine, "", RecordRef{ID: recs[0].ID}, "done", "已办结")
	if err := d.SetStatus(CommandLine, "", RecordRef{ID: recs[0].ID}, "lost", ""); err == nil {
		t.Fatal("an unknown state was set")
	}
	if err := d.SetStatus(CommandLine, "", RecordRef{ID: "019ac3f2-0000-7000-8000-0000000000ff"}, "done", ""); !errors.Is(err, ErrNoRecord) {
		t.Fatalf("unknown record: %v", err)
	}
	page, _ := d.Statuses("HALL-1", 0, 4)
	if len(page.Statuses) != 4 || !page.More {
		t.Fatalf("first page: %d, more %v", len(page.Statuses), page.More)
	}
	rest, _ := d.Statuses("HALL-1", page.Statuses[3].Cursor, 4)
	if len(rest.Statuses) != 2 || rest.More || rest.Statuses[1].State != "done" || rest.Statuses[1].Message != "已办结" {
		t.Fatalf("second page: %+v", rest)
	}
	if other, _ := d.Statuses("HALL-2", 0, 10); len(other.Statuses) != 0 {
		t.Fatal("a terminal sees another's statuses")
	}
	// The highest cursor is past everything; it does not wrap to the start.
	if end, _ := d.Statuses("HALL-1", math.MaxUint64, 10); len(end.Statuses) != 0 || end.More {
		t.Fatalf("after the highest cursor: %+v", end)
	}
}

// TestCursorIsParsedStrictly: after= is one decimal number written the one
// way, or absent.
func TestCursorIsParsedStrictly(t *testing.T) {
	for q, want := range map[string]string{
		"":                           "0",
		"after=0":                    "0",
		"after=42":                   "42",
		"after=18446744073709551615": "18446744073709551615",
		"after=18446744073709551616": "error",
		"after=042":                  "error",
		"after=+42":                  "error",
		"after=-1":                   "error",
		"after=4%202":                "error",
		"after=":                     "error",
		"after=1&after=2":            "error",
		"after=0x10":                 "error",
	} {
		r := httptest.NewRequest("GET", "/v1/statuses?"+q, nil)
		n, err := queryUint(r, "after")
		got := strconv.FormatUint(n, 10)
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("?%s: %s, want %s", q, got, want)
		}
	}
}

func TestQuietTerminalsAreFlagged(t *testing.T) {
	clk := &clock{now: time.Now()}
	d := open(t, t.TempDir(), clk)
	enroll(t, d, "HALL-1")
	d.Heartbeat("HALL-1", protocol.Heartbeat{Software: "v1", Time: clk.now})
	if terms, _ := d.Terminals(); terms[0].Quiet {
		t.Fatal("quiet right after a heartbeat")
	}
	clk.now = clk.now.Add(4 * time.Minute)
	if terms, _ := d.Terminals(); !terms[0].Quiet {
		t.Fatal("not quiet after four minutes")
	}
	d.seen("HALL-1")
	if terms, _ := d.Terminals(); terms[0].Quiet {
		t.Fatal("quiet right after a request")
	}
}

func TestCatalogVersionsAndSignature(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	if _, err := d.PublishCatalog([]byte("not json")); err == nil {
		t.Fatal("published a catalog that is not JSON")
	}
	v1, _ := d.PublishCatalog([]byte(`{"a":1}`))
	v2, _ := d.PublishCatalog([]byte(`{"a":2}`))
	c, ok, _ := d.Catalog()
	if v1 != 1 || v2 != 2 || !ok || c.Version != 2 {
		t.Fatalf("versions %d %d, current %+v", v1, v2, c)
	}
	if err := protocol.VerifyCatalog(d.CatalogKey(), c, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := d.PublishConfig(protocol.TerminalConfig{IdleSeconds: 5}); err == nil {
		t.Fatal("published an idle time of 5 s")
	}
}

// TestStaleAttachmentsAreSwept: an unfinished upload and a whole blob no
// record named go after a week, and stop counting against the quota; a
// blob a stored record names stays.
func TestStaleAttachmentsAreSwept(t *testing.T) {
	clk := &clock{now: time.Now()}
	d := open(t, t.TempDir(), clk)
	data := []byte("half of an attachment")
	half := hash(append(data, data...))
	if n, _ := d.WriteBlob("HALL-1", half, 0, int64(2*len(data)), bytes.NewReader(data)); n != int64(len(data)) {
		t.Fatalf("partial upload holds %d", n)
	}
	orphan, named := []byte("a photo whose record never came"), []byte("a photo of a stored record")
	for _, b := range [][]byte{orphan, named} {
		if _, err := d.WriteBlob("HALL-1", hash(b), 0, int64(len(b)), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	rec := protocol.Record{ID: "019ac3f2-0000-7000-8000-000000000001", Seq: 1, Kind: "application", Created: time.Now(),
		Sealed: sealed(t, d, "a"), Attachments: []protocol.Attachment{{Name: "photo", SHA256: hash(named), Size: int64(len(named))}}}
	if res, err := d.Ingest("HALL-1", "sync", []protocol.Record{rec}); err != nil || res[0].Status != protocol.Accepted {
		t.Fatalf("record: %+v %v", res, err)
	}
	if held, want := d.quota.held["HALL-1"], int64(len(data)+len(orphan)); held != want {
		t.Fatalf("%d bytes counted against the quota, want %d (the named photo no longer counts)", held, want)
	}
	if n, _ := d.SweepAttachments(staleUpload); n != 0 {
		t.Fatal("a fresh upload was swept")
	}
	clk.now = clk.now.Add(8 * 24 * time.Hour)
	if n, _ := d.SweepAttachments(staleUpload); n != 2 {
		t.Fatalf("swept %d, want the unfinished upload and the blob no record named", n)
	}
	for _, h := range []string{half, hash(orphan)} {
		if off, _ := d.BlobOffset("HALL-1", h); off != 0 {
			t.Fatalf("offset %d after the sweep", off)
		}
	}
	if d.quota.held["HALL-1"] != 0 {
		t.Fatalf("%d bytes still counted after the sweep", d.quota.held["HALL-1"])
	}
	if _, ok := d.wholeBlob("HALL-1", hash(named)); !ok {
		t.Fatal("a stored record's attachment was swept")
	}
}

// FuzzQueryUint: any query; a number it accepts is written the one way.
func FuzzQueryUint(f *testing.F) {
	for _, q := range []string{"after=0", "after=42", "after=042", "after=1&after=2", "after=%2B1", "after=18446744073709551616", ""} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		r := httptest.NewRequest("GET", "/v1/statuses", nil)
		r.URL.RawQuery = q
		n, err := queryUint(r, "after")
		if err != nil {
			return
		}
		if vs, ok := r.URL.Query()["after"]; ok && (len(vs) != 1 || vs[0] != strconv.FormatUint(n, 10)) {
			t.Fatalf("?%s read as %d", q, n)
		}
	})
}
