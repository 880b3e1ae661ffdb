package devices

import (
	"context"
	"testing"
	"time"
)

func TestRegistryStartsOffline(t *testing.T) {
	r := NewRegistry(Kinds...)
	snap := r.Snapshot()
	if len(snap) != len(Kinds) {
		t.Fatalf("snapshot has %d devices, want %d", len(snap), len(Kinds))
	}
	for i, s := range snap {
		if s.Kind != Kinds[i] {
			t.Errorf("snapshot[%d] is %s, want %s", i, s.Kind, Kinds[i])
		}
		if s.State != Offline || s.State.Usable() {
			t.Errorf("%s starts %s, want offline and unusable", s.Kind, s.State)
		}
	}
}

func TestRegistryReportNotifiesOnChangeOnly(t *testing.T) {
	r := NewRegistry(IDCardReader)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notices := r.Subscribe(ctx)

	online := Status{Kind: IDCardReader, State: Online}
	if !r.Report(online) {
		t.Fatal("first report of online: want changed")
	}
	if r.Report(online) {
		t.Fatal("same report twice: want unchanged")
	}
	select {
	case <-notices:
	default:
		t.Fatal("no notice after a change")
	}
	select {
	case <-notices:
		t.Fatal("a notice for an unchanged report")
	default:
	}
	if got := r.Snapshot()[0]; got != online {
		t.Fatalf("snapshot = %+v, want %+v", got, online)
	}
}

func TestRegistryCoalescesForSlowSubscriber(t *testing.T) {
	r := NewRegistry(ReceiptPrinter)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	notices := r.Subscribe(ctx)

	// Many changes while nobody reads must not block the driver ...
	states := []State{Busy, Online, UserError, HardwareError, NoDevice, Online}
	for _, s := range states {
		r.Report(Status{Kind: ReceiptPrinter, State: s})
	}
	// ... and the reader then sees the latest one.
	<-notices
	if got := r.Snapshot()[0].State; got != Online {
		t.Fatalf("latest state = %s, want online", got)
	}
}

func TestRegistrySubscriptionEndsWithContext(t *testing.T) {
	r := NewRegistry(FaceCamera)
	ctx, cancel := context.WithCancel(context.Background())
	notices := r.Subscribe(ctx)
	cancel()
	select {
	case _, ok := <-notices:
		if ok {
			// A notice may not be pending here; any value means a bug.
			t.Fatal("unexpected notice")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after cancel")
	}
	// Reporting after the subscriber left must not panic on a closed channel.
	r.Report(Status{Kind: FaceCamera, State: Online})
}

func TestRegistryOrdersUnknownKindsByName(t *testing.T) {
	r := NewRegistry("zeta", IDCardReader, "alpha")
	var got []Kind
	for _, s := range r.Snapshot() {
		got = append(got, s.Kind)
	}
	want := []Kind{IDCardReader, "alpha", "zeta"}
	if len(got) != len(want) {
		t.Fatalf("kinds = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("kinds = %v, want %v", got, want)
		}
	}
}

func TestStateAndActorNames(t *testing.T) {
	for s, want := range map[State]string{Offline: "offline", Online: "online", NoDevice: "noDevice",
		HardwareError: "hardwareError", UserError: "userError", Busy: "busy", State(42): "State(42)"} {
		if s.String() != want {
			t.Errorf("State %d = %q, want %q", int(s), s.String(), want)
		}
	}
	if Technician.String() != "technician" || Actor(-1).String() != "Actor(-1)" {
		t.Error("actor names wrong")
	}
}
