package idcard

import (
	"errors"
	"fmt"
)

// Status is SW3, the result code of a SAM reply.
type Status byte

// The SW3 codes of GA/T 467.
const (
	StatusOK            Status = 0x90
	StatusFound         Status = 0x9F // find card succeeded
	StatusNoContent     Status = 0x91 // the item has no content
	StatusChecksum      Status = 0x10 // our frame's checksum was wrong
	StatusLength        Status = 0x11 // our frame's length was wrong
	StatusCommand       Status = 0x21 // command error
	StatusNotPermitted  Status = 0x23
	StatusUnrecognised  Status = 0x24
	StatusCardAuthSAM   Status = 0x31 // the card failed to authenticate the SAM
	StatusSAMAuthCard   Status = 0x32 // the SAM failed to authenticate the card
	StatusInfoCheck     Status = 0x33 // information check failed
	StatusUnknownCard   Status = 0x40
	StatusReadFailed    Status = 0x41
	StatusRandomFailed  Status = 0x47
	StatusSelfTest      Status = 0x60 // SAM self-test failed
	StatusNotAuthorised Status = 0x66 // SAM not authorised
	StatusNoCard        Status = 0x80 // find failed: no card in the field
	StatusSelectFailed  Status = 0x81
)

var statusText = map[Status]string{
	StatusOK:            "success",
	StatusFound:         "card found",
	StatusNoContent:     "item has no content",
	StatusChecksum:      "checksum error in the command frame",
	StatusLength:        "length error in the command frame",
	StatusCommand:       "command error",
	StatusNotPermitted:  "command not permitted",
	StatusUnrecognised:  "unrecognised error",
	StatusCardAuthSAM:   "card failed to authenticate the SAM",
	StatusSAMAuthCard:   "SAM failed to authenticate the card",
	StatusInfoCheck:     "information check failed",
	StatusUnknownCard:   "unknown card type",
	StatusReadFailed:    "read failed",
	StatusRandomFailed:  "random number failed",
	StatusSelfTest:      "SAM self-test failed",
	StatusNotAuthorised: "SAM not authorised",
	StatusNoCard:        "no card in the field",
	StatusSelectFailed:  "select failed",
}

func (s Status) String() string {
	if t, ok := statusText[s]; ok {
		return fmt.Sprintf("%02X %s", byte(s), t)
	}
	return fmt.Sprintf("%02X unknown status", byte(s))
}

// Err returns nil for the success codes and a *StatusError otherwise.
func (s Status) Err() error {
	if s == StatusOK || s == StatusFound {
		return nil
	}
	return &StatusError{Status: s}
}

// StatusError is a SAM reply that reports failure.
type StatusError struct{ Status Status }

func (e *StatusError) Error() string { return "idcard: SAM: " + e.Status.String() }

// Transient reports a radio error worth one retry.
func (e *StatusError) Transient() bool {
	switch e.Status {
	case StatusReadFailed, StatusCardAuthSAM, StatusSAMAuthCard:
		return true
	}
	return false
}

// SAMFault reports a failure of the SAM itself, which a technician must fix.
func (e *StatusError) SAMFault() bool {
	return e.Status == StatusSelfTest || e.Status == StatusNotAuthorised
}

// Is lets errors.Is(err, ErrNoCard) and the like match by code.
func (e *StatusError) Is(target error) bool {
	var t *StatusError
	return errors.As(target, &t) && t.Status == e.Status
}

// ErrNoCard is the normal answer to find while no card is on the reader.
var ErrNoCard = &StatusError{Status: StatusNoCard}
