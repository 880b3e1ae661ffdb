package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/harness"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

type testDistrict struct {
	d   *district.District
	url string
}

// startDistrict serves a district on loopback until ctx ends.
func startDistrict(ctx context.Context, t *testing.T) testDistrict {
	t.Helper()
	d, url := harness.StartDistrict(ctx, t)
	return testDistrict{d: d, url: url}
}

// enrollDemo does what make run does before the first start.
func enrollDemo(ctx context.Context, t *testing.T, dist testDistrict, work string) {
	t.Helper()
	harness.EnrollDemo(ctx, t, dist.d, dist.url, work)
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
