package discover

import (
	"fmt"
	"strings"
)

// ProposeConfig writes the [idcard], [printer], [scanner] and [camera] sections of the
// terminal's configuration (kiosk/config) for the devices found, each
// choice with a comment saying why it was made and what else was found.
// baud is the rate the card reader was probed at. The text replaces those
// three sections of kiosk.toml; keys it does not write (photo_decoder,
// matcher, quality …) take their defaults, so copy over any that were set.
func ProposeConfig(r Report, baud int) string {
	var b strings.Builder
	b.WriteString("# Proposed by \"kioskctl devices scan --write-config\". It replaces the\n")
	b.WriteString("# [idcard], [printer], [scanner] and [camera] sections of\n")
	b.WriteString("# /etc/yizhan/kiosk.toml;\n")
	b.WriteString("# keys not written here take their defaults. Check every choice.\n")
	writeIDCard(&b, r, baud)
	writePrinter(&b, r)
	writeScanner(&b, r)
	writeCamera(&b, r)
	return b.String()
}

// readerChoice is a device that may be the card reader, for the proposal.
type readerChoice struct {
	port, usb string // the configuration's value: one of the two
	what      string // how the comment names it
	why       string
}

// readerChoices are the possible readers, best first: a reader that
// answered, then the USB module by its pipes, then serial adapters. Ports
// that were asked and did not answer are left out. An on-board UART that
// was not confirmed is only mentioned (uarts): it is as often a console
// or another machine's line as the reader's, and a wrong port would have
// the kiosk write frames to it all day.
func readerChoices(r Report) (choices, uarts []readerChoice) {
	var confirmed, module, adapters []readerChoice
	for _, p := range r.SerialPorts {
		if p.Guess.Role != IDCardReader {
			continue
		}
		c := readerChoice{port: p.Device, what: p.Device, why: p.Guess.Reason}
		if p.USB != nil {
			c.what = fmt.Sprintf("%s (%s %s)", p.Device, p.USB.ID, p.USB.Name())
		}
		if p.ByID != "" {
			// udev's by-id name stays when adapters come up in another
			// order after a reboot; ttyUSB numbers do not.
			c.port = p.ByID
		}
		switch {
		case p.Guess.Confirmed:
			confirmed = append(confirmed, c)
		case p.USB != nil:
			adapters = append(adapters, c)
		default:
			uarts = append(uarts, c)
		}
	}
	for _, d := range r.USBDevices {
		if _, ok := samInterface(d); !ok || d.Guess.Role != IDCardReader {
			continue
		}
		c := readerChoice{usb: d.ID, what: fmt.Sprintf("USB %s (%s %s)", d.Sysfs, d.ID, d.Name()), why: d.Guess.Reason}
		if d.Guess.Confirmed {
			confirmed = append(confirmed, c)
		} else {
			module = append(module, c)
		}
	}
	for _, group := range [][]readerChoice{confirmed, module, adapters} {
		choices = append(choices, group...)
	}
	return choices, uarts
}

func writeIDCard(b *strings.Builder, r Report, baud int) {
	b.WriteString("\n[idcard]\n")
	choices, uarts := readerChoices(r)
	port, usb := "", ""
	if len(choices) == 0 {
		if len(uarts) == 0 {
			comment(b, "No card reader found: the terminal runs without one.")
		} else {
			comment(b, "No card reader confirmed: on-board UARTs are proposed only when --probe finds the reader on one.")
		}
	} else {
		c := choices[0]
		port, usb = c.port, c.usb
		comment(b, "Chosen: "+c.what+": "+c.why+".")
		if c.port != "" && c.port != c.what && strings.HasPrefix(c.port, "/dev/serial/by-id/") {
			comment(b, "Written by its /dev/serial/by-id name, which survives re-plugging.")
		}
		for _, o := range choices[1:] {
			comment(b, "Also possible: "+o.what+": "+o.why+".")
		}
	}
	for _, o := range uarts {
		comment(b, "Also possible: "+o.what+": "+o.why+".")
	}
	fmt.Fprintf(b, "port = %s\n", tomlString(port))
	fmt.Fprintf(b, "usb = %s\n", tomlString(usb))
	fmt.Fprintf(b, "baud = %d\n", baud)
}

func writePrinter(b *strings.Builder, r Report) {
	b.WriteString("\n[printer]\n")
	var printers []USBDevice
	for _, d := range r.USBDevices {
		if d.Guess.Role == ReceiptPrinter && d.ID != "" {
			printers = append(printers, d)
		}
	}
	device := ""
	if len(printers) == 0 {
		comment(b, "No USB printer found: receipts are shown as a QR code on screen.")
		comment(b, "A serial or network printer is not found by a scan: write serial:PATH:BAUD or tcp:HOST:9100.")
	} else {
		p := printers[0]
		device = "usb:" + p.ID
		comment(b, fmt.Sprintf("Chosen: USB %s (%s %s): %s.", p.Sysfs, p.ID, p.Name(), p.Guess.Reason))
		for _, o := range printers[1:] {
			comment(b, fmt.Sprintf("Also found: USB %s (%s %s).", o.Sysfs, o.ID, o.Name()))
		}
	}
	fmt.Fprintf(b, "device = %s\n", tomlString(device))
	comment(b, "A printer does not say its paper width: check the roll, 58mm or 80mm.")
	b.WriteString("profile = \"80mm\"\n")
	b.WriteString("native_qr = false\n")
}

// writeScanner proposes the code scanner: a serial one by its by-id name,
// else a keyboard wedge by its evdev node.
func writeScanner(b *strings.Builder, r Report) {
	b.WriteString("\n[scanner]\n")
	type choice struct{ device, what, why string }
	var choices []choice
	for _, p := range r.SerialPorts {
		if p.Guess.Role == CodeScanner {
			port := p.Device
			if p.ByID != "" {
				port = p.ByID
			}
			choices = append(choices, choice{"serial:" + port + ":9600", p.Device, p.Guess.Reason})
		}
	}
	for _, d := range r.USBDevices {
		if d.Guess.Role == CodeScanner && len(d.Ports) == 0 && len(d.Inputs) > 0 {
			choices = append(choices, choice{"evdev:" + d.Inputs[0], fmt.Sprintf("USB %s (%s %s)", d.Sysfs, d.ID, d.Name()), d.Guess.Reason})
		}
	}
	device := ""
	if len(choices) == 0 {
		comment(b, "No code scanner found: receipt numbers are typed.")
	} else {
		device = choices[0].device
		comment(b, "Chosen: "+choices[0].what+": "+choices[0].why+".")
		if strings.HasPrefix(device, "serial:") {
			comment(b, "A serial scanner's rate is set on the scanner (its manual's setting codes): 9600 is the common one.")
		}
		for _, o := range choices[1:] {
			comment(b, "Also found: "+o.what+": "+o.why+".")
		}
	}
	fmt.Fprintf(b, "device = %s\n", tomlString(device))
}

func writeCamera(b *strings.Builder, r Report) {
	b.WriteString("\n[camera]\n")
	var faces, docs []Camera
	for _, c := range r.Cameras {
		switch c.Guess.Role {
		case FaceCamera:
			faces = append(faces, c)
		case DocumentCamera:
			docs = append(docs, c)
		}
	}
	face, doc := "", ""
	if len(faces) > 0 {
		face = faces[0].ID
		comment(b, fmt.Sprintf("face: %s (%s): %s.", faces[0].Device, cameraName(faces[0]), faces[0].Guess.Reason))
	} else {
		comment(b, "face: no face camera found: face photos are then checked by staff.")
	}
	if len(docs) > 0 {
		doc = docs[0].ID
		comment(b, fmt.Sprintf("document: %s (%s): %s.", docs[0].Device, cameraName(docs[0]), docs[0].Guess.Reason))
	} else {
		comment(b, "document: no document camera found: documents are then handed to staff.")
	}
	if doc != "" && strings.EqualFold(doc, face) {
		// Two cameras with one id cannot be told apart; the
		// configuration refuses it, so the document camera is left out.
		comment(b, "The document camera has the face camera's id: name one by a udev rule, then set it here.")
		doc = ""
	}
	for _, c := range append(faces[min(1, len(faces)):], docs[min(1, len(docs)):]...) {
		comment(b, fmt.Sprintf("Also found: %s %s (%s), taken for a %s.", c.Device, c.ID, cameraName(c), c.Guess.Role))
	}
	fmt.Fprintf(b, "face = %s\n", tomlString(face))
	fmt.Fprintf(b, "document = %s\n", tomlString(doc))
	b.WriteString("face_size = \"640x480\"\n")
	comment(b, "Empty: documents are taken at the camera's largest size.")
	b.WriteString("document_size = \"\"\n")
}

func cameraName(c Camera) string {
	if n := nameOf(c); n != "" {
		return n
	}
	return "no name"
}

// comment writes text as TOML comment lines, wrapped near 76 columns. The
// text comes partly from devices, so line breaks in it are flattened: a
// stray newline must not end the comment and leave the rest as TOML.
func comment(b *strings.Builder, text string) {
	prefix, line := "# ", ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(prefix)+len(line)+1+len(word) > 76 {
			b.WriteString(prefix + line + "\n")
			prefix, line = "#   ", ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		b.WriteString(prefix + line + "\n")
	}
}

// tomlString quotes v as a TOML basic string: quote and backslash escaped,
// control characters as \uXXXX (Go's %q would write \x escapes, which TOML
// does not take).
func tomlString(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
