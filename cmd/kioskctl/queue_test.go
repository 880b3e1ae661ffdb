package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

func TestQueueStatsAndList(t *testing.T) {
	dir := t.TempDir()
	id, _ := age.GenerateX25519Identity()
	secret, _ := outbox.LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	s, err := outbox.Open(outbox.Options{Dir: dir, Recipients: []age.Recipient{id.Recipient()}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, _ := s.Submit(ctx, outbox.Submission{Kind: outbox.Application, Public: outbox.Public{Receipt: "A1"}, Personal: []byte(`{"name":"王美娜"}`),
		Attachments: []outbox.Attachment{{Name: "photo", Data: strings.NewReader("face")}}})
	s.Submit(ctx, outbox.Submission{Kind: outbox.Rating, Personal: []byte("5")})
	s.MarkSending(a.ID)
	s.Reject(a.ID, "unknown service")

	// While the terminal holds the store, the tool says so.
	var out bytes.Buffer
	if err := run([]string{"queue", "stats", "--data", dir}, nil, &out, &out); !errors.Is(err, outbox.ErrInUse) {
		t.Fatalf("store in use: %v", err)
	}
	s.Close()

	out.Reset()
	if err := run([]string{"queue", "stats", "--data", dir, "--json"}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	var st outbox.Stats
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.ByState[outbox.Queued] != 1 || st.ByState[outbox.Rejected] != 1 || st.ByKind[outbox.Rating] != 1 || st.UsedBytes == 0 {
		t.Fatalf("stats %+v", st)
	}
	out.Reset()
	if err := run([]string{"queue", "list", "--data", dir}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"application\trejected", "A1", "1 attachments", "unknown service", "rating\tqueued"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "王美娜") {
		t.Fatal("the list shows personal data")
	}
	out.Reset()
	run([]string{"queue", "list", "--data", dir, "--json"}, nil, &out, &out)
	if strings.Contains(out.String(), `"sealed"`) {
		t.Fatal("the JSON list carries sealed parts")
	}
	if err := run([]string{"queue", "stats", "--data", t.TempDir()}, nil, &out, &out); err == nil {
		t.Fatal("stats of a folder without a store")
	}

	// An export is signed with the terminal's key: not enrolled, none.
	stick := t.TempDir()
	if err := run([]string{"queue", "export", "--data", dir, "--to", stick}, nil, &out, &out); !errors.Is(err, client.ErrNotEnrolled) {
		t.Fatalf("export before enrollment: %v", err)
	}
	d, backend := selftestDistrict(t)
	token, err := d.NewToken("大厅", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enroll(ctx, client.EnrollOptions{Backend: backend, Token: token, TerminalID: "HALL-0007",
		Dir: client.IdentityDir(dir), KeysPath: filepath.Join(t.TempDir(), "district.pub")}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run([]string{"queue", "export", "--data", dir, "--to", stick}, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "exported 1 records") {
		t.Fatalf("export said %q", out.String())
	}
	folders, _ := filepath.Glob(filepath.Join(stick, "yizhan-HALL-0007-*"))
	if len(folders) != 1 {
		t.Fatalf("export folders %v", folders)
	}
	if m, err := outbox.ReadExport(folders[0]); err != nil || len(m.Records) != 1 {
		t.Fatalf("export reads back %v, %v", m, err)
	}
	// The district checks the terminal's signature and takes the folder
	// (the rating's sealed part is sealed to another key here: rejected
	// alone, after the folder as a whole was accepted).
	if rep, err := d.Import(folders[0]); err != nil || rep.Terminal != "HALL-0007" {
		t.Fatalf("the district's import of the signed export: %+v, %v", rep, err)
	}
	if err := run([]string{"queue", "export", "--data", dir}, nil, &out, &out); !errors.Is(err, errUsage) {
		t.Fatalf("export without --to: %v", err)
	}
}
