package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// A technician's whole round: provision with a token, queue a record,
// sync now with the terminal stopped, read the status.
func TestProvisionAndSyncNow(t *testing.T) {
	d, err := district.Open(district.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()
	backend := "https://" + ln.Addr().String()

	data := t.TempDir()
	cfgPath := filepath.Join(data, "kiosk.toml")
	os.WriteFile(cfgPath, []byte(`terminal_id = "HALL-0042"
district = "示范区政务服务中心"
site = "一楼大厅"
data_dir = "`+data+`"
[outbox]
district_keys = "`+filepath.Join(data, "district.pub")+`"
`), 0o600)
	token, _ := d.NewToken("一楼大厅", time.Hour)
	var out, errOut bytes.Buffer
	if err := run([]string{"provision", "--backend", backend, "--token", token, "--config", cfgPath}, nil, &out, &errOut); err != nil {
		t.Fatalf("provision: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "HALL-0042 enrolled") {
		t.Fatalf("provision said:\n%s", out.String())
	}
	// Again without --force: refused, the enrollment stays.
	token2, _ := d.NewToken("一楼大厅", time.Hour)
	if err := run([]string{"provision", "--backend", backend, "--token", token2, "--config", cfgPath}, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("second provision: %v", err)
	}

	// The district's keys seal a record; the terminal is not running.
	keys, _ := os.ReadFile(filepath.Join(data, "district.pub"))
	recipients, err := outbox.ParseRecipients(string(keys))
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := outbox.LoadOrCreateSecret(filepath.Join(data, "index.key"))
	q, err := outbox.Open(outbox.Options{Dir: data, Recipients: recipients, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := q.Submit(context.Background(), outbox.Submission{Kind: outbox.Application, Personal: []byte(`{"name":"赵六"}`),
		Attachments: []outbox.Attachment{{Name: "photo", Data: strings.NewReader("jpeg")}}})
	if err != nil {
		t.Fatal(err)
	}
	q.Close()

	out.Reset()
	if err := run([]string{"sync", "now", "--data", data}, nil, &out, &errOut); err != nil {
		t.Fatalf("sync now: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "link\tonline") || !strings.Contains(out.String(), "1 acknowledged") {
		t.Fatalf("sync now said:\n%s", out.String())
	}
	if _, err := d.Record(district.RecordRef{ID: rec.ID}); err != nil {
		t.Fatalf("record not at the district: %v", err)
	}

	out.Reset()
	if err := run([]string{"sync", "status", "--data", data, "--json"}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	var st struct {
		Terminal string `json:"terminal"`
		client.Status
	}
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || st.Terminal != "HALL-0042" || !st.Online {
		t.Fatalf("sync status: %+v %v\n%s", st, err, out.String())
	}

	// Moving to another district while a record waits: refused; the
	// record was sealed to this district.
	d2, err := district.Open(district.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served2 := make(chan error, 1)
	go func() { served2 <- d2.Serve(ctx, ln2) }()
	defer func() { cancel(); <-served2 }()
	q, err = outbox.Open(outbox.Options{Dir: data, Recipients: recipients, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	waiting, _ := q.Submit(context.Background(), outbox.Submission{Kind: outbox.Rating, Personal: []byte(`{"level":5}`)})
	q.Close()
	other, _ := d2.NewToken("二楼", time.Hour)
	err = run([]string{"provision", "--force", "--backend", "https://" + ln2.Addr().String(), "--token", other, "--config", cfgPath}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "1 records still wait") {
		t.Fatalf("moving with a record waiting: %v", err)
	}
	// Re-enrolling with the same district is fine with records waiting.
	same, _ := d.NewTokenFor("一楼大厅", "HALL-0042", time.Hour)
	if err := run([]string{"provision", "--force", "--backend", backend, "--token", same, "--config", cfgPath}, nil, &out, &errOut); err != nil {
		t.Fatalf("re-enrolling with the same district: %v", err)
	}
	if err := run([]string{"sync", "now", "--data", data}, nil, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Record(district.RecordRef{ID: waiting.ID}); err != nil {
		t.Fatalf("the waiting record did not reach its district: %v", err)
	}
	// Now nothing waits: the move goes, and the old district's sync state
	// goes with it.
	if err := run([]string{"provision", "--force", "--backend", "https://" + ln2.Addr().String(), "--token", other, "--config", cfgPath}, nil, &out, &errOut); err != nil {
		t.Fatalf("moving with nothing waiting: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "sync.db")); !os.IsNotExist(err) {
		t.Fatalf("the old district's sync state stayed: %v", err)
	}
}
