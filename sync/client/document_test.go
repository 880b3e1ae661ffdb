package client

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/yizhan-kiosk/yizhan/sync/certificate"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// A terminal asks the district for a resident's certificate over real
// TLS and gets the PDF; the district registers it, and refuses a second
// document under the same number.
func TestDocumentFromTheDistrict(t *testing.T) {
	ctx := context.Background()
	b := serveBackend(t, district.Options{Dir: t.TempDir(), Name: "示范区", Issuer: &certificate.Sample{District: "示范区政务服务中心"}}, "127.0.0.1:0")
	tm := enrollTerminal(t, b, "HALL-0041")
	req := protocol.DocumentRequest{ID: uuid.Must(uuid.NewV7()).String(), Service: "HJ-001", Fields: map[string]string{
		"name": "王美娜", "gender": "female", "id_number": "11010519491231002X", "address": "示范路1号", "purpose": "work"}}
	doc, err := tm.client.Document(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Title != "户籍证明" || doc.Pages != 1 || !bytes.HasPrefix(doc.PDF, []byte("%PDF-")) {
		t.Fatalf("document %q, %d pages, %d bytes", doc.Title, doc.Pages, len(doc.PDF))
	}
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		cmd := exec.Command(pdftotext, "-", "-")
		cmd.Stdin = bytes.NewReader(doc.PDF)
		out, _ := cmd.Output()
		if !strings.Contains(string(out), "王美娜") || !strings.Contains(string(out), "就业") {
			t.Fatalf("the PDF reads %q", out)
		}
	}
	reg, found, err := b.d.IssuedDocument(req.ID)
	if err != nil || !found || reg.Terminal != "HALL-0041" || reg.Service != "HJ-001" || reg.SHA256 == "" {
		t.Fatalf("register %+v %v %v", reg, found, err)
	}
	if _, err := tm.client.Document(ctx, req); err == nil {
		t.Fatal("a second document under one number")
	}
	// A service the district does not issue there: words for the resident.
	other := req
	other.ID, other.Service = uuid.Must(uuid.NewV7()).String(), "GJ-001"
	var ni *NotIssuedError
	if _, err := tm.client.Document(ctx, other); !errors.As(err, &ni) || ni.Message == "" {
		t.Fatalf("a service not issued: %v", err)
	}
}

// A district with no issuer says so, and a large request is refused.
func TestDocumentRefusals(t *testing.T) {
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0042")
	var ni *NotIssuedError
	if _, err := tm.client.Document(context.Background(), protocol.DocumentRequest{ID: uuid.Must(uuid.NewV7()).String(), Service: "HJ-001"}); !errors.As(err, &ni) {
		t.Fatalf("no issuer: %v", err)
	}
	big := `{"id":"` + uuid.Must(uuid.NewV7()).String() + `","service":"HJ-001","fields":{"address":"` + strings.Repeat("长", 30<<10) + `"}}`
	resp, err := tm.client.do(context.Background(), http.MethodPost, protocol.PathDocument, strings.NewReader(big), http.Header{"Content-Type": {"application/json"}})
	var ae *AnswerError
	if !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 90 KiB request: %v", err)
	}
	if resp != nil {
		resp.Body.Close()
	}
}

// A terminal is issued at most DocumentsPerHour documents an hour: a
// stolen key cannot draw the register out wholesale.
func TestDocumentsPerHour(t *testing.T) {
	b := serveBackend(t, district.Options{Dir: t.TempDir(), Name: "示范区", DocumentsPerHour: 3,
		Issuer: &certificate.Sample{District: "示范区政务服务中心"}}, "127.0.0.1:0")
	tm := enrollTerminal(t, b, "HALL-0043")
	fields := map[string]string{"name": "王美娜", "id_number": "11010519491231002X", "scheme": "resident", "purpose": "work"}
	for i := range 4 {
		_, err := tm.client.Document(context.Background(), protocol.DocumentRequest{ID: uuid.Must(uuid.NewV7()).String(), Service: "YB-001", Fields: fields})
		var ae *AnswerError
		switch {
		case i < 3 && err != nil:
			t.Fatalf("document %d: %v", i+1, err)
		case i == 3 && (!errors.As(err, &ae) || ae.Status != http.StatusTooManyRequests):
			t.Fatalf("the fourth document within the hour: %v", err)
		}
	}
}
