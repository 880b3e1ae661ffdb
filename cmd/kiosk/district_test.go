package main

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

type testDistrict struct {
	d   *district.District
	url string
}

// startDistrict serves a district on loopback until ctx ends.
func startDistrict(ctx context.Context, t *testing.T) testDistrict {
	t.Helper()
	d, err := district.Open(district.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { d.Serve(ctx, ln); close(served) }()
	t.Cleanup(func() { <-served; d.Close() })
	return testDistrict{d: d, url: "https://" + ln.Addr().String()}
}

// enrollDemo does what make run does before the first start: a token,
// then the demo terminal's enrollment, in work/var/demo.
func enrollDemo(ctx context.Context, t *testing.T, dist testDistrict, work string) {
	t.Helper()
	tok, err := dist.d.NewToken("24小时自助服务厅", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Demo()
	data := filepath.Join(work, cfg.DataDir)
	_, err = client.Enroll(ctx, client.EnrollOptions{Backend: dist.url, Token: tok, TerminalID: cfg.TerminalID,
		Dir: client.IdentityDir(data), KeysPath: filepath.Join(work, cfg.Outbox.DistrictKeys)})
	if err != nil {
		t.Fatal(err)
	}
}

// waitDelivered waits for the sample application at the district and
// opens it.
func waitDelivered(t *testing.T, dist testDistrict, within time.Duration) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(within)
	for {
		apps, err := dist.d.Records("application")
		if err != nil {
			t.Fatal(err)
		}
		if len(apps) == 1 {
			personal, err := dist.d.Open(apps[0])
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(personal), idcard.SampleCards()[0].Name) || len(apps[0].Record.Attachments) != 2 {
				t.Fatalf("the district got %s with %d attachments", personal, len(apps[0].Record.Attachments))
			}
			t.Logf("sample application %s at the district %v after F4", apps[0].Record.ID, time.Since(start).Round(time.Millisecond))
			return
		}
		if len(apps) > 1 || time.Now().After(deadline) {
			t.Fatalf("%d applications at the district after %v", len(apps), within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
