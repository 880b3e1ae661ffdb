package ipp

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	m := Message{Version: Version, Code: OpPrintJob, RequestID: 7}
	m.Add(TagOperation, "attributes-charset", String(TagCharset, "utf-8"))
	m.Add(TagOperation, "job-name", String(TagName, "参保证明"))
	m.Add(TagOperation, "requested-attributes", String(TagKeyword, "job-state"), String(TagKeyword, "job-state-reasons"))
	m.Add(TagJob, "copies", Integer(TagInteger, 1))
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, rest, err := Decode(append(data, "%PDF-1.7"...))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) || string(rest) != "%PDF-1.7" {
		t.Fatalf("decoded %+v rest %q", got, rest)
	}
	a, ok := got.Attr(TagOperation, "requested-attributes")
	if !ok || !reflect.DeepEqual(a.Strings(), []string{"job-state", "job-state-reasons"}) {
		t.Fatalf("requested-attributes %v", a.Strings())
	}
	if n, ok := got.Attr(TagJob, "copies"); !ok {
		t.Fatal("no copies")
	} else if v, _ := n.Int(); v != 1 {
		t.Fatalf("copies %d", v)
	}
}

// Bytes as cupsd sends them: a textWithLanguage value, an enum, an
// additional value.
func TestDecodeByHand(t *testing.T) {
	data := []byte{
		0x01, 0x01, 0x00, 0x00, 0, 0, 0, 9, // 1.1, successful-ok, request 9
		0x04,                                                                                           // printer group
		0x23, 0, 13, 'p', 'r', 'i', 'n', 't', 'e', 'r', '-', 's', 't', 'a', 't', 'e', 0, 4, 0, 0, 0, 5, // enum 5
		0x44, 0, 21, 'p', 'r', 'i', 'n', 't', 'e', 'r', '-', 's', 't', 'a', 't', 'e', '-', 'r', 'e', 'a', 's', 'o', 'n', 's',
		0, 17, 'm', 'e', 'd', 'i', 'a', '-', 'e', 'm', 'p', 't', 'y', '-', 'e', 'r', 'r', 'o', 'r',
		0x44, 0, 0, 0, 6, 'p', 'a', 'u', 's', 'e', 'd',
		0x35, 0, 15, 'p', 'r', 'i', 'n', 't', 'e', 'r', '-', 'i', 'n', 'f', 'o', '-', 'z', 'h',
		0, 11, 0, 2, 'z', 'h', 0, 5, 'A', '4', ' ', 'p', 'r',
		0x03,
	}
	m, rest, err := Decode(data)
	if err != nil || len(rest) != 0 {
		t.Fatalf("%v, %d bytes left", err, len(rest))
	}
	st, _ := m.Attr(TagPrinter, "printer-state")
	if n, ok := st.Int(); !ok || n != 5 {
		t.Fatalf("printer-state %v", st)
	}
	r, _ := m.Attr(TagPrinter, "printer-state-reasons")
	if !reflect.DeepEqual(r.Strings(), []string{"media-empty-error", "paused"}) {
		t.Fatalf("reasons %q", r.Strings())
	}
	info, _ := m.Attr(TagPrinter, "printer-info-zh")
	if info.Values[0].String() != "A4 pr" {
		t.Fatalf("text with language %q", info.Values[0].String())
	}
}

func TestDecodeRefuses(t *testing.T) {
	good, _ := (&Message{Version: Version, Code: 0, RequestID: 1, Groups: []Group{{Tag: TagOperation,
		Attrs: []Attribute{{Name: "a", Values: []Value{String(TagKeyword, "b")}}}}}}).MarshalBinary()
	for name, data := range map[string][]byte{
		"short":              good[:5],
		"no end":             good[:len(good)-1],
		"cut value":          good[:len(good)-3],
		"value before group": {1, 1, 0, 0, 0, 0, 0, 1, 0x44, 0, 1, 'a', 0, 1, 'b', 3},
		"lone extra value":   {1, 1, 0, 0, 0, 0, 0, 1, 1, 0x44, 0, 0, 0, 1, 'b', 3},
		"extension tag":      {1, 1, 0, 0, 0, 0, 0, 1, 1, 0x7F, 0, 1, 'a', 0, 4, 0, 0, 0, 0, 3},
	} {
		if _, _, err := Decode(data); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ReadMessage(bytes.NewReader(make([]byte, maxMessage+1))); !errors.Is(err, ErrMalformed) {
		t.Errorf("an answer over the bound: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	m := Message{Version: Version, Code: OpGetJobAttributes, RequestID: 3}
	m.Add(TagOperation, "attributes-charset", String(TagCharset, "utf-8"))
	m.Add(TagJob, "job-state", Integer(TagEnum, 9))
	m.Add(TagJob, "job-state-reasons", String(TagKeyword, "job-completed-successfully"), String(TagKeyword, "x"))
	seed, _ := m.MarshalBinary()
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, _, err := Decode(data)
		if err != nil {
			return
		}
		// What decodes encodes, and decodes to the same.
		again, err := m.MarshalBinary()
		if err != nil {
			// Only a group tag MarshalBinary refuses (0, or over 0x0F
			// — impossible here) or an attribute with no name.
			t.Fatalf("decoded message does not encode: %v", err)
		}
		m2, rest, err := Decode(again)
		if err != nil || len(rest) != 0 || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %v, %d left", err, len(rest))
		}
	})
}
