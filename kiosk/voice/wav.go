package voice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// WAV is a recording: 16-bit PCM, mono or stereo, as espeak-ng and sound
// editors write it.
type WAV struct {
	Channels int
	Rate     int
	Samples  []int16
}

// Bounds on a recording the terminal plays: a prompt is a sentence or two.
const (
	maxSeconds = 30
	minRate    = 8000
	maxRate    = 48000
)

// ErrNotWAV is a file that is not a recording the terminal plays.
var ErrNotWAV = errors.New("voice: not a 16-bit PCM WAV recording")

// ParseWAV reads a RIFF WAVE file of 16-bit PCM.
func ParseWAV(data []byte) (WAV, error) {
	bad := func(why string) (WAV, error) { return WAV{}, fmt.Errorf("%w: %s", ErrNotWAV, why) }
	if len(data) < 12 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return bad("no RIFF WAVE header")
	}
	p := data[12:]
	var w WAV
	var haveFormat bool
	for len(p) >= 8 {
		id, size := string(p[:4]), binary.LittleEndian.Uint32(p[4:8])
		p = p[8:]
		if uint64(size) > uint64(len(p)) {
			// espeak-ng writing to a pipe leaves the sizes at their
			// maximum: take the data to the end.
			if id != "data" {
				return bad("chunk " + id + " cut short")
			}
			size = uint32(len(p))
		}
		chunk := p[:size]
		switch id {
		case "fmt ":
			if len(chunk) < 16 {
				return bad("format chunk too short")
			}
			format := binary.LittleEndian.Uint16(chunk)
			w.Channels = int(binary.LittleEndian.Uint16(chunk[2:]))
			w.Rate = int(binary.LittleEndian.Uint32(chunk[4:]))
			bits := binary.LittleEndian.Uint16(chunk[14:])
			if format != 1 || bits != 16 || (w.Channels != 1 && w.Channels != 2) || w.Rate < minRate || w.Rate > maxRate {
				return bad(fmt.Sprintf("format %d, %d bits, %d channels, %d Hz", format, bits, w.Channels, w.Rate))
			}
			haveFormat = true
		case "data":
			if !haveFormat {
				return bad("data before the format")
			}
			if len(chunk)/2 > maxSeconds*w.Rate*w.Channels {
				return bad(fmt.Sprintf("over %d seconds", maxSeconds))
			}
			w.Samples = make([]int16, len(chunk)/2)
			for i := range w.Samples {
				w.Samples[i] = int16(binary.LittleEndian.Uint16(chunk[2*i:]))
			}
			return w, nil
		}
		p = p[size:]
		if size%2 == 1 && len(p) > 0 { // chunks are padded to even sizes
			p = p[1:]
		}
	}
	return bad("no data chunk")
}

// Scaled is the recording at volume percent (0–100) of its loudness.
func (w WAV) Scaled(volume int) WAV {
	volume = max(0, min(volume, 100))
	out := WAV{Channels: w.Channels, Rate: w.Rate, Samples: make([]int16, len(w.Samples))}
	for i, s := range w.Samples {
		out.Samples[i] = int16(int32(s) * int32(volume) / 100)
	}
	return out
}

// Bytes is the recording as a WAV file.
func (w WAV) Bytes() []byte {
	var b bytes.Buffer
	n := uint32(2 * len(w.Samples))
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, 36+n)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(w.Channels), uint32(w.Rate),
		uint32(w.Rate * w.Channels * 2), uint16(w.Channels * 2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, n)
	binary.Write(&b, binary.LittleEndian, w.Samples)
	return b.Bytes()
}
