package discover

import (
	"fmt"
	"strings"
)

// DeviceID is a printer's IEEE 1284 device id: "MFG:…;MDL:…;CMD:…;", the
// keys a technician reads and the guess quotes.
type DeviceID struct {
	Raw          string   `json:"raw"`
	Manufacturer string   `json:"mfg,omitempty"`
	Model        string   `json:"mdl,omitempty"`
	Commands     []string `json:"cmd,omitempty"` // command sets: "ESC/POS", …
	Class        string   `json:"cls,omitempty"`
	Description  string   `json:"des,omitempty"`
	// Source is "sysfs" when read from the usblp driver's copy, "usb"
	// when asked for with GET_DEVICE_ID.
	Source string `json:"source"`
}

// ParseDeviceID splits an IEEE 1284 device id into its keys. Both the
// short and the long key names are taken (MFG and MANUFACTURER, MDL and
// MODEL, CMD and COMMAND SET, CLS and CLASS, DES and DESCRIPTION), in any
// case and order; the first of a repeated key wins. Fields without a colon
// are skipped: printers send such junk, and the rest is still useful.
func ParseDeviceID(text string) DeviceID {
	id := DeviceID{Raw: printable(text)}
	for _, field := range strings.Split(text, ";") {
		key, value, ok := strings.Cut(field, ":")
		if !ok {
			continue
		}
		value = printable(value)
		switch strings.ToUpper(strings.TrimSpace(key)) {
		case "MFG", "MANUFACTURER":
			setOnce(&id.Manufacturer, value)
		case "MDL", "MODEL":
			setOnce(&id.Model, value)
		case "CLS", "CLASS":
			setOnce(&id.Class, value)
		case "DES", "DESCRIPTION":
			setOnce(&id.Description, value)
		case "CMD", "COMMAND SET":
			if id.Commands != nil {
				continue
			}
			id.Commands = []string{}
			for _, c := range strings.Split(value, ",") {
				if c = strings.TrimSpace(c); c != "" {
					id.Commands = append(id.Commands, c)
				}
			}
		}
	}
	return id
}

func setOnce(field *string, value string) {
	if *field == "" {
		*field = value
	}
}

// Speaks reports whether the id lists the command set (ESC/POS, …).
func (id DeviceID) Speaks(set string) bool {
	for _, c := range id.Commands {
		if strings.EqualFold(c, set) {
			return true
		}
	}
	return false
}

// DeviceIDText takes the id's text out of a GET_DEVICE_ID reply: two bytes
// of big-endian length, counting themselves, then the text. Some printers
// send the length little-endian, or a length longer than what came; the
// reply's own size bounds the text then, so a wrong length costs at most
// some trailing bytes, never the id.
func DeviceIDText(reply []byte) (string, error) {
	if len(reply) < 2 {
		return "", fmt.Errorf("discover: device id reply of %d bytes, want at least 2", len(reply))
	}
	n := int(reply[0])<<8 | int(reply[1])
	if n < 2 || n > len(reply) {
		n = int(reply[1])<<8 | int(reply[0])
		if n < 2 || n > len(reply) {
			n = len(reply)
		}
	}
	return strings.TrimRight(string(reply[2:n]), "\x00"), nil
}
