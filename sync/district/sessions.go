package district

import (
	"crypto/sha256"
	"time"
)

// The staff console's sessions are kept in the store, not in the process
// that logged the staff member in: any replica serves any session, and a
// replica restarted for an upgrade logs nobody out. A session is found by
// the SHA-256 of its token, so that whoever reads the store (a backup, the
// database's staff) learns no token to present.

// ConsoleSession is a staff member's session on the console.
type ConsoleSession struct {
	Staff      string    `json:"staff"`
	CSRF       string    `json:"csrf"`
	Created    time.Time `json:"created"`
	LastActive time.Time `json:"last_active"`
	// Upload is a catalog uploaded and compared, waiting to be published.
	Upload []byte `json:"upload,omitempty"`
	// TOTPSecret and TOTPAddress are a two-step key made for the staff
	// member, waiting for the first code from their app.
	TOTPSecret  string `json:"totp_secret,omitempty"`
	TOTPAddress string `json:"totp_address,omitempty"`
}

func sessionKey(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// PutConsoleSession keeps s as the session of token.
func (d *District) PutConsoleSession(token string, s ConsoleSession) error {
	return d.db.Update(func(tx Tx) error {
		return putJSON(tx.Bucket(bucketSessions), sessionKey(token), s)
	})
}

// ConsoleSession is the session of token, if there is one.
func (d *District) ConsoleSession(token string) (ConsoleSession, bool, error) {
	var s ConsoleSession
	var found bool
	err := d.db.View(func(tx Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bucketSessions), sessionKey(token), &s)
		return err
	})
	return s, found, err
}

// UpdateConsoleSession changes the session of token with f, if it is
// still there, and reports whether it was.
func (d *District) UpdateConsoleSession(token string, f func(*ConsoleSession)) (bool, error) {
	var found bool
	err := d.db.Update(func(tx Tx) error {
		b := tx.Bucket(bucketSessions)
		var s ConsoleSession
		var err error
		if found, err = getJSON(b, sessionKey(token), &s); err != nil || !found {
			return err
		}
		f(&s)
		return putJSON(b, sessionKey(token), s)
	})
	return found, err
}

// EndConsoleSession forgets the session of token.
func (d *District) EndConsoleSession(token string) error {
	return d.db.Update(func(tx Tx) error {
		return tx.Bucket(bucketSessions).Delete(sessionKey(token))
	})
}

// EndConsoleSessions forgets every session ended says has ended (idle or
// too old), and a session that cannot be read.
func (d *District) EndConsoleSessions(ended func(ConsoleSession) bool) error {
	return d.db.Update(func(tx Tx) error {
		b := tx.Bucket(bucketSessions)
		var gone [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var s ConsoleSession
			if unmarshal(v, &s) != nil || ended(s) {
				gone = append(gone, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range gone {
			if err == nil {
				err = b.Delete(k)
			}
		}
		return err
	})
}
