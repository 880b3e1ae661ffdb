package district

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp/totp"
)

// Two-step login: a staff member may add a time-based one-time code
// (TOTP, RFC 6238: 6 digits every 30 s, what authenticator apps make) to
// their password. The code of the step before or after is taken too (a
// phone's clock a little off), and a code is taken once: one seen over a
// shoulder cannot be used again. A wrong code counts towards the lock like
// a wrong password.

const totpPeriod = 30

// NewTOTPKey makes a secret for name's authenticator app and the
// otpauth:// address its QR code carries. Nothing is stored until
// EnableTOTP has seen a code made from it.
func (d *District) NewTOTPKey(name string) (secret, address string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: d.opt.Name + " Yizhan", AccountName: name, Period: totpPeriod})
	if err != nil {
		return "", "", fmt.Errorf("district: two-step key: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// ErrTOTPCode is a one-time code that does not match, or was used.
var ErrTOTPCode = errors.New("district: the one-time code is wrong or was used already")

// EnableTOTP turns two-step login on for name with secret, once code
// shows the staff member's app makes the same codes.
func (d *District) EnableTOTP(name, secret, code, from string) error {
	now := d.opt.Now()
	step, ok := totpMatch(secret, code, now, 0)
	if !ok {
		return ErrTOTPCode
	}
	return d.updateStaff(name, func(r *staffRecord) *AuditEvent {
		r.TOTPSecret, r.TOTPLastStep, r.TwoStep = secret, step, true
		return &AuditEvent{Staff: name, Action: AuditTOTPEnabled, Object: name, From: from}
	})
}

// DisableTOTP turns two-step login off for name (an admin's help for a
// lost phone); by is who did it.
func (d *District) DisableTOTP(by, name string) error {
	return d.updateStaff(name, func(r *staffRecord) *AuditEvent {
		r.TOTPSecret, r.TOTPLastStep, r.TwoStep = "", 0, false
		return &AuditEvent{Staff: by, Action: AuditTOTPDisabled, Object: name}
	})
}

// totpMatch finds the step, within one of now, whose code is code and
// which comes after last; it says which.
func totpMatch(secret, code string, now time.Time, last int64) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	found, step := false, int64(0)
	for skew := int64(-1); skew <= 1; skew++ {
		at := now.Add(time.Duration(skew*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: totpPeriod})
		s := at.Unix() / totpPeriod
		// Every step is compared, in constant time, whatever matched.
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > last {
			found, step = true, s
		}
	}
	return step, found
}
