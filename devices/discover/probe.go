package discover

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
)

// probeAll asks every serial port, and every USB device with the card
// reader's pipes, for the SAM id. One at a time: each port costs at most
// ProbeWait, and two probes at once on one adapter would mix their bytes.
func (s *scanner) probeAll(ctx context.Context, r *Report) {
	for i := range r.SerialPorts {
		p := &r.SerialPorts[i]
		if p.Console {
			continue // the probe's bytes would land among the boot messages
		}
		if p.Guess.Role == CodeScanner {
			continue // a scanner's line, by its maker or name: no card reader
		}
		path := s.devPath(p.Device)
		pr := probeReader(ctx, func() (idcard.Transport, error) { return s.opts.OpenSerial(path, s.opts.Baud) }, s.opts.ProbeWait)
		// Errors name the port as the terminal does, not under the root.
		pr.Detail = strings.ReplaceAll(pr.Detail, path, p.Device)
		p.Probe = &pr
		p.Guess = probed(p.Guess, pr, fmt.Sprintf(" at %d baud", s.opts.Baud))
	}
	for i := range r.USBDevices {
		d := &r.USBDevices[i]
		if _, ok := samInterface(*d); !ok {
			continue
		}
		vid, pid, err := usbdev.ParseID(d.ID)
		if err != nil {
			continue // no ids were readable: a note says so already
		}
		pr := probeReader(ctx, func() (idcard.Transport, error) { return s.opts.OpenUSB(vid, pid) }, s.opts.ProbeWait)
		d.Probe = &pr
	}
}

// probeReader opens the device and asks for the SAM id through the card
// reader's own transport and frames, the exchange the reader starts with
// when it comes online. Any well-formed reply frame means a SAM module is
// there; a SAM that reports a fault is still the reader.
func probeReader(ctx context.Context, open func() (idcard.Transport, error), wait time.Duration) Probe {
	t, err := open()
	if err != nil {
		return Probe{Result: OpenFailed, Detail: err.Error()}
	}
	defer t.Close()
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	reply, err := t.Exchange(ctx, idcard.CmdSAMID.Encode())
	if errors.Is(err, idcard.ErrChecksum) && ctx.Err() == nil {
		// A frame damaged on the line: the reader retries once too.
		reply, err = t.Exchange(ctx, idcard.CmdSAMID.Encode())
	}
	if err != nil {
		return Probe{Result: NoAnswer, Detail: err.Error()}
	}
	var se *idcard.StatusError
	if err := reply.Err(); errors.As(err, &se) {
		if se.SAMFault() {
			return Probe{Result: SAMFault, Detail: se.Status.String()}
		}
		return Probe{Result: Answered, Detail: "answered " + se.Status.String()}
	}
	return Probe{Result: Answered, SAMID: idcard.FormatSAMID(reply.Data)}
}

// probed is a guess after the probe: an answer confirms the reader, no
// answer makes the port unknown, and a port that could not be opened
// keeps its guess with the reason why it is not confirmed.
func probed(g Guess, p Probe, how string) Guess {
	switch p.Result {
	case Answered:
		reason := "answered the SAM id request" + how
		if p.SAMID != "" {
			reason += ": SAM " + p.SAMID
		} else {
			reason += ": " + p.Detail
		}
		return Guess{Role: IDCardReader, Confirmed: true, Reason: reason}
	case SAMFault:
		return Guess{Role: IDCardReader, Confirmed: true, Reason: "a SAM module answered" + how + ", but reports " + p.Detail + ": the reader needs a technician"}
	case NoAnswer:
		return Guess{Role: Unknown, Reason: "did not answer the SAM id request" + how + ": not the card reader, or a reader set to another rate"}
	}
	g.Reason += "; the probe could not open it: " + p.Detail
	return g
}
