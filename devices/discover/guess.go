package discover

import (
	"fmt"
	"slices"
	"strings"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// DocumentPixels is the picture size from which a camera is taken for the
// document camera: 高拍仪 advertise stills of 5 MP and more to photograph
// an A4 page legibly, face cameras rarely go past 2 MP.
const DocumentPixels = 5_000_000

// documentWords in a camera's name mark a document camera, whatever its
// size ("doc" also matches "document").
var documentWords = []string{"doc", "高拍", "scanner"}

// guessPorts guesses every serial port from what sysfs says: the reader
// module sits behind a serial line, so every port may be it until the
// probe asks.
func guessPorts(ports []SerialPort) {
	for i := range ports {
		p := &ports[i]
		if p.Console {
			p.Guess = Guess{Role: Unknown, Reason: "the kernel's console: boot messages go there, so no device can"}
			continue
		}
		if p.USB != nil {
			if why, ok := scannerMaker(*p.USB); ok {
				p.Guess = Guess{Role: CodeScanner, Reason: fmt.Sprintf(
					"the serial line of a code scanner (%s %s): %s; scan a receipt with kioskctl scanner read to be sure", p.USB.ID, p.USB.Name(), why)}
				continue
			}
			chip := p.USB.ID
			if p.Driver != "" {
				chip = p.Driver + ", " + chip
			}
			p.Guess = Guess{Role: IDCardReader, Reason: fmt.Sprintf(
				"USB serial adapter (%s): card-reader modules usually sit behind one; not confirmed, --probe asks it", chip)}
			continue
		}
		p.Guess = Guess{Role: IDCardReader, Reason: fmt.Sprintf(
			"on-board %s: a card reader may be wired to it; not confirmed, --probe asks it", p.UART)}
	}
}

// guessCameras tells the document camera from the face camera by its name
// and its largest picture.
func guessCameras(cams []Camera) {
	for i := range cams {
		c := &cams[i]
		if c.Index > 0 {
			c.Guess = Guess{Role: Unknown, Reason: fmt.Sprintf(
				"node %d of a camera: a UVC camera's second node carries metadata, not pictures", c.Index)}
			continue
		}
		c.Guess = cameraGuess(*c)
	}
}

func cameraGuess(c Camera) Guess {
	names := strings.ToLower(c.Name + " " + c.USBName)
	for _, w := range documentWords {
		if strings.Contains(names, w) {
			return Guess{Role: DocumentCamera, Reason: fmt.Sprintf("named %q: a document camera (高拍仪) by its name", nameOf(c))}
		}
	}
	size, err := camera.ParseSize(c.Largest)
	switch {
	case err != nil:
		return Guess{Role: FaceCamera, Reason: "no document-camera name, and its sizes are not known without opening it: taken for the face camera"}
	case size.Pixels() >= DocumentPixels:
		return Guess{Role: DocumentCamera, Reason: fmt.Sprintf(
			"offers %s (%.1f MP): document cameras offer large stills, face cameras rarely do", c.Largest, megapixels(size))}
	}
	return Guess{Role: FaceCamera, Reason: fmt.Sprintf(
		"at most %s (%.1f MP), no document-camera name: a face camera", c.Largest, megapixels(size))}
}

func nameOf(c Camera) string {
	if c.Name != "" {
		return c.Name
	}
	return c.USBName
}

func megapixels(s camera.Size) float64 { return float64(s.Pixels()) / 1e6 }

// printerChips are VID:PIDs of USB chips common in cheap receipt printers
// but shared with other devices (devices.md §2): alone they prove nothing,
// and they are only worth a mention when no printer interface is there.
var printerChips = []string{"0416:5011", "0483:5720", "1fc9:2016"}

// Names of interface classes, for the reason of a device that is none of
// the terminal's.
var classNames = map[string]string{
	"01": "audio", "02": "communications", "03": "HID (keyboard, mouse, touch screen)",
	"07": "printer", "08": "mass storage", "09": "hub", "0a": "CDC data", "0e": "video",
	"e0": "wireless (Bluetooth)", "ef": "miscellaneous", "fe": "application specific", "ff": "vendor specific",
}

// guessUSB guesses every USB device: by its printer interface, by the
// card-reader module's pipes, or by the serial ports and cameras it
// provides, whose guesses it repeats so the two lists agree.
func guessUSB(devices []USBDevice, ports []SerialPort, cams []Camera) {
	for i := range devices {
		d := &devices[i]
		if in, ok := printerInterface(*d); ok {
			d.Guess = printerGuess(*d, in)
			continue
		}
		if g, ok := scannerGuess(*d); ok {
			d.Guess = g
			continue
		}
		if in, ok := samInterface(*d); ok {
			d.Guess = Guess{Role: IDCardReader, Reason: fmt.Sprintf(
				"interface %s has the bulk pipes 02 and 06 out, 81 and 85 in of the card-reader module's USB variant; not confirmed, --probe asks it", in.Name)}
			if d.Probe != nil {
				d.Guess = probed(d.Guess, *d.Probe, "")
			}
			continue
		}
		// The port's guess speaks for its adapter.
		if j := slices.IndexFunc(ports, func(p SerialPort) bool { return len(d.Ports) > 0 && p.Device == d.Ports[0] }); j >= 0 {
			d.Guess = Guess{Role: ports[j].Guess.Role, Confirmed: ports[j].Guess.Confirmed,
				Reason: fmt.Sprintf("serial adapter of %s: see the serial ports", strings.Join(d.Ports, ", "))}
			continue
		}
		if len(d.Video) > 0 {
			d.Guess = Guess{Role: Unknown, Reason: fmt.Sprintf("camera %s: see the cameras", strings.Join(d.Video, ", "))}
			for _, c := range cams {
				if slices.Contains(d.Video, c.Device) && c.Index == 0 {
					d.Guess.Role = c.Guess.Role
					break
				}
			}
			continue
		}
		d.Guess = otherGuess(*d)
	}
}

func printerGuess(d USBDevice, in Interface) Guess {
	way := "one-way"
	if in.Protocol == "02" || in.Protocol == "03" {
		way = "bidirectional"
	}
	reason := fmt.Sprintf("interface %s is of the USB printer class 7 (%s)", in.Name, way)
	if id := d.DeviceID; id != nil {
		model := strings.TrimSpace(id.Manufacturer + " " + id.Model)
		if model != "" {
			reason += "; its 1284 id says " + model
		}
		if len(id.Commands) > 0 {
			reason += ", commands " + strings.Join(id.Commands, ",")
			if !id.Speaks("ESC/POS") {
				reason += " (no ESC/POS: the receipt driver may not suit it)"
			}
		}
	}
	return Guess{Role: ReceiptPrinter, Reason: reason}
}

func otherGuess(d USBDevice) Guess {
	if d.Class == classHub {
		return Guess{Role: Unknown, Reason: "a USB hub"}
	}
	if slices.Contains(printerChips, d.ID) {
		return Guess{Role: Unknown, Reason: fmt.Sprintf(
			"%s is a chip common in receipt printers but shared with other devices, and it has no printer-class interface: the printer driver cannot use it", d.ID)}
	}
	var kinds []string
	for _, in := range d.Interfaces {
		name := classNames[in.Class]
		if name == "" {
			name = "class " + in.Class
		}
		if !slices.Contains(kinds, name) {
			kinds = append(kinds, name)
		}
	}
	if len(kinds) == 0 {
		return Guess{Role: Unknown, Reason: "no interfaces seen"}
	}
	return Guess{Role: Unknown, Reason: "none of the terminal's devices: " + strings.Join(kinds, ", ")}
}
