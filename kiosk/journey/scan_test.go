package journey

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// A receipt's QR code carries its number signed with the terminal's key,
// and the scan of it finds the application: here, at another terminal
// through the district, and nowhere when the code was made up.
func TestScannedReceipts(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	key := signing(r)
	a := submitted(t, r, "GJ-001")
	rc := a.Receipt()
	// The address first, for a phone; the signed number in it.
	if !strings.HasPrefix(rc.URL, "https://zwfw.example.gov.cn/r/"+rc.Number+"?yz="+rc.Number+".") {
		t.Fatalf("QR %q", rc.URL)
	}

	var asked []string
	district := func(ctx context.Context, c receiptcode.Code) (protocol.ReceiptStatus, error) {
		asked = append(asked, c.Receipt)
		if c.Verify(&key.PublicKey) != nil {
			return protocol.ReceiptStatus{}, receiptcode.ErrForged
		}
		return protocol.ReceiptStatus{Receipt: c.Receipt, Service: "GJ-001", Submitted: friday, State: "processing", Message: "审核中", At: friday}, nil
	}
	rec, _ := r.store.Get(rc.RecordID)
	here := ReceiptLookup{Terminal: "HALL-0007", Key: &key.PublicKey, Records: r.store,
		Statuses: statuses{rec.ID: {ID: rec.ID, State: "accepted", At: friday}}, District: district}
	p, err := here.Look(ctx, rc.URL)
	if err != nil || p.Receipt != rc.Number || p.Service != "GJ-001" || p.State != "accepted" || len(asked) != 0 {
		t.Fatalf("this terminal's own receipt: %+v %v (asked the district %d times)", p, err, len(asked))
	}

	// Another terminal, or this one once the outbox let the record go:
	// the district answers.
	elsewhere := ReceiptLookup{Terminal: "BANK-0001", Records: newRig(t).store, District: district}
	if p, err = elsewhere.Look(ctx, rc.URL); err != nil || p.State != "processing" || p.Message != "审核中" {
		t.Fatalf("at another terminal: %+v %v", p, err)
	}
	gone := here
	gone.Records = newRig(t).store
	if p, err = gone.Look(ctx, rc.URL); err != nil || p.State != "processing" {
		t.Fatalf("after the outbox let it go: %+v %v", p, err)
	}

	// Made up, changed, or not a receipt at all.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	madeUp, _ := receiptcode.Sign(other, rc.Number)
	changed, _ := receiptcode.Parse(rc.URL)
	changed.Receipt = "HALL-0007-261127-093001"
	for name, c := range map[string]struct {
		scanned string
		want    error
	}{
		"another key":    {madeUp.QR(""), receiptcode.ErrForged},
		"number changed": {changed.QR(""), receiptcode.ErrForged},
		"a shop's code":  {"https://shop.example.com/pay?id=1", receiptcode.ErrNoCode},
		"a bare number":  {rc.Number, receiptcode.ErrNoCode},
	} {
		if _, err := here.Look(ctx, c.scanned); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
		if _, err := elsewhere.Look(ctx, c.scanned); !errors.Is(err, c.want) {
			t.Errorf("%s, elsewhere: %v, want %v", name, err, c.want)
		}
	}

	// No link: another terminal's receipt cannot be looked up; a district
	// out of reach says the same.
	offline := elsewhere
	offline.District = nil
	if _, err := offline.Look(ctx, rc.URL); !errors.Is(err, ErrReceiptOffline) {
		t.Fatalf("offline: %v", err)
	}
	down := elsewhere
	down.District = func(context.Context, receiptcode.Code) (protocol.ReceiptStatus, error) {
		return protocol.ReceiptStatus{}, errors.New("dial tcp: connection refused")
	}
	if _, err := down.Look(ctx, rc.URL); !errors.Is(err, ErrReceiptOffline) {
		t.Fatalf("district down: %v", err)
	}
	// Not enrolled: the terminal's own codes cannot be checked.
	unenrolled := here
	unenrolled.Key = nil
	if _, err := unenrolled.Look(ctx, rc.URL); !errors.Is(err, receiptcode.ErrForged) {
		t.Fatalf("without a key: %v", err)
	}
}

// signing gives the rig's terminal a key its receipts are signed with.
func signing(r *rig) *ecdsa.PrivateKey {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r.deps.SignReceipt = func(number string) (receiptcode.Code, error) { return receiptcode.Sign(key, number) }
	return key
}

// submitted is an application for the service, from its guide to its
// receipt, with the first sample card and the first option of each
// choice.
func submitted(t *testing.T, r *rig, code string) *Apply {
	t.Helper()
	ctx := context.Background()
	a := NewApply(r.deps, service(t, code), true)
	must(t, a.Start())
	must(t, a.CardRead(idcard.Event{Card: sampleCard()}, nil))
	f := a.FaceFlow()
	must(t, f.Take(ctx))
	must(t, f.Use(ctx))
	must(t, a.FaceDone())
	for _, fl := range service(t, code).Form.Fields {
		if fl.Required && fl.FromCard == "" && len(fl.Options) > 0 {
			a.Set(fl.ID, fl.Options[0].Value)
		}
	}
	must(t, a.FormDone())
	must(t, a.Submit(ctx))
	return a
}

// Unsigned (no key yet), the QR code is what it was: the address, or the
// number alone.
func TestUnsignedReceiptQR(t *testing.T) {
	r := newRig(t)
	a := NewApply(r.deps, service(t, "GJ-001"), true)
	if got := a.receiptQR("HALL-0007-261127-093000"); got != "https://zwfw.example.gov.cn/r/HALL-0007-261127-093000" {
		t.Fatalf("unsigned with an address: %q", got)
	}
	r.deps.ReceiptURL = ""
	r.deps.SignReceipt = func(string) (receiptcode.Code, error) { return receiptcode.Code{}, errors.New("no key") }
	if got := NewApply(r.deps, service(t, "GJ-001"), true).receiptQR("HALL-0007-261127-093000"); got != "" {
		t.Fatalf("a key that fails, no address: %q", got)
	}
}
