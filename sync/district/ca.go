package district

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// The district's own certificate authority. It certifies terminals (client
// certificates) and the district's server certificate; terminals trust
// nothing else. Its key never leaves the data folder.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// Certificates are valid from two days before they are made, so a
// terminal whose clock is behind still trusts a district that just
// restarted.
const backdate = 48 * time.Hour

const (
	caValidity       = 20 * 365 * 24 * time.Hour
	terminalValidity = 5 * 365 * 24 * time.Hour
	serverValidity   = 365 * 24 * time.Hour
)

// loadOrCreateAuthority reads ca.key and ca.crt, making them on first start.
func loadOrCreateAuthority(sec secrets, name string, now time.Time) (*authority, error) {
	keyPEM, err := sec.get("ca.key")
	if isSecretMissing(err) {
		return createAuthority(sec, name, now)
	}
	if err != nil {
		return nil, err
	}
	certPEM, err := sec.get("ca.crt")
	if err != nil {
		return nil, err
	}
	return parseAuthority(keyPEM, certPEM)
}

func parseAuthority(keyPEM, certPEM []byte) (*authority, error) {
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("ca.key: %w", err)
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("ca.crt: %w", err)
	}
	return &authority{cert: cert, key: key}, nil
}

func createAuthority(sec secrets, name string, now time.Time) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: name + " 一站 CA", Organization: []string{name}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	// The certificate is kept first: a key kept without its certificate
	// would be a CA nobody can name.
	certPEM, err := sec.keep("ca.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	if err != nil {
		return nil, err
	}
	keyPEM, err := sec.keep("ca.key", pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	if err != nil {
		return nil, err
	}
	a, err := parseAuthority(keyPEM, certPEM)
	if err != nil {
		return nil, err
	}
	if !a.cert.PublicKey.(*ecdsa.PublicKey).Equal(&a.key.PublicKey) {
		return nil, errors.New("ca.crt and ca.key kept by two replicas starting at once do not match: start one replica first")
	}
	return a, nil
}

func parseKey(data []byte) (*ecdsa.PrivateKey, error) {
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, errors.New("no PEM key")
	}
	return x509.ParseECPrivateKey(b.Bytes)
}

func parseCert(data []byte) (*x509.Certificate, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}

// signTerminal certifies a terminal's key from its certificate request.
func (a *authority) signTerminal(csrDER []byte, terminalID string, now time.Time) ([]byte, *big.Int, error) {
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, nil, fmt.Errorf("certificate request signature: %w", err)
	}
	if csr.Subject.CommonName != terminalID {
		return nil, nil, fmt.Errorf("certificate request names %q, not %q", csr.Subject.CommonName, terminalID)
	}
	// A terminal's key is ECDSA P-256 (docs/protocol.md), as its own
	// enrollment makes it; nothing weaker or stranger is certified.
	if k, ok := csr.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() {
		return nil, nil, fmt.Errorf("certificate request: the key must be ECDSA P-256, not %s", keyKind(csr))
	}
	serial := randomSerial()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: terminalID, Organization: a.cert.Subject.Organization},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(terminalValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, csr.PublicKey, a.key)
	return der, serial, err
}

// serverCertificate makes the district's TLS certificate for names (host
// names or IP addresses), with a key that lives only in memory: the
// terminals trust the CA, so a new one each start costs nothing.
func (a *authority) serverCertificate(names []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "districtd"},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(serverValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, a.cert.Raw}, PrivateKey: key}, nil
}

// keyKind names a request's key for an error: its algorithm, and the
// curve or size where there is one.
func keyKind(csr *x509.CertificateRequest) string {
	switch k := csr.PublicKey.(type) {
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	}
	return csr.PublicKeyAlgorithm.String()
}
