package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/receiptcode"
)

// A receipt printed by one terminal is looked up at another through the
// district, over real TLS: only a code its terminal signed opens it, and
// then only what the receipt itself shows.
func TestAReceiptScannedAtAnotherTerminal(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	printing := enrollTerminal(t, b, "HALL-0031")
	asking := enrollTerminal(t, b, "BANK-0032")
	const number = "HALL-0031-261207-093000"
	code, err := printing.id.SignReceipt(number)
	if err != nil {
		t.Fatal(err)
	}
	if err := code.Verify(printing.id.ReceiptKey()); err != nil {
		t.Fatalf("the terminal's own key does not verify its code: %v", err)
	}

	// Not sent yet: the code holds, the district has nothing.
	if _, err := asking.client.ReceiptStatus(ctx, code); !errors.Is(err, ErrNoReceipt) {
		t.Fatalf("before the application arrived: %v, want ErrNoReceipt", err)
	}
	rec, err := printing.queue.Submit(ctx, outbox.Submission{Kind: outbox.Application,
		Public: outbox.Public{Service: "SB-001", Receipt: number}, Personal: []byte("申请")})
	if err != nil {
		t.Fatal(err)
	}
	if err := printing.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := asking.client.ReceiptStatus(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	if st.Receipt != number || st.Service != "SB-001" || st.State != "received" || !st.Submitted.Equal(rec.Created) {
		t.Fatalf("status %+v", st)
	}
	if err := b.d.SetStatus("staff", "127.0.0.1", district.RecordRef{Terminal: "HALL-0031", ID: rec.ID}, "processing", "材料审核中"); err != nil {
		t.Fatal(err)
	}
	if st, err = asking.client.ReceiptStatus(ctx, code); err != nil || st.State != "processing" || st.Message != "材料审核中" {
		t.Fatalf("after staff moved it: %+v, %v", st, err)
	}

	// Signed by another terminal's key, or with its number changed, or
	// naming a terminal the district does not know: forged.
	other, err := asking.id.SignReceipt(number)
	if err != nil {
		t.Fatal(err)
	}
	changed := code
	changed.Receipt = "HALL-0031-261207-093001"
	unknown, err := printing.id.SignReceipt("HALL-9999-261207-093000")
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]receiptcode.Code{"another key": other, "number changed": changed, "unknown terminal": unknown} {
		if _, err := asking.client.ReceiptStatus(ctx, c); !errors.Is(err, receiptcode.ErrForged) {
			t.Errorf("%s: %v, want ErrForged", name, err)
		}
	}

	// The printing terminal revoked (stolen, say): what it printed
	// before still opens.
	if err := b.d.Revoke("HALL-0031"); err != nil {
		t.Fatal(err)
	}
	if _, err := asking.client.ReceiptStatus(ctx, code); err != nil {
		t.Fatalf("a revoked terminal's receipt: %v", err)
	}
}

// The endpoint takes a small body only, from an enrolled terminal only.
func TestReceiptEndpointBounds(t *testing.T) {
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0033")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	big := `{"receipt":"HALL-0033-261207-093000","signature":"` + strings.Repeat("A", 8<<10) + `"}`
	resp, err := tm.client.do(ctx, http.MethodPost, "/v1/receipt", strings.NewReader(big), http.Header{"Content-Type": {"application/json"}})
	var ae *AnswerError
	if !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge && ae.Status != http.StatusBadRequest {
		t.Fatalf("an 8 KiB query: %v", err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tm.id.TLSConfig().Clone()}}
	hc.Transport.(*http.Transport).TLSClientConfig.Certificates = nil
	r, err := hc.Post(b.url+"/v1/receipt", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a certificate: %d", r.StatusCode)
	}
}

// The district's recordings of the spoken prompts reach the terminal
// signed, once each version.
func TestRecordingsReachTheTerminal(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0034")
	var got []protocol.Recordings
	tm.client.opt.Recordings = func(r protocol.Recordings) error { got = append(got, r); return nil }
	if _, err := b.d.SetRecording("card", []byte("RIFF card")); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := tm.client.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || string(got[0].Prompts["card"]) != "RIFF card" {
		t.Fatalf("recordings taken: %+v", got)
	}
	if _, err := b.d.SetRecording("card", nil); err != nil {
		t.Fatal(err)
	}
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[1].Prompts) != 0 {
		t.Fatalf("after the district took it back: %+v", got)
	}
	// A set the terminal refuses is not taken: it is offered again.
	if _, err := b.d.SetRecording("home", []byte("RIFF home")); err != nil {
		t.Fatal(err)
	}
	tm.client.opt.Recordings = func(protocol.Recordings) error { return errors.New("not a recording") }
	tm.client.Once(ctx)
	if v, _ := tm.state.RecordingsVersion(); v != 2 {
		t.Fatalf("a refused version was kept as %d", v)
	}
}
