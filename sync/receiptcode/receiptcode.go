// Package receiptcode is what a receipt's QR code carries so that a
// resident can hold it to a terminal's code scanner and see how that
// application stands, without their ID card: the receipt number, signed
// with the key of the terminal that issued it. A code made up, or one
// whose number was changed, opens nothing, so a number guessed does not
// show a stranger's application.
//
// The receipt number names its terminal (TERMINAL-YYMMDD-HHMMSS, as
// kiosk/journey makes it), so the code needs no more than the number and
// the signature: ECDSA P-256 (the terminal's enrolled key) over SHA-256 of
// a fixed label and the number. The terminal that printed a code checks it
// with its own certificate; any other asks its district, which holds every
// terminal's.
//
// In the QR code, the receipt's web address for the resident's phone
// (receipt_url) comes first, as before, with the code added as the query
// parameter yz=NUMBER.SIGNATURE; without an address the QR code is
// YZ1.NUMBER.SIGNATURE alone. The signature is base64url, which has no
// dot, and a number has none either.
package receiptcode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// label keeps these signatures apart from anything else the terminal's
// key signs (its exports).
const label = "yizhan receipt code v1\n"

// rawPrefix starts a code with no web address around it.
const rawPrefix = "YZ1."

// param is the query parameter a web address carries the code in.
const param = "yz"

// ErrNoCode is a scan that is no receipt code (another QR code, a URL of
// the district's without one); ErrForged is one whose signature does not
// hold.
var (
	ErrNoCode = errors.New("receiptcode: not a receipt's code")
	ErrForged = errors.New("receiptcode: the receipt's code does not verify")
)

// Code is a receipt number and its signature.
type Code struct {
	Receipt   string
	Signature []byte
}

func digest(receipt string) []byte {
	sum := sha256.Sum256([]byte(label + receipt))
	return sum[:]
}

// Sign makes the code of receipt with the terminal's key.
func Sign(key crypto.Signer, receipt string) (Code, error) {
	if _, err := Terminal(receipt); err != nil {
		return Code{}, err
	}
	if _, ok := key.Public().(*ecdsa.PublicKey); !ok {
		return Code{}, errors.New("receiptcode: the terminal's key is not ECDSA")
	}
	sig, err := key.Sign(rand.Reader, digest(receipt), crypto.SHA256)
	if err != nil {
		return Code{}, fmt.Errorf("receiptcode: sign: %w", err)
	}
	return Code{Receipt: receipt, Signature: sig}, nil
}

// Verify checks the code with the issuing terminal's public key.
func (c Code) Verify(pub crypto.PublicKey) error {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || !ecdsa.VerifyASN1(k, digest(c.Receipt), c.Signature) {
		return ErrForged
	}
	return nil
}

// Terminal is the terminal a receipt number names.
func Terminal(receipt string) (string, error) {
	rest, tm, ok1 := cutLast(receipt)
	terminal, day, ok2 := cutLast(rest)
	if !ok1 || !ok2 || !digits(day, 6) || !digits(tm, 6) || !protocol.ValidTerminalID(terminal) {
		return "", fmt.Errorf("receiptcode: %q is not a receipt number (TERMINAL-YYMMDD-HHMMSS)", receipt)
	}
	return terminal, nil
}

func cutLast(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// token is the code as NUMBER.SIGNATURE.
func (c Code) token() string {
	return c.Receipt + "." + base64.RawURLEncoding.EncodeToString(c.Signature)
}

// QR is what the receipt's QR code holds: address (the receipt's web
// address, its {receipt} already filled in) with the code added, or the
// code alone when there is no address.
func (c Code) QR(address string) string {
	if address == "" {
		return rawPrefix + c.token()
	}
	sep := "?"
	if strings.Contains(address, "?") {
		sep = "&"
	}
	return address + sep + param + "=" + c.token()
}

// Parse reads a scanned QR code. Anything that is not a receipt's code —
// another QR code, a malformed one — is ErrNoCode; the signature is not
// checked here (Verify).
func Parse(scanned string) (Code, error) {
	token, ok := strings.CutPrefix(scanned, rawPrefix)
	if !ok {
		u, err := url.Parse(scanned)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" {
			return Code{}, ErrNoCode
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil || len(q[param]) != 1 {
			return Code{}, ErrNoCode
		}
		token = q[param][0]
	}
	receipt, sig64, ok := strings.Cut(token, ".")
	if !ok {
		return Code{}, ErrNoCode
	}
	if _, err := Terminal(receipt); err != nil {
		return Code{}, ErrNoCode
	}
	sig, err := base64.RawURLEncoding.DecodeString(sig64)
	if err != nil || len(sig) == 0 || len(sig) > protocol.MaxReceiptSignature {
		return Code{}, ErrNoCode
	}
	return Code{Receipt: receipt, Signature: sig}, nil
}
