// Package devices is the terminal's device model: every device (ID-card
// reader, receipt printer, cameras) reports one state from a small fixed set,
// in the manner of XFS4IoT, says who must act when it is not usable, and
// publishes its changes through a Registry that the screens and the
// technician's tools read.
package devices

import "fmt"

// State is a device's condition as the rest of the terminal sees it.
type State int

// The states. The zero value is Offline: a device that has not yet reported
// is treated as present but not usable.
const (
	Offline       State = iota // present but not answering, or not yet started
	Online                     // ready for use
	NoDevice                   // not connected: port missing or unplugged
	HardwareError              // broken; someone other than the resident must act
	UserError                  // needs the resident or staff (card left in, paper out)
	Busy                       // working on a request
)

var stateNames = [...]string{
	Offline:       "offline",
	Online:        "online",
	NoDevice:      "noDevice",
	HardwareError: "hardwareError",
	UserError:     "userError",
	Busy:          "busy",
}

// String returns the XFS4IoT-style name of the state ("noDevice", ...); the
// names are stable and are used as translation keys and in logs.
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("State(%d)", int(s))
	}
	return stateNames[s]
}

// Usable reports whether a flow may use the device in this state now.
func (s State) Usable() bool { return s == Online }

// Actor says who must act to bring a device back.
type Actor int

const (
	NoOne      Actor = iota // nothing to do
	Device                  // the device recovers by itself
	Resident                // the person at the terminal (take the card away)
	Staff                   // branch or hall staff (replace paper, clear a jam)
	Technician              // a technician must repair or replace it
)

var actorNames = [...]string{
	NoOne:      "none",
	Device:     "device",
	Resident:   "resident",
	Staff:      "staff",
	Technician: "technician",
}

func (a Actor) String() string {
	if a < 0 || int(a) >= len(actorNames) {
		return fmt.Sprintf("Actor(%d)", int(a))
	}
	return actorNames[a]
}

// Kind is the role a device plays in the terminal.
type Kind string

const (
	IDCardReader   Kind = "idcard"
	ReceiptPrinter Kind = "printer"
	FaceCamera     Kind = "facecam"
	DocumentCamera Kind = "doccam"
	// CodeScanner is the 2D-code scanner residents hold their receipt's
	// QR code to. Not every terminal has one: it is in the registry and
	// on the status bar only where one is configured.
	CodeScanner Kind = "scanner"
	// A4Printer prints certificates and forms on A4 paper, through the
	// print system (CUPS). Also only where one is configured.
	A4Printer Kind = "a4printer"
)

// Kinds lists the roles every terminal has, in the order it shows them.
var Kinds = []Kind{IDCardReader, ReceiptPrinter, FaceCamera, DocumentCamera}

// Status is one device's report.
type Status struct {
	Kind  Kind
	State State
	// Actor is who must act; NoOne when State is Online or Busy.
	Actor Actor
	// Reason is a short technical cause for technicians and logs ("port
	// /dev/ttyUSB0 missing", "SAM self-test failed"); never personal data.
	Reason string
}
