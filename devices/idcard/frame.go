package idcard

import (
	"bytes"
	"errors"
	"fmt"
)

// The SAM frame protocol (GA/T 467):
//
//	command : AA AA AA 96 69 | Len1 Len2 | CMD Para    | Data... | CHK
//	response: AA AA AA 96 69 | Len1 Len2 | SW1 SW2 SW3 | Data... | CHK
//
// Len is big-endian and counts every byte after the length, CHK included.
// CHK is the XOR of every byte from Len1 to the last data byte.

var preamble = []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

const (
	headerLen = 7 // preamble and length
	// maxFrameLen bounds Len: the longest real reply (text, photo and a
	// 1024-byte fingerprint) has Len 2314. A larger Len is noise.
	maxFrameLen = 4096
	minFrameLen = 3 // CMD Para CHK: the shortest frame
)

// Command is a SAM command: CMD and Para.
type Command struct{ Cmd, Para byte }

// The commands the driver uses.
var (
	CmdResetSAM   = Command{0x10, 0xFF}
	CmdSAMStatus  = Command{0x11, 0xFF}
	CmdSAMID      = Command{0x12, 0xFF}
	CmdFind       = Command{0x20, 0x01}
	CmdSelect     = Command{0x20, 0x02}
	CmdRead       = Command{0x30, 0x01} // text and photo
	CmdReadFinger = Command{0x30, 0x10} // text, photo and fingerprint
	CmdReadAddr   = Command{0x30, 0x03} // the newest appended address
)

// Encode returns the frame of a command with optional data.
func (c Command) Encode(data ...byte) []byte {
	n := 2 + len(data) + 1 // CMD Para Data CHK
	f := make([]byte, 0, headerLen+n)
	f = append(f, preamble...)
	f = append(f, byte(n>>8), byte(n), c.Cmd, c.Para)
	f = append(f, data...)
	return append(f, xor(f[len(preamble):]))
}

func (c Command) String() string { return fmt.Sprintf("%02X %02X", c.Cmd, c.Para) }

func xor(b []byte) byte {
	var x byte
	for _, v := range b {
		x ^= v
	}
	return x
}

// Reply is a decoded response frame.
type Reply struct {
	SW1, SW2 byte
	SW3      Status
	Data     []byte
}

// Err returns nil when SW3 reports success and the StatusError otherwise.
func (r Reply) Err() error { return r.SW3.Err() }

// ErrChecksum is returned for a whole frame whose checksum is wrong.
var ErrChecksum = errors.New("idcard: frame checksum mismatch")

// Decoder finds response frames in a byte stream that may begin mid-frame,
// carry noise, or arrive in pieces. It is not safe for concurrent use.
type Decoder struct {
	buf []byte
}

// Write adds bytes received from the module.
func (d *Decoder) Write(p []byte) (int, error) {
	d.buf = append(d.buf, p...)
	return len(p), nil
}

// Reset drops everything buffered (before a new command, so a late reply
// to an earlier one is not taken for the answer).
func (d *Decoder) Reset() { d.buf = d.buf[:0] }

// Buffered returns how many bytes wait for a frame to complete.
func (d *Decoder) Buffered() int { return len(d.buf) }

// NextFrame returns the body of the next complete frame: what lies between
// the length and the checksum. It returns ok false when more bytes are
// needed. A frame with a bad checksum is consumed and reported as
// ErrChecksum; bytes that cannot start a frame are skipped.
func (d *Decoder) NextFrame() (body []byte, ok bool, err error) {
	for {
		i := bytes.Index(d.buf, preamble)
		if i < 0 {
			// Keep a tail that may be the start of a preamble.
			keep := min(len(d.buf), len(preamble)-1)
			d.drop(len(d.buf) - keep)
			return nil, false, nil
		}
		d.drop(i)
		if len(d.buf) < headerLen {
			return nil, false, nil
		}
		n := int(d.buf[5])<<8 | int(d.buf[6])
		if n < minFrameLen || n > maxFrameLen {
			d.drop(1) // not a real header: look for the next preamble
			continue
		}
		if len(d.buf) < headerLen+n {
			return nil, false, nil
		}
		frame := d.buf[:headerLen+n]
		if xor(frame[len(preamble):len(frame)-1]) != frame[len(frame)-1] {
			// A corrupted frame, or a preamble inside noise: skip past this
			// preamble only, so a real frame starting inside it is found.
			d.drop(1)
			return nil, false, ErrChecksum
		}
		body = bytes.Clone(frame[headerLen : len(frame)-1])
		d.drop(len(frame))
		return body, true, nil
	}
}

// Next returns the next complete response frame, as NextFrame does.
func (d *Decoder) Next() (r Reply, ok bool, err error) {
	body, ok, err := d.NextFrame()
	if !ok || err != nil {
		return Reply{}, ok, err
	}
	r, err = parseReply(body)
	return r, err == nil, err
}

// ErrShortReply is a frame too short to be a response.
var ErrShortReply = errors.New("idcard: reply shorter than its status words")

func parseReply(body []byte) (Reply, error) {
	if len(body) < 3 {
		return Reply{}, ErrShortReply
	}
	return Reply{SW1: body[0], SW2: body[1], SW3: Status(body[2]), Data: body[3:]}, nil
}

// ParseCommand reads a command frame's body: CMD, Para and data. The
// simulator uses it.
func ParseCommand(body []byte) (Command, []byte, error) {
	if len(body) < 2 {
		return Command{}, nil, errors.New("idcard: command frame without CMD and Para")
	}
	return Command{body[0], body[1]}, body[2:], nil
}

func (d *Decoder) drop(n int) {
	d.buf = d.buf[:copy(d.buf, d.buf[n:])]
}

// DecodeReply decodes exactly one whole response frame.
func DecodeReply(frame []byte) (Reply, error) {
	var d Decoder
	d.Write(frame)
	r, ok, err := d.Next()
	if err != nil {
		return Reply{}, err
	}
	if !ok {
		return Reply{}, fmt.Errorf("idcard: incomplete frame of %d bytes", len(frame))
	}
	if d.Buffered() != 0 {
		return Reply{}, fmt.Errorf("idcard: %d bytes after the frame", d.Buffered())
	}
	return r, nil
}

// EncodeReply builds a response frame; the simulator and tests use it.
func EncodeReply(sw3 Status, data []byte) []byte {
	n := 3 + len(data) + 1
	f := make([]byte, 0, headerLen+n)
	f = append(f, preamble...)
	f = append(f, byte(n>>8), byte(n), 0x00, 0x00, byte(sw3))
	f = append(f, data...)
	return append(f, xor(f[len(preamble):]))
}
