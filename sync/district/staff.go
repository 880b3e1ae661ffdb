package district

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/yizhan-kiosk/yizhan/sync/passhash"
)

// Role is what a staff member may do in the district's console.
type Role string

const (
	// RoleStaff (窗口人员) works applications, ratings and complaints.
	RoleStaff Role = "staff"
	// RoleSupervisor (科室负责人) also assigns work and closes bad ratings.
	RoleSupervisor Role = "supervisor"
	// RoleAdmin (管理员) also keeps accounts, terminals, the catalog and
	// reads the audit trail.
	RoleAdmin Role = "admin"
)

// ParseRole reads a role by its name.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleStaff, RoleSupervisor, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("district: role %q: want staff, supervisor or admin", s)
}

// Staff is a staff account as the district shows it; its password hash
// never leaves the store.
type Staff struct {
	Name            string    `json:"name"`
	Role            Role      `json:"role"`
	Disabled        bool      `json:"disabled,omitempty"`
	Created         time.Time `json:"created"`
	PasswordChanged time.Time `json:"password_changed"`
	// Failures counts wrong passwords since the last right one; at
	// MaxLoginFailures the account is locked until LockedUntil.
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	// TwoStep says a one-time code is asked for with the password
	// (totp.go).
	TwoStep bool `json:"two_step,omitempty"`
}

// staffRecord is a Staff as stored, with its password's hash.
type staffRecord struct {
	Staff
	Hash string `json:"hash"`
	// TOTPSecret is the two-step secret (base32); TOTPLastStep the time
	// step of the last code taken, so that none is taken twice.
	TOTPSecret   string `json:"totp_secret,omitempty"`
	TOTPLastStep int64  `json:"totp_last_step,omitempty"`
}

// MaxLoginFailures wrong passwords in a row lock an account for
// LoginLockout: guessing then takes years, and a staff member who
// mistyped waits a quarter of an hour, or asks an admin (passwd).
const (
	MaxLoginFailures = 5
	LoginLockout     = 15 * time.Minute
)

var (
	// ErrStaffExists is an account name already taken.
	ErrStaffExists = errors.New("district: a staff account of that name exists")
	// ErrNoStaff is an account name nobody has.
	ErrNoStaff = errors.New("district: no staff account of that name")
	// ErrLoginFailed is a login refused: an unknown name, a wrong password
	// or a disabled account, told apart to nobody.
	ErrLoginFailed = errors.New("district: wrong name or password")
)

// LockedError is a login refused because the account is locked.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("district: too many wrong passwords: locked until %s", e.Until.Format("15:04"))
}

// CheckStaffName says why name cannot name a staff account: 1 to 32
// lower-case letters, digits, '.', '-' or '_', starting with a letter —
// what a login box, a log line and an audit trail take without quoting.
func CheckStaffName(name string) error {
	if name == "" || len(name) > 32 || name[0] < 'a' || name[0] > 'z' {
		return fmt.Errorf("district: staff name %q: 1 to 32 lower-case letters, digits, '.', '-' or '_', starting with a letter", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("district: staff name %q: 1 to 32 lower-case letters, digits, '.', '-' or '_', starting with a letter", name)
		}
	}
	return nil
}

// CheckPassword says why password cannot be a staff member's: at least 10
// characters with a letter and a digit, at most 128, not holding the
// account's name. The console shows residents' personal data.
func CheckPassword(name, password string) error {
	var letter, digit bool
	for _, r := range password {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	switch {
	case len([]rune(password)) < 10 || len(password) > 128:
		return errors.New("district: a password is 10 to 128 characters")
	case !letter || !digit:
		return errors.New("district: a password holds letters and digits")
	case name != "" && strings.Contains(strings.ToLower(password), name):
		return errors.New("district: a password must not hold the account's name")
	}
	return nil
}

// AddStaff makes an account; by is who did it, for the audit trail.
func (d *District) AddStaff(by, name string, role Role, password string) error {
	if err := CheckStaffName(name); err != nil {
		return err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	if err := CheckPassword(name, password); err != nil {
		return err
	}
	if _, found, err := d.staff(name); err != nil || found {
		if found {
			err = fmt.Errorf("%w: %s", ErrStaffExists, name)
		}
		return err // said before the slow hash
	}
	h, err := passhash.New(password, d.opt.PasswordCost) // slow: outside the transaction
	if err != nil {
		return fmt.Errorf("district: %w", err)
	}
	now := d.opt.Now()
	return d.db.Update(func(tx Tx) error {
		b := tx.Bucket(bucketStaff)
		if b.Get([]byte(name)) != nil {
			return fmt.Errorf("%w: %s", ErrStaffExists, name)
		}
		if err := putJSON(b, []byte(name), staffRecord{Staff: Staff{Name: name, Role: role, Created: now, PasswordChanged: now}, Hash: h.String()}); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by, Action: AuditStaffAdded, Object: name, Detail: "role " + string(role)}, now)
	})
}

// SetStaffPassword replaces an account's password and lifts its lock; by
// is who did it.
func (d *District) SetStaffPassword(by, name, password string) error {
	if err := CheckPassword(name, password); err != nil {
		return err
	}
	if _, found, err := d.staff(name); err != nil || !found {
		if !found {
			err = fmt.Errorf("%w: %s", ErrNoStaff, name)
		}
		return err // said before the slow hash
	}
	h, err := passhash.New(password, d.opt.PasswordCost)
	if err != nil {
		return fmt.Errorf("district: %w", err)
	}
	now := d.opt.Now()
	return d.updateStaff(name, func(r *staffRecord) *AuditEvent {
		r.Hash, r.PasswordChanged, r.Failures, r.LockedUntil = h.String(), now, 0, time.Time{}
		return &AuditEvent{Staff: by, Action: AuditPasswordSet, Object: name}
	})
}

// DisableStaff stops an account from logging in; it is kept, so the
// audit trail still names who did what. by is who disabled it.
func (d *District) DisableStaff(by, name string) error {
	return d.updateStaff(name, func(r *staffRecord) *AuditEvent {
		r.Disabled = true
		return &AuditEvent{Staff: by, Action: AuditStaffDisable, Object: name}
	})
}

// StaffList returns every account, by name.
func (d *District) StaffList() ([]Staff, error) {
	var out []Staff
	err := d.db.View(func(tx Tx) error {
		return tx.Bucket(bucketStaff).ForEach(func(k, v []byte) error {
			var r staffRecord
			if _, err := getJSON(tx.Bucket(bucketStaff), k, &r); err != nil {
				return err
			}
			out = append(out, r.Staff)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// StaffLogin checks a staff member's name and password — and, once they
// turned two-step login on, the one-time code — from the client address
// from. A wrong password counts towards the lock; the right one
// clears the count. Refusals are ErrLoginFailed, or a *LockedError while
// the account is locked (checked before the password, which is then not
// tried). Every attempt goes into the audit trail — an unknown name
// without the name, which may be a password typed in the wrong box.
func (d *District) StaffLogin(name, password, code, from string) (Staff, error) {
	now := d.opt.Now()
	r, found, err := d.staff(name)
	if err != nil {
		return Staff{}, err
	}
	if !found || r.Disabled {
		d.decoyVerify(password)
		ev := AuditEvent{Action: AuditLoginFailed, Detail: "no such account", From: from}
		if found {
			ev.Staff, ev.Detail = name, "account disabled"
		}
		if err := d.Audit(ev); err != nil {
			return Staff{}, err
		}
		return Staff{}, ErrLoginFailed
	}
	if now.Before(r.LockedUntil) {
		if err := d.Audit(AuditEvent{Staff: name, Action: AuditLoginLocked, Detail: "refused while locked", From: from}); err != nil {
			return Staff{}, err
		}
		return Staff{}, &LockedError{Until: r.LockedUntil}
	}
	h, err := passhash.Parse(r.Hash)
	if err != nil {
		return Staff{}, fmt.Errorf("district: staff %s: %w", name, err)
	}
	right := h.Verify(password) // slow: outside any transaction
	var locked time.Time
	err = d.updateStaff(name, func(r *staffRecord) *AuditEvent {
		why := "wrong password"
		if right && r.TOTPSecret != "" {
			// Checked in the transaction, against the last step taken:
			// two logins with one code cannot both pass.
			step, ok := totpMatch(r.TOTPSecret, code, now, r.TOTPLastStep)
			if ok {
				r.TOTPLastStep = step
			} else {
				right, why = false, "wrong or used one-time code"
			}
		}
		if right {
			r.Failures, r.LockedUntil = 0, time.Time{}
			return &AuditEvent{Staff: name, Action: AuditLogin, From: from}
		}
		r.Failures++
		if r.Failures >= MaxLoginFailures {
			r.Failures, r.LockedUntil = 0, now.Add(LoginLockout)
			locked = r.LockedUntil
			return &AuditEvent{Staff: name, Action: AuditLoginLocked, Detail: fmt.Sprintf("%d failed logins", MaxLoginFailures), From: from}
		}
		return &AuditEvent{Staff: name, Action: AuditLoginFailed, Detail: why, From: from}
	})
	switch {
	case err != nil:
		return Staff{}, err
	case !locked.IsZero():
		return Staff{}, &LockedError{Until: locked}
	case !right:
		return Staff{}, ErrLoginFailed
	}
	r.Failures, r.LockedUntil = 0, time.Time{}
	return r.Staff, nil
}

// decoyVerify spends what checking a real password would, so that a
// login takes as long whether or not the name has an account. The decoy
// hash is made once, at the district's cost.
func (d *District) decoyVerify(password string) {
	d.decoyOnce.Do(func() { d.decoy, _ = passhash.New("decoy", d.opt.PasswordCost) })
	d.decoy.Verify(password)
}

// StaffAccount returns the account of that name as it is now, and
// whether there is one: the console checks it at every request, so an
// account disabled, or given another role, takes effect at once.
func (d *District) StaffAccount(name string) (Staff, bool, error) {
	r, found, err := d.staff(name)
	return r.Staff, found, err
}

// staff reads an account as stored.
func (d *District) staff(name string) (r staffRecord, found bool, err error) {
	err = d.db.View(func(tx Tx) error {
		found, err = getJSON(tx.Bucket(bucketStaff), []byte(name), &r)
		return err
	})
	return r, found, err
}

// updateStaff changes an account and records what f says was done, in
// one transaction.
func (d *District) updateStaff(name string, f func(*staffRecord) *AuditEvent) error {
	return d.db.Update(func(tx Tx) error {
		b := tx.Bucket(bucketStaff)
		var r staffRecord
		found, err := getJSON(b, []byte(name), &r)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: %s", ErrNoStaff, name)
		}
		ev := f(&r)
		if err := putJSON(b, []byte(name), r); err != nil {
			return err
		}
		return appendAudit(tx, *ev, d.opt.Now())
	})
}
