package district

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The feed is what other systems — the city's 好差评 platform, the
// approval system — take from the district: every record that arrived,
// every status, rating and case step, in one sequence, each change written
// in the transaction that makes it, so a reader that pages through with
// its cursor sees each once and in order. It holds no personal data; a
// reader with the "records" scope opens a record by its reference, and
// that is recorded in the audit trail.
//
//	feed        sequence, 8 bytes big-endian → FeedEvent
//	api_tokens  SHA-256(token) → APIClient

// Feed event types.
const (
	FeedRecord = "record" // a record arrived: Kind, Record, Service, Receipt
	FeedStatus = "status" // an application or complaint changed state: State, Message
	FeedRating = "rating" // an application was rated: Level, Reason, Auto
	FeedCase   = "case"   // a step of a bad rating's or complaint's case: Case, Step
)

// FeedEvent is one change, as other systems read it.
type FeedEvent struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Type     string    `json:"type"`
	Kind     string    `json:"kind,omitempty"`
	Record   string    `json:"record,omitempty"` // TERMINAL/ID
	Terminal string    `json:"terminal"`
	Site     string    `json:"site,omitempty"` // filled in as it is read
	Service  string    `json:"service,omitempty"`
	Receipt  string    `json:"receipt,omitempty"`
	State    string    `json:"state,omitempty"`
	Message  string    `json:"message,omitempty"` // staff's words to the resident
	Level    int       `json:"level,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	Auto     bool      `json:"auto,omitempty"`
	Case     string    `json:"case,omitempty"` // KIND:KEY
	Step     string    `json:"step,omitempty"`
	Deadline time.Time `json:"deadline,omitzero"`
}

func appendFeed(tx Tx, ev FeedEvent) error {
	b := tx.Bucket(bucketFeed)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	ev.Seq = seq
	ev.At = ev.At.UTC()
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return b.Put(seqKey(seq), data)
}

// FeedPage is a page of the feed.
type FeedPage struct {
	Events []FeedEvent `json:"events"`
	// Next is the cursor to ask with for what follows: the last event's
	// sequence, or the one asked with when there was nothing new.
	Next uint64 `json:"next"`
	More bool   `json:"more"`
}

// Feed returns up to limit events after the cursor (at most 1000).
func (d *District) Feed(after uint64, limit int) (FeedPage, error) {
	limit = min(max(limit, 1), 1000)
	page := FeedPage{Events: []FeedEvent{}, Next: after}
	err := d.db.View(func(tx Tx) error {
		sites, err := terminalSites(tx)
		if err != nil {
			return err
		}
		c := tx.Bucket(bucketFeed).Cursor()
		for k, v := c.Seek(seqKey(after + 1)); k != nil && after < ^uint64(0); k, v = c.Next() {
			if len(page.Events) == limit {
				page.More = true
				return nil
			}
			var ev FeedEvent
			if err := json.Unmarshal(v, &ev); err != nil {
				return fmt.Errorf("feed event %d: %w", binary.BigEndian.Uint64(k), err)
			}
			ev.Site = sites[ev.Terminal]
			page.Events = append(page.Events, ev)
			page.Next = ev.Seq
		}
		return nil
	})
	return page, err
}

// API scopes: what an API client may read.
const (
	ScopeEvents  = "events"  // the feed
	ScopeRecords = "records" // records opened, with their attachments
)

// APIClient is a system allowed to read the district's API.
type APIClient struct {
	Name    string    `json:"name"`
	Scopes  []string  `json:"scopes"`
	Created time.Time `json:"created"`
	By      string    `json:"by"`
	Revoked bool      `json:"revoked,omitempty"`
}

// Can says the client holds scope.
func (c APIClient) Can(scope string) bool { return slices.Contains(c.Scopes, scope) }

// ErrAPIToken is a token the district did not issue, or revoked.
var ErrAPIToken = errors.New("district: unknown or revoked API token")

func apiTokenKey(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// NewAPIToken issues a token for a system by name with scopes; the token
// is returned this once (the district keeps its SHA-256: a random 256-bit
// token needs no slow hash).
func (d *District) NewAPIToken(by, name string, scopes []string) (string, error) {
	if err := CheckStaffName(name); err != nil {
		return "", fmt.Errorf("district: an API client is named like a staff account: %w", err)
	}
	if len(scopes) == 0 {
		return "", errors.New("district: an API token needs a scope (events, records)")
	}
	for _, s := range scopes {
		if s != ScopeEvents && s != ScopeRecords {
			return "", fmt.Errorf("district: unknown scope %q (events, records)", s)
		}
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	token := "yz_" + base64.RawURLEncoding.EncodeToString(raw)
	now := d.opt.Now().UTC()
	err := d.db.Update(func(tx Tx) error {
		b := tx.Bucket(bucketAPITokens)
		taken := false
		b.ForEach(func(_, v []byte) error {
			var c APIClient
			if json.Unmarshal(v, &c) == nil && c.Name == name && !c.Revoked {
				taken = true
			}
			return nil
		})
		if taken {
			return fmt.Errorf("district: an API client %q has a token: revoke it first", name)
		}
		if err := putJSON(b, apiTokenKey(token), APIClient{Name: name, Scopes: scopes, Created: now, By: by}); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by, Action: AuditAPITokenIssued, Object: name, Detail: fmt.Sprint(scopes)}, now)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// RevokeAPIToken stops the named client's token.
func (d *District) RevokeAPIToken(by, name string) error {
	now := d.opt.Now().UTC()
	return d.db.Update(func(tx Tx) error {
		b := tx.Bucket(bucketAPITokens)
		var key []byte
		var client APIClient
		err := b.ForEach(func(k, v []byte) error {
			var c APIClient
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			if c.Name == name && !c.Revoked {
				key, client = k, c
			}
			return nil
		})
		if err != nil {
			return err
		}
		if key == nil {
			return fmt.Errorf("district: no API client %q with a token", name)
		}
		client.Revoked = true
		if err := putJSON(b, slices.Clone(key), client); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by, Action: AuditAPITokenRevoked, Object: name}, now)
	})
}

// APIClients lists the API clients.
func (d *District) APIClients() ([]APIClient, error) {
	var out []APIClient
	err := d.db.View(func(tx Tx) error {
		return tx.Bucket(bucketAPITokens).ForEach(func(_, v []byte) error {
			var c APIClient
			if err := json.Unmarshal(v, &c); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	slices.SortFunc(out, func(a, b APIClient) int { return a.Created.Compare(b.Created) })
	return out, err
}

// APIClientOf is the client a token belongs to.
func (d *District) APIClientOf(token string) (APIClient, error) {
	var c APIClient
	err := d.db.View(func(tx Tx) error {
		key := apiTokenKey(token)
		// The lookup is by hash: what a timing could tell is a hash's
		// prefix, not the token's.
		found, err := getJSON(tx.Bucket(bucketAPITokens), key, &c)
		if err != nil {
			return err
		}
		if !found || c.Revoked {
			return ErrAPIToken
		}
		return nil
	})
	return c, err
}
