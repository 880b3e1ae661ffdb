package simulated

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
)

func TestRunBringsEveryDeviceOnline(t *testing.T) {
	reg := devices.NewRegistry(devices.Kinds...)
	if err := Run(context.Background(), reg, 0, devices.Kinds...); err != nil {
		t.Fatal(err)
	}
	for _, s := range reg.Snapshot() {
		if s.State != devices.Online {
			t.Errorf("%s is %s, want online", s.Kind, s.State)
		}
	}
}

func TestRunStopsWithContextWhileBusy(t *testing.T) {
	reg := devices.NewRegistry(devices.Kinds...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Run(ctx, reg, time.Hour, devices.Kinds...)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	for _, s := range reg.Snapshot() {
		if s.State != devices.Busy {
			t.Errorf("%s is %s, want busy (self-test interrupted)", s.Kind, s.State)
		}
	}
}
