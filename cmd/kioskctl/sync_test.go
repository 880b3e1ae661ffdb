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
	if _, err := d.Record(rec.ID); err != nil {
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
}
