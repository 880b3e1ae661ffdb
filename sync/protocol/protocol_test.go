package protocol

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

var when = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

func goodRecord() Record {
	return Record{
		ID: "019ac3f2-7b1e-7c3a-9d2e-5f6a7b8c9d0e", Seq: 7, Kind: "application", Created: when,
		Public:      Public{Service: "SB-001", Receipt: "HALL-0007-000007"},
		Sealed:      []byte("age-encryption.org/v1 …"),
		Attachments: []Attachment{{Name: "photo", SHA256: strings.Repeat("ab", 32), Size: 2048}},
	}
}

func TestRecordValidation(t *testing.T) {
	cases := map[string]func(*Record){
		"bad id":         func(r *Record) { r.ID = "7" },
		"no seq":         func(r *Record) { r.Seq = 0 },
		"unknown kind":   func(r *Record) { r.Kind = "bribe" },
		"no time":        func(r *Record) { r.Created = time.Time{} },
		"nothing sealed": func(r *Record) { r.Sealed = nil },
		"bad blob name":  func(r *Record) { r.Attachments[0].SHA256 = "../../etc/passwd" },
		"empty blob":     func(r *Record) { r.Attachments[0].Size = 0 },
		"newline public": func(r *Record) { r.Public.Receipt = "a\nb" },
	}
	r := goodRecord()
	if err := r.Validate(); err != nil {
		t.Fatalf("good record refused: %v", err)
	}
	for name, spoil := range cases {
		r := goodRecord()
		r.Attachments = append([]Attachment(nil), r.Attachments...)
		spoil(&r)
		if err := r.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestBatchRefusesTwiceTheSameRecord(t *testing.T) {
	req := RecordsRequest{Records: []Record{goodRecord(), goodRecord()}}
	if err := req.Validate(); err == nil {
		t.Fatal("a batch with one record twice was accepted")
	}
	if err := (&RecordsRequest{}).Validate(); err == nil {
		t.Fatal("an empty batch was accepted")
	}
}

func TestDecodeLimitsAndUnknownFields(t *testing.T) {
	var hb Heartbeat
	body := `{"software":"1.0","time":"2026-11-27T09:30:00Z","devices":{"idcard":"online"},"queue":{"depth":3},"added_in_v1_5":true}`
	if err := Decode(strings.NewReader(body), 1<<10, &hb); err != nil {
		t.Fatalf("a field from a newer peer must be ignored: %v", err)
	}
	if hb.Queue.Depth != 3 || hb.Devices["idcard"] != "online" {
		t.Fatalf("decoded %+v", hb)
	}
	if err := Decode(strings.NewReader(body), 32, &hb); err == nil {
		t.Fatal("a body over the limit was read")
	}
	if err := Decode(strings.NewReader(body+"{}"), 1<<10, &hb); err == nil {
		t.Fatal("trailing data accepted")
	}
}

func TestCatalogSignature(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	c := SignCatalog(priv, 5, []byte(`{"services":[]}`))
	if err := VerifyCatalog(pub, c, 4); err != nil {
		t.Fatalf("good catalog refused: %v", err)
	}
	if err := VerifyCatalog(pub, c, 5); !errors.Is(err, ErrOldCatalog) {
		t.Fatalf("same version: %v, want ErrOldCatalog", err)
	}
	if err := VerifyCatalog(pub, c, 9); !errors.Is(err, ErrOldCatalog) {
		t.Fatalf("older version: %v, want ErrOldCatalog", err)
	}
	renumbered := c
	renumbered.Version = 6 // an old catalog replayed under a new number
	if err := VerifyCatalog(pub, renumbered, 5); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("renumbered catalog: %v, want ErrBadSignature", err)
	}
	tampered := c
	tampered.Body = bytes.Replace(c.Body, []byte("[]"), []byte("[1]"), 1)
	if err := VerifyCatalog(pub, tampered, 0); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("tampered catalog: %v, want ErrBadSignature", err)
	}
	other, _, _ := ed25519.GenerateKey(nil)
	if err := VerifyCatalog(other, c, 0); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("another district's key: %v, want ErrBadSignature", err)
	}
}

func TestServiceHours(t *testing.T) {
	for s, want := range map[string]bool{
		"08:00-20:00": true, "00:00-24:00": true, "20:00-08:00": false,
		"8:00-20:00": false, "08:00-24:30": false, "08:60-09:00": false, "08:00~20:00": false,
	} {
		if got := ValidServiceHours(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}

func TestHotline(t *testing.T) {
	for s, want := range map[string]bool{
		"12345": true, "0371-12345": true, "400-800-1234": true,
		"": false, "12": false, "-12345": false, "12345 ext 2": false, "一二三四五": false, "123456789012345678901": false,
	} {
		if got := ValidHotline(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
	c := TerminalConfig{Version: 1, Hotline: "call us"}
	if err := c.Validate(); err == nil {
		t.Error("a configuration with a hotline of words was accepted")
	}
}

func TestStatusesMustBeInOrder(t *testing.T) {
	r := StatusesResponse{Statuses: []Status{
		{Cursor: 2, ID: goodRecord().ID, State: "received", At: when},
		{Cursor: 2, ID: goodRecord().ID, State: "done", At: when},
	}}
	if err := r.Validate(); err == nil {
		t.Fatal("a repeated cursor was accepted")
	}
	r.Statuses[1].Cursor = 3
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	r.Statuses[1].State = "lost"
	if err := r.Validate(); err == nil {
		t.Fatal("an unknown state was accepted")
	}
}

// roundTrip decodes data into v; what decodes must encode and decode again
// to the same value.
func roundTrip[T any, P interface {
	*T
	Validate() error
}](t *testing.T, data []byte) {
	var v T
	if err := Unmarshal(data, P(&v)); err != nil {
		return
	}
	again, err := json.Marshal(&v)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	var w T
	if err := Unmarshal(again, P(&w)); err != nil {
		t.Fatalf("re-encoded value refused: %v\n%s", err, again)
	}
	third, _ := json.Marshal(&w)
	if !bytes.Equal(again, third) {
		t.Fatalf("not stable:\n%s\n%s", again, third)
	}
}

func seeds(f *testing.F, values ...any) {
	for _, v := range values {
		data, _ := json.Marshal(v)
		f.Add(data)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
}

func FuzzRecordsRequest(f *testing.F) {
	seeds(f, RecordsRequest{Records: []Record{goodRecord()}})
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip[RecordsRequest](t, data) })
}

func FuzzRecordsResponse(f *testing.F) {
	seeds(f, RecordsResponse{Results: []Result{{ID: goodRecord().ID, Status: Rejected, Reason: "sealed to an unknown key"}}})
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip[RecordsResponse](t, data) })
}

func FuzzStatuses(f *testing.F) {
	seeds(f, StatusesResponse{Statuses: []Status{{Cursor: 1, ID: goodRecord().ID, State: "done", Message: "已办结", At: when}}, More: true})
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip[StatusesResponse](t, data) })
}

func FuzzCatalog(f *testing.F) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	seeds(f, SignCatalog(priv, 3, []byte(`{"services":[]}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip[Catalog](t, data)
		var c Catalog
		if json.Unmarshal(data, &c) == nil && VerifyCatalog(pub, c, 0) == nil {
			// Only what the key signed verifies.
			if !ed25519.Verify(pub, SignedCatalog(c.Version, c.Body), c.Signature) {
				t.Fatal("verified a catalog the key did not sign")
			}
		}
	})
}

func FuzzTerminalConfig(f *testing.F) {
	seeds(f, TerminalConfig{Version: 2, IdleSeconds: 90, ServiceHours: "08:30-17:30",
		Announcements: []Announcement{{ZH: "系统维护", EN: "Maintenance", Until: when}}})
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip[TerminalConfig](t, data) })
}

func FuzzHeartbeat(f *testing.F) {
	seeds(f, Heartbeat{Software: "1.0", Time: when, Devices: map[string]string{"printer": "online"}, Queue: QueueReport{Depth: 2}})
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip[Heartbeat](t, data) })
}

func FuzzEnroll(f *testing.F) {
	seeds(f,
		EnrollRequest{Token: strings.Repeat("A", 32), TerminalID: "HALL-0007", CSR: []byte{0x30, 0x82}},
		EnrollResponse{TerminalID: "HALL-0007", Certificate: []byte{1}, CA: []byte{1}, Recipients: []string{"age1…"}, CatalogKey: make([]byte, 32)})
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip[EnrollRequest](t, data)
		roundTrip[EnrollResponse](t, data)
	})
}

func FuzzDropRequest(f *testing.F) {
	seeds(f, DropRequest{Keep: []string{strings.Repeat("ab", 32)}})
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip[DropRequest](t, data) })
}

func FuzzReceipt(f *testing.F) {
	seeds(f,
		ReceiptQuery{Receipt: "HALL-0007-261207-093000", Signature: make([]byte, 71)},
		ReceiptStatus{Receipt: "HALL-0007-261207-093000", Service: "SB-001", Submitted: when, State: "processing", Message: "材料审核中", At: when})
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip[ReceiptQuery](t, data)
		roundTrip[ReceiptStatus](t, data)
	})
}

func TestReceiptMessages(t *testing.T) {
	good := ReceiptStatus{Receipt: "HALL-0007-261207-093000", Service: "SB-001", Submitted: when, State: "received", At: when}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*ReceiptStatus){
		"unknown state":  func(s *ReceiptStatus) { s.State = "lost" },
		"no receipt":     func(s *ReceiptStatus) { s.Receipt = "" },
		"newline":        func(s *ReceiptStatus) { s.Service = "a\nb" },
		"long message":   func(s *ReceiptStatus) { s.Message = strings.Repeat("x", 2001) },
		"no submit time": func(s *ReceiptStatus) { s.Submitted = time.Time{} },
		"no time":        func(s *ReceiptStatus) { s.At = time.Time{} },
	} {
		s := good
		change(&s)
		if s.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, q := range map[string]ReceiptQuery{
		"no signature":   {Receipt: good.Receipt},
		"long signature": {Receipt: good.Receipt, Signature: make([]byte, MaxReceiptSignature+1)},
		"no receipt":     {Signature: []byte{1}},
	} {
		if q.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzDocument(f *testing.F) {
	seeds(f,
		DocumentRequest{ID: goodRecord().ID, Service: "HJ-001", Fields: map[string]string{"name": "王美娜", "purpose": "school"}},
		Document{ID: goodRecord().ID, Title: "户籍证明", Pages: 1, PDF: []byte("%PDF-1.7\n")})
	f.Fuzz(func(t *testing.T, data []byte) {
		roundTrip[DocumentRequest](t, data)
		roundTrip[Document](t, data)
	})
}

func TestDocumentMessages(t *testing.T) {
	good := DocumentRequest{ID: goodRecord().ID, Service: "HJ-001", Fields: map[string]string{"name": "王美娜"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	long := good
	long.Fields = map[string]string{"address": strings.Repeat("路", 200)}
	badKey := good
	badKey.Fields = map[string]string{"a\nb": "x"}
	for name, r := range map[string]DocumentRequest{"long value": long, "bad key": badKey, "no service": {ID: good.ID}} {
		if r.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for name, d := range map[string]Document{
		"not a pdf": {ID: good.ID, Title: "x", Pages: 1, PDF: []byte("<html>")},
		"no pages":  {ID: good.ID, Title: "x", PDF: []byte("%PDF-1.7")},
		"too large": {ID: good.ID, Title: "x", Pages: 1, PDF: append([]byte("%PDF-"), make([]byte, MaxDocument)...)},
		"no title":  {ID: good.ID, Pages: 1, PDF: []byte("%PDF-1.7")},
		"bad id":    {ID: "x", Title: "x", Pages: 1, PDF: []byte("%PDF-1.7")},
	} {
		if d.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRecordingsSigned(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	r := SignRecordings(priv, 2, map[string][]byte{"card": []byte("RIFF1"), "home": []byte("RIFF2")})
	if err := VerifyRecordings(pub, r, 1); err != nil {
		t.Fatal(err)
	}
	if VerifyRecordings(pub, r, 2) == nil {
		t.Error("recordings no newer than the terminal's were taken")
	}
	changed := r
	changed.Prompts = map[string][]byte{"card": []byte("RIFF1"), "home": []byte("RIFF3")}
	if VerifyRecordings(pub, changed, 0) == nil {
		t.Error("a recording changed after signing verified")
	}
	none := SignRecordings(priv, 3, map[string][]byte{})
	if err := VerifyRecordings(pub, none, 2); err != nil {
		t.Errorf("no recordings at all (taken back): %v", err)
	}
}

func FuzzRecordings(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	seeds(f, SignRecordings(priv, 1, map[string][]byte{"card": []byte("RIFF")}))
	f.Fuzz(func(t *testing.T, data []byte) { roundTrip[Recordings](t, data) })
}
