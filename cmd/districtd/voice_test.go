package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// wav is a short 16-bit PCM recording.
func wav(samples int) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+2*samples))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(2*samples))
	b.Write(make([]byte, 2*samples))
	return b.Bytes()
}

// A district records a prompt of its own, lists it, and takes it back;
// what is no recording, or no prompt's, is refused.
func TestVoiceCommands(t *testing.T) {
	dir := t.TempDir()
	districtd(t, "init", "--data", dir)
	good := filepath.Join(dir, "card.wav")
	os.WriteFile(good, wav(16000), 0o644)
	bad := filepath.Join(dir, "card.mp3")
	os.WriteFile(bad, []byte("ID3\x03 not a wav"), 0o644)

	if out := districtd(t, "voice", "add", "card", good, "--data", dir); !strings.Contains(out, "version 1") {
		t.Fatalf("voice add: %q", out)
	}
	if out := districtd(t, "voice", "list", "--data", dir); !strings.Contains(out, "the district's, 1.0 s") || !strings.Contains(out, "请把身份证放在读卡区") {
		t.Fatalf("voice list: %q", out)
	}
	var out, errOut bytes.Buffer
	for _, args := range [][]string{{"voice", "add", "card", bad}, {"voice", "add", "jingle", good}} {
		if err := run(append(args, "--data", dir), &out, &errOut); err == nil {
			t.Errorf("districtd %s: taken", strings.Join(args, " "))
		}
	}
	if out := districtd(t, "voice", "remove", "card", "--data", dir); !strings.Contains(out, "version 2") {
		t.Fatalf("voice remove: %q", out)
	}
	if out := districtd(t, "voice", "list", "--data", dir); strings.Contains(out, "the district's") {
		t.Fatalf("after remove: %q", out)
	}
}
