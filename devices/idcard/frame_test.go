package idcard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCommandFrames(t *testing.T) {
	for _, tc := range []struct {
		cmd  Command
		want string
	}{
		{CmdFind, "AA AA AA 96 69 00 03 20 01 22"},
		{CmdSelect, "AA AA AA 96 69 00 03 20 02 21"},
		{CmdRead, "AA AA AA 96 69 00 03 30 01 32"},
		{CmdReadFinger, "AA AA AA 96 69 00 03 30 10 23"},
		{CmdSAMID, "AA AA AA 96 69 00 03 12 FF EE"},
		{CmdResetSAM, "AA AA AA 96 69 00 03 10 FF EC"},
		{CmdSAMStatus, "AA AA AA 96 69 00 03 11 FF ED"},
	} {
		if got := tc.cmd.Encode(); !bytes.Equal(got, unhex(t, tc.want)) {
			t.Errorf("%s: % X, want %s", tc.cmd, got, tc.want)
		}
	}
}

func TestDecodeDocumentedReplies(t *testing.T) {
	r, err := DecodeReply(unhex(t, "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"))
	if err != nil || r.SW3 != StatusFound || r.Err() != nil || !bytes.Equal(r.Data, []byte{0, 0, 0, 0}) {
		t.Fatalf("find OK: %+v, %v", r, err)
	}
	r, err = DecodeReply(unhex(t, "AA AA AA 96 69 00 04 00 00 41 45"))
	if err != nil || r.SW3 != StatusReadFailed || len(r.Data) != 0 {
		t.Fatalf("error reply: %+v, %v", r, err)
	}
	var se *StatusError
	if !errors.As(r.Err(), &se) || !se.Transient() || se.SAMFault() {
		t.Fatalf("0x41 should be a transient StatusError: %v", r.Err())
	}
}

func TestEveryStatusCode(t *testing.T) {
	transient := map[Status]bool{0x41: true, 0x31: true, 0x32: true}
	samFault := map[Status]bool{0x60: true, 0x66: true}
	for code, text := range statusText {
		frame := EncodeReply(code, nil)
		r, err := DecodeReply(frame)
		if err != nil {
			t.Fatalf("%02X: %v", byte(code), err)
		}
		err = r.Err()
		if code == StatusOK || code == StatusFound {
			if err != nil {
				t.Errorf("%02X: success code gave %v", byte(code), err)
			}
			continue
		}
		var se *StatusError
		if !errors.As(err, &se) || se.Status != code {
			t.Fatalf("%02X: err %v is not its StatusError", byte(code), err)
		}
		if !strings.Contains(err.Error(), text) {
			t.Errorf("%02X: message %q lacks %q", byte(code), err, text)
		}
		if se.Transient() != transient[code] || se.SAMFault() != samFault[code] {
			t.Errorf("%02X: transient %v sam fault %v", byte(code), se.Transient(), se.SAMFault())
		}
		if errors.Is(err, ErrNoCard) != (code == StatusNoCard) {
			t.Errorf("%02X: errors.Is(ErrNoCard) wrong", byte(code))
		}
	}
	if got := Status(0x55).String(); !strings.Contains(got, "unknown") {
		t.Errorf("unlisted code: %q", got)
	}
}

func TestDecoderResynchronises(t *testing.T) {
	want := EncodeReply(StatusOK, []byte{1, 2, 3, 4, 5})
	noise := []byte{0x00, 0xAA, 0xAA, 0x96, 0xFF, 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x13} // a false preamble with an absurd length
	tail := want[:3]                                                                              // a second frame starts

	for chunk := 1; chunk <= len(noise)+len(want); chunk++ {
		var d Decoder
		stream := append(append(append([]byte{}, noise...), want...), tail...)
		var got []Reply
		for i := 0; i < len(stream); i += chunk {
			d.Write(stream[i:min(i+chunk, len(stream))])
			for {
				r, ok, err := d.Next()
				if err != nil {
					t.Fatalf("chunk %d: %v", chunk, err)
				}
				if !ok {
					break
				}
				got = append(got, r)
			}
		}
		if len(got) != 1 || got[0].SW3 != StatusOK || !bytes.Equal(got[0].Data, []byte{1, 2, 3, 4, 5}) {
			t.Fatalf("chunk %d: got %+v", chunk, got)
		}
	}
}

func TestDecoderRejectsBadChecksumAndRecovers(t *testing.T) {
	bad := EncodeReply(StatusOK, []byte{9, 9})
	bad[len(bad)-1] ^= 0xFF
	good := EncodeReply(StatusFound, []byte{0, 0, 0, 0})
	var d Decoder
	d.Write(bad)
	d.Write(good)
	if _, _, err := d.Next(); !errors.Is(err, ErrChecksum) {
		t.Fatalf("bad frame: err %v, want ErrChecksum", err)
	}
	r, ok, err := d.Next()
	if err != nil || !ok || r.SW3 != StatusFound {
		t.Fatalf("after a bad frame: %+v %v %v", r, ok, err)
	}
}

func TestDecodeReplyRejectsTruncatedAndTrailing(t *testing.T) {
	f := EncodeReply(StatusOK, make([]byte, 20))
	if _, err := DecodeReply(f[:len(f)-1]); err == nil {
		t.Error("truncated frame accepted")
	}
	if _, err := DecodeReply(append(f, 0x00)); err == nil {
		t.Error("trailing byte accepted")
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add(EncodeReply(StatusFound, []byte{0, 0, 0, 0}))
	f.Add(unhex(f, "AA AA AA 96 69 00 04 00 00 41 45"))
	f.Add(append([]byte{0xAA, 0xAA}, EncodeReply(StatusOK, make([]byte, 1290))...))
	f.Add([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		// Feed in two pieces to exercise buffering.
		half := len(data) / 2
		frames := 0
		for _, part := range [][]byte{data[:half], data[half:]} {
			d.Write(part)
			for {
				r, ok, err := d.Next()
				if err != nil {
					if !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrShortReply) {
						t.Fatalf("unexpected error %v", err)
					}
					continue
				}
				if !ok {
					break
				}
				frames++
				// Whatever decodes must encode back to a frame that decodes
				// to the same reply.
				again, err := DecodeReply(EncodeReply(r.SW3, r.Data))
				if err != nil || again.SW3 != r.SW3 || !bytes.Equal(again.Data, r.Data) {
					t.Fatalf("re-encode: %+v %v", again, err)
				}
			}
		}
		if d.Buffered() > len(data) {
			t.Fatalf("buffer grew past its input: %d > %d", d.Buffered(), len(data))
		}
		if frames > len(data)/(headerLen+minFrameLen) {
			t.Fatalf("%d frames from %d bytes", frames, len(data))
		}
	})
}
