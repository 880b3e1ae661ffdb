package district

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// token is a one-time enrollment token, stored by the hash of its secret.
type token struct {
	Site string `json:"site"`
	// Terminal, when set, is the one terminal id the token may enroll: a
	// replacement for a terminal already enrolled needs such a token, so
	// a token made for a new terminal cannot take over an existing one.
	Terminal string    `json:"terminal,omitempty"`
	Made     time.Time `json:"made"`
	Expires  time.Time `json:"expires"`
	UsedBy   string    `json:"used_by,omitempty"`
	UsedAt   time.Time `json:"used_at,omitzero"`
}

// Terminal is what the district knows of one terminal.
type Terminal struct {
	ID       string    `json:"id"`
	Site     string    `json:"site"`
	Serial   string    `json:"serial"` // the current certificate's; earlier ones are refused
	Enrolled time.Time `json:"enrolled"`
	Revoked  bool      `json:"revoked,omitempty"`
	// Ring is the update ring the district put the terminal in; "" is
	// DefaultRing.
	Ring     string    `json:"ring,omitempty"`
	LastSeen time.Time `json:"last_seen,omitzero"`
	// LastHeartbeat is the terminal's latest report; nil before the first.
	LastHeartbeat *protocol.Heartbeat `json:"last_heartbeat,omitempty"`
	// Quiet is set by Terminals when the terminal has not been heard from
	// for longer than Options.QuietAfter.
	Quiet bool `json:"quiet"`
	// Keys are the public keys (PKIX DER) of the terminal's certificates,
	// the latest last, at most maxKeys: the receipts it printed under an
	// earlier enrollment still verify (receiptcode).
	Keys [][]byte `json:"keys,omitempty"`
}

// maxKeys bounds how many of a terminal's keys the district keeps; a
// terminal is enrolled anew only when it is repaired or replaced.
const maxKeys = 8

// keep adds a key of the terminal's, unless it has it already.
func (t *Terminal) keep(key []byte) bool {
	if len(key) == 0 || slices.ContainsFunc(t.Keys, func(k []byte) bool { return bytes.Equal(k, key) }) {
		return false
	}
	t.Keys = append(t.Keys, key)
	if len(t.Keys) > maxKeys {
		t.Keys = t.Keys[len(t.Keys)-maxKeys:]
	}
	return true
}

// CertificateExpires is when the terminal's current certificate runs out:
// it is issued at enrollment for terminalValidity.
func (t Terminal) CertificateExpires() time.Time { return t.Enrolled.Add(terminalValidity) }

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewToken makes a one-time enrollment token for a new terminal at site,
// valid for ttl. The text handed to the technician is SECRET.CAPIN: the
// terminal sends the secret and checks the CA it is sent against the pin.
func (d *District) NewToken(site string, ttl time.Duration) (string, error) {
	return d.NewTokenFor(site, "", ttl)
}

// NewTokenFor makes a token that enrolls only the terminal id given (""
// for any new terminal): the way to re-enroll a repaired or revoked
// terminal.
func (d *District) NewTokenFor(site, terminal string, ttl time.Duration) (string, error) {
	if terminal != "" && !protocol.ValidTerminalID(terminal) {
		return "", fmt.Errorf("district: terminal id %q malformed", terminal)
	}
	if strings.TrimSpace(site) == "" {
		return "", errors.New("district: a token needs a site")
	}
	if ttl <= 0 || ttl > 30*24*time.Hour {
		return "", errors.New("district: a token lives between a second and 30 days")
	}
	raw := make([]byte, 20)
	rand.Read(raw)
	secret := b32.EncodeToString(raw)
	now := d.opt.Now().UTC()
	err := d.db.Update(func(tx Tx) error {
		return putJSON(tx.Bucket(bucketTokens), tokenKey(secret), token{Site: site, Terminal: terminal, Made: now, Expires: now.Add(ttl)})
	})
	if err != nil {
		return "", fmt.Errorf("district: token: %w", err)
	}
	return secret + "." + protocol.CAPin(d.CA()), nil
}

func tokenKey(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// errBadToken is an unknown, used or expired token; the terminal is told no
// more than that.
var errBadToken = &protocol.Error{Code: protocol.CodeBadToken, Message: "enrollment token unknown, already used or expired"}

// Enroll certifies a terminal with a one-time token. Enrolling a terminal
// id again (a repaired terminal), with a token made for that id,
// supersedes its earlier certificate and lifts a revocation.
func (d *District) Enroll(req protocol.EnrollRequest) (protocol.EnrollResponse, error) {
	now := d.opt.Now().UTC()
	var resp protocol.EnrollResponse
	err := d.db.Update(func(tx Tx) error {
		tokens := tx.Bucket(bucketTokens)
		var tok token
		found, err := getJSON(tokens, tokenKey(req.Token), &tok)
		if err != nil {
			return err
		}
		if !found || tok.UsedBy != "" || now.After(tok.Expires) {
			return errBadToken
		}
		terminals := tx.Bucket(bucketTerminals)
		var t Terminal
		known, err := getJSON(terminals, []byte(req.TerminalID), &t)
		if err != nil {
			return err
		}
		if tok.Terminal != "" && tok.Terminal != req.TerminalID {
			return &protocol.Error{Code: protocol.CodeBadToken, Message: "this token is for terminal " + tok.Terminal}
		}
		if known && tok.Terminal != req.TerminalID {
			return &protocol.Error{Code: protocol.CodeBadToken, Message: "terminal " + req.TerminalID +
				" is enrolled already; enrolling it again needs a token made for it (districtd token new --terminal " + req.TerminalID + ")"}
		}
		der, serial, err := d.ca.signTerminal(req.CSR, req.TerminalID, now)
		if err != nil {
			return &protocol.Error{Code: protocol.CodeBadRequest, Message: err.Error()}
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		t.keep(cert.RawSubjectPublicKeyInfo)
		tok.UsedBy, tok.UsedAt = req.TerminalID, now
		if err := putJSON(tokens, tokenKey(req.Token), tok); err != nil {
			return err
		}
		t.ID, t.Site, t.Serial, t.Enrolled, t.Revoked = req.TerminalID, tok.Site, serial.Text(16), now, false
		if err := putJSON(terminals, []byte(t.ID), t); err != nil {
			return err
		}
		resp = protocol.EnrollResponse{TerminalID: t.ID, Site: t.Site, Certificate: der, CA: d.CA(),
			Recipients: d.Recipients(), CatalogKey: d.CatalogKey()}
		return nil
	})
	if err == nil {
		d.opt.Log.Info("terminal enrolled", "terminal", req.TerminalID)
	}
	return resp, err
}

// ErrNoTerminal is a terminal id the district has not enrolled.
var ErrNoTerminal = errors.New("district: no terminal")

// Revoke refuses a terminal from now on, until it is enrolled again with a
// new token.
func (d *District) Revoke(id string) error {
	return d.updateTerminal(id, func(t *Terminal) { t.Revoked = true })
}

func (d *District) updateTerminal(id string, f func(*Terminal)) error {
	return d.db.Update(func(tx Tx) error { return changeTerminal(tx, id, f) })
}

// changeTerminal changes terminal id with f in tx.
func changeTerminal(tx Tx, id string, f func(*Terminal)) error {
	b := tx.Bucket(bucketTerminals)
	var t Terminal
	found, err := getJSON(b, []byte(id), &t)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w %q", ErrNoTerminal, id)
	}
	f(&t)
	return putJSON(b, []byte(id), t)
}

// authenticate maps a verified client certificate to its terminal: the
// certificate must be the terminal's current one and not revoked.
func (d *District) authenticate(cert *x509.Certificate) (string, error) {
	id := cert.Subject.CommonName
	var t Terminal
	err := d.db.View(func(tx Tx) error {
		found, err := getJSON(tx.Bucket(bucketTerminals), []byte(id), &t)
		if err == nil && !found {
			err = &protocol.Error{Code: protocol.CodeUnauthorized, Message: "unknown terminal"}
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if t.Revoked {
		return "", &protocol.Error{Code: protocol.CodeRevoked, Message: "this terminal was revoked by the district; enroll it again"}
	}
	if serial, ok := new(big.Int).SetString(t.Serial, 16); !ok || serial.Cmp(cert.SerialNumber) != 0 {
		return "", &protocol.Error{Code: protocol.CodeRevoked, Message: "this certificate was superseded by a later enrollment"}
	}
	return id, nil
}

// Heartbeat keeps a terminal's latest report.
func (d *District) Heartbeat(terminal string, hb protocol.Heartbeat) error {
	return d.heartbeat(terminal, nil, hb)
}

// heartbeat is Heartbeat with the public key (PKIX DER) of the
// certificate it came with, which the terminal is kept with: terminals
// enrolled before the district kept keys give theirs so.
func (d *District) heartbeat(terminal string, key []byte, hb protocol.Heartbeat) error {
	now := d.opt.Now().UTC()
	return d.heartbeats.do(func(tx Tx) error {
		return changeTerminal(tx, terminal, func(t *Terminal) {
			t.LastSeen = now
			t.LastHeartbeat = &hb
			t.keep(key)
		})
	})
}

// seen notes that a terminal was heard from. It is kept in memory, not
// committed on every request: the heartbeat stores it once a minute.
func (d *District) seen(terminal string) {
	d.seenMu.Lock()
	d.lastSeen[terminal] = d.opt.Now().UTC()
	d.seenMu.Unlock()
}

// Terminals lists every terminal, flagging the ones gone quiet.
func (d *District) Terminals() ([]Terminal, error) {
	var out []Terminal
	now := d.opt.Now()
	err := d.db.View(func(tx Tx) error {
		return tx.Bucket(bucketTerminals).ForEach(func(k, v []byte) error {
			var t Terminal
			if err := unmarshal(v, &t); err != nil {
				return err
			}
			d.seenMu.Lock()
			if at := d.lastSeen[t.ID]; at.After(t.LastSeen) {
				t.LastSeen = at
			}
			d.seenMu.Unlock()
			t.Quiet = !t.Revoked && now.Sub(t.LastSeen) > d.opt.QuietAfter
			out = append(out, t)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}
