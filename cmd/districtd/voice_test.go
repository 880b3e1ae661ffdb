package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/certificate"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
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

// A printed certificate is checked by its number against the register.
func TestDocumentsCheck(t *testing.T) {
	dir := t.TempDir()
	districtd(t, "init", "--data", dir)
	d, err := district.Open(district.Options{Dir: dir, Issuer: &certificate.Sample{District: "示范区政务服务中心"}})
	if err != nil {
		t.Fatal(err)
	}
	const id = "019ae7c1-0000-7000-8000-0000000000d1"
	_, err = d.Issue(context.Background(), "HALL-0007", protocol.DocumentRequest{ID: id, Service: "HJ-001",
		Fields: map[string]string{"name": "王美娜", "id_number": "11010519491231002X", "purpose": "work"}})
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out := districtd(t, "documents", "check", id, "--data", dir); !strings.Contains(out, "户籍证明 (HJ-001)") || !strings.Contains(out, "HALL-0007") || strings.Contains(out, "王美娜") {
		t.Fatalf("documents check: %q", out)
	}
	var out, errOut bytes.Buffer
	if err := run([]string{"documents", "check", "019ae7c1-0000-7000-8000-0000000000d2", "--data", dir}, &out, &errOut); err == nil {
		t.Fatal("a number the district never issued checks out")
	}
}
