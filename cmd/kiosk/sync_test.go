package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/kiosk/datalock"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

func TestHeartbeatReportsQueueAndDevicesOnly(t *testing.T) {
	dir := t.TempDir()
	key, _ := age.GenerateX25519Identity()
	secret, _ := outbox.LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	q, err := outbox.Open(outbox.Options{Dir: dir, Recipients: []age.Recipient{key.Recipient()}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	ctx := context.Background()
	personal := `{"name":"孙七","id":"110101195001011234","phone":"13800138000"}`
	a, _ := q.Submit(ctx, outbox.Submission{Kind: outbox.Application, Personal: []byte(personal), IDNumber: "110101195001011234"})
	q.Submit(ctx, outbox.Submission{Kind: outbox.Rating, Personal: []byte(personal)})
	q.Reject(a.ID, "unknown service")
	reg := devices.NewRegistry(devices.Kinds...)
	reg.Report(devices.Status{Kind: devices.ReceiptPrinter, State: devices.Online})
	reg.Report(devices.Status{Kind: devices.IDCardReader, State: devices.NoDevice, Actor: devices.Technician, Reason: "port /dev/ttyUSB0 missing"})

	hb := heartbeat(q, reg, slog.New(slog.DiscardHandler))
	if a := hb.Attention[string(devices.IDCardReader)]; a.Actor != "technician" || a.Reason != "port /dev/ttyUSB0 missing" {
		t.Fatalf("who must act on the reader: %+v", hb.Attention)
	}
	if _, ok := hb.Attention[string(devices.ReceiptPrinter)]; ok {
		t.Fatalf("an online printer needs someone: %+v", hb.Attention)
	}
	hb.Time = time.Now() // the client dates it as it sends it
	if err := hb.Validate(); err != nil {
		t.Fatal(err)
	}
	if hb.Queue.Depth != 1 || hb.Queue.Rejected != 1 || hb.Queue.DiskBudget != outbox.DefaultBudget {
		t.Fatalf("queue report %+v", hb.Queue)
	}
	if hb.Devices[string(devices.ReceiptPrinter)] != devices.Online.String() || len(hb.Devices) != len(devices.Kinds) {
		t.Fatalf("devices %v", hb.Devices)
	}
	data, _ := json.Marshal(hb)
	for _, secret := range []string{"孙七", "110101195001011234", "13800138000"} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("the heartbeat carries %q: %s", secret, data)
		}
	}
}

func TestLockHoldsThePID(t *testing.T) {
	dir := t.TempDir()
	lf, err := datalock.Take(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	text, _ := os.ReadFile(filepath.Join(dir, datalock.File))
	if pid, _ := strconv.Atoi(strings.TrimSpace(string(text))); pid != os.Getpid() {
		t.Fatalf("lock holds %q, want %d", text, os.Getpid())
	}
	if _, err := datalock.Take(dir); err == nil {
		t.Fatal("a second kiosk took the same data folder")
	}
}
