package client

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// Identity is what enrollment leaves on the terminal, in its data folder
// under district/:
//
//	terminal.key   the terminal's private key (0600); made here, never sent
//	terminal.crt   its certificate, signed by the district CA
//	ca.crt         the district CA: the only one the terminal trusts
//	district.json  the backend URL, terminal id, site and catalog key
type Identity struct {
	Backend    string            `json:"backend"`
	TerminalID string            `json:"terminal_id"`
	Site       string            `json:"site"`
	CatalogKey ed25519.PublicKey `json:"catalog_key"`
	Enrolled   time.Time         `json:"enrolled"`

	cert  tls.Certificate
	ca    *x509.CertPool
	caDER []byte
}

// CAPin is the pin of the district CA the terminal trusts
// (protocol.CAPin).
func (id *Identity) CAPin() string { return protocol.CAPin(id.caDER) }

// IdentityDir is where enrollment keeps the identity in the data folder.
func IdentityDir(dataDir string) string { return filepath.Join(dataDir, "district") }

// ErrNotEnrolled means the terminal has not been provisioned.
var ErrNotEnrolled = errors.New("sync: terminal not enrolled with a district (kioskctl provision)")

// LoadIdentity reads the identity enrollment wrote into dir.
func LoadIdentity(dir string) (*Identity, error) {
	data, err := os.ReadFile(filepath.Join(dir, "district.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotEnrolled
	}
	if err != nil {
		return nil, fmt.Errorf("sync: identity: %w", err)
	}
	var id Identity
	if err := json.Unmarshal(data, &id); err != nil {
		return nil, fmt.Errorf("sync: identity: district.json: %w", err)
	}
	if id.cert, err = tls.LoadX509KeyPair(filepath.Join(dir, "terminal.crt"), filepath.Join(dir, "terminal.key")); err != nil {
		return nil, fmt.Errorf("sync: identity: %w", err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("sync: identity: %w", err)
	}
	b, _ := pem.Decode(caPEM)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("sync: identity: ca.crt holds no certificate")
	}
	ca, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("sync: identity: ca.crt: %w", err)
	}
	id.ca, id.caDER = x509.NewCertPool(), b.Bytes
	id.ca.AddCert(ca)
	if len(id.CatalogKey) != ed25519.PublicKeySize {
		return nil, errors.New("sync: identity: catalog key missing")
	}
	return &id, nil
}

// SignExport signs an export's manifest with the terminal's key (ECDSA
// P-256 over its SHA-256) and gives the terminal's certificate with it, for
// outbox.Store.Export: the district imports only exports its enrolled
// terminals signed.
func (id *Identity) SignExport(manifest []byte) (signature, certificate []byte, err error) {
	signer, ok := id.cert.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("sync: identity: the terminal's key cannot sign")
	}
	sum := sha256.Sum256(manifest)
	if signature, err = signer.Sign(rand.Reader, sum[:], crypto.SHA256); err != nil {
		return nil, nil, fmt.Errorf("sync: identity: sign: %w", err)
	}
	return signature, id.cert.Certificate[0], nil
}

// SignReceipt makes a receipt's code (sync/receiptcode) with the
// terminal's key.
func (id *Identity) SignReceipt(number string) (receiptcode.Code, error) {
	signer, ok := id.cert.PrivateKey.(crypto.Signer)
	if !ok {
		return receiptcode.Code{}, errors.New("sync: identity: the terminal's key cannot sign")
	}
	return receiptcode.Sign(signer, number)
}

// ReceiptKey is the public key the terminal's receipt codes verify with.
func (id *Identity) ReceiptKey() crypto.PublicKey {
	if signer, ok := id.cert.PrivateKey.(crypto.Signer); ok {
		return signer.Public()
	}
	return nil
}

// TLSConfig is the terminal's side of mutual TLS.
func (id *Identity) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: id.ca, Certificates: []tls.Certificate{id.cert}}
}

// EnrollOptions are the inputs of enrollment.
type EnrollOptions struct {
	Backend    string // https://host:port of districtd
	Token      string // SECRET.CAPIN from `districtd token new`
	CAPEM      []byte // the district CA, when the technician has it; else the token's pin checks the CA sent
	TerminalID string
	Dir        string // IdentityDir(data folder)
	// KeysPath receives the district's sealing keys, one a line, for the
	// outbox.
	KeysPath string
}

// Enroll makes the terminal's key pair, has the district certify it with a
// one-time token, and writes the identity and the district's sealing keys.
func Enroll(ctx context.Context, opt EnrollOptions) (*Identity, error) {
	u, err := url.Parse(opt.Backend)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("sync: enroll: backend %q is not an https:// URL", opt.Backend)
	}
	if !protocol.ValidTerminalID(opt.TerminalID) {
		return nil, fmt.Errorf("sync: enroll: terminal id %q malformed", opt.TerminalID)
	}
	secret, pin, _ := strings.Cut(strings.TrimSpace(opt.Token), ".")
	ca, err := districtCA(ctx, opt.Backend, opt.CAPEM, pin)
	if err != nil {
		return nil, fmt.Errorf("sync: enroll: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: opt.TerminalID}}, key)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(protocol.EnrollRequest{Token: secret, TerminalID: opt.TerminalID, CSR: csr})
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: pool}}}
	defer hc.CloseIdleConnections() // one request: nothing to keep the connection for
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(opt.Backend, "/")+protocol.PathEnroll, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set(protocol.Header, fmt.Sprint(protocol.Version))
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sync: enroll: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sync: enroll: %w", answerError(resp))
	}
	var er protocol.EnrollResponse
	if err := protocol.Decode(resp.Body, 64<<10, &er); err != nil {
		return nil, fmt.Errorf("sync: enroll: %w", err)
	}
	cert, err := x509.ParseCertificate(er.Certificate)
	if err != nil {
		return nil, fmt.Errorf("sync: enroll: certificate: %w", err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return nil, fmt.Errorf("sync: enroll: the certificate sent is not the district CA's: %w", err)
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, errors.New("sync: enroll: the certificate sent is not for this terminal's key")
	}
	return writeIdentity(opt, key, cert, ca, er)
}

// districtCA returns the CA the terminal will trust: the one given, or the
// one the district sends, checked against the token's pin. Without either
// check there is nothing to trust, and enrollment stops.
func districtCA(ctx context.Context, backend string, caPEM []byte, pin string) (*x509.Certificate, error) {
	if len(caPEM) > 0 {
		b, _ := pem.Decode(caPEM)
		if b == nil {
			return nil, errors.New("the CA file holds no PEM certificate")
		}
		ca, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		if pin != "" && protocol.CAPin(ca.Raw) != pin {
			return nil, errors.New("the CA file is not the CA the token names")
		}
		return ca, nil
	}
	if pin == "" {
		return nil, errors.New("the token carries no CA pin: give the district CA with --ca")
	}
	// The answer is checked against the pin, so the connection that
	// fetches it needs no trust of its own.
	hc := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(backend, "/")+protocol.PathCA, nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("the district sent no CA certificate")
	}
	if protocol.CAPin(b.Bytes) != pin {
		return nil, errors.New("the district's CA does not match the token's pin: wrong address, or someone in between")
	}
	return x509.ParseCertificate(b.Bytes)
}

func writeIdentity(opt EnrollOptions, key *ecdsa.PrivateKey, cert, ca *x509.Certificate, er protocol.EnrollResponse) (*Identity, error) {
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("sync: enroll: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	id := Identity{Backend: strings.TrimSuffix(opt.Backend, "/"), TerminalID: er.TerminalID, Site: er.Site, CatalogKey: er.CatalogKey, Enrolled: time.Now().UTC()}
	meta, _ := json.MarshalIndent(id, "", "  ")
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{filepath.Join(opt.Dir, "terminal.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600},
		{filepath.Join(opt.Dir, "terminal.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644},
		{filepath.Join(opt.Dir, "ca.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o644},
		{opt.KeysPath, []byte(strings.Join(er.Recipients, "\n") + "\n"), 0o644},
		// Last: a folder with district.json is a finished enrollment.
		{filepath.Join(opt.Dir, "district.json"), meta, 0o644},
	}
	for _, f := range files {
		if err := durable.WriteFile(f.path, f.data, f.mode); err != nil {
			return nil, fmt.Errorf("sync: enroll: %w", err)
		}
	}
	return LoadIdentity(opt.Dir)
}

// answerError turns a district's non-2xx answer into an error.
func answerError(resp *http.Response) error {
	var pe protocol.Error
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if json.Unmarshal(data, &pe) == nil && pe.Code != "" {
		ae := &AnswerError{Status: resp.StatusCode, Err: pe}
		if pe.Code == protocol.CodeOverQuota {
			ae.Quota, _ = strconv.ParseInt(resp.Header.Get(protocol.HeaderQuota), 10, 64)
		}
		return ae
	}
	return &AnswerError{Status: resp.StatusCode, Err: protocol.Error{Code: protocol.CodeInternal, Message: http.StatusText(resp.StatusCode)}}
}

// AnswerError is a district's refusal or failure.
type AnswerError struct {
	Status int
	Err    protocol.Error
	// Quota, on an over_quota answer, is how many bytes of this terminal's
	// attachments the district takes before their record (0: not said).
	Quota int64
}

func (e *AnswerError) Error() string {
	return fmt.Sprintf("district answered %d %s: %s", e.Status, e.Err.Code, e.Err.Message)
}
