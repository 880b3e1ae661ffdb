package scanner

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// split parts scans into codes and errors.
func split(scans []Scan) (codes []string, errs []error) {
	for _, s := range scans {
		if s.Err != nil {
			errs = append(errs, s.Err)
		} else {
			codes = append(codes, s.Code)
		}
	}
	return codes, errs
}

func TestFramerCutsCodesAtLineEnds(t *testing.T) {
	var f Framer
	var got []string
	for _, chunk := range []string{"https://zwfw.example/r?n=2026", "1207-0001\r", "SECOND\r\n", "third\n\r\nfou", "rth\r"} {
		codes, errs := split(f.Feed([]byte(chunk)))
		if len(errs) > 0 {
			t.Fatalf("%q: %v", chunk, errs)
		}
		got = append(got, codes...)
	}
	want := []string{"https://zwfw.example/r?n=20261207-0001", "SECOND", "third", "fourth"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFramerDropsWhatIsNoCode(t *testing.T) {
	var f Framer
	scans := f.Feed([]byte("ok1\r\x00bin\rtoo" + strings.Repeat("x", MaxCode) + "\r中文\rok2\r"))
	if len(scans) != 5 || scans[0].Code != "ok1" || scans[1].Err == nil || scans[4].Code != "ok2" {
		t.Errorf("scans out of order: %+v", scans)
	}
	codes, errs := split(scans)
	if !slices.Equal(codes, []string{"ok1", "ok2"}) {
		t.Errorf("codes %q", codes)
	}
	if len(errs) != 3 {
		t.Fatalf("errors %v", errs)
	}
	for _, err := range errs {
		if !errors.Is(err, ErrBadCode) {
			t.Errorf("%v is not ErrBadCode", err)
		}
	}
	// A code of exactly MaxCode is taken.
	codes, errs = split(f.Feed([]byte(strings.Repeat("y", MaxCode) + "\r")))
	if len(codes) != 1 || len(errs) != 0 {
		t.Errorf("a code of MaxCode bytes: %d codes, %v", len(codes), errs)
	}
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte("abc\r\ndef\n"), 3)
	f.Add([]byte("\r\r\n\n\x7f\x80\r"), 1)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		// However the bytes are cut into reads, the same codes come out,
		// each printable ASCII and at most MaxCode bytes.
		var whole, parts Framer
		want := whole.Feed(data)
		if cut <= 0 {
			cut = 1
		}
		var got []Scan
		for i := 0; i < len(data); i += cut {
			got = append(got, parts.Feed(data[i:min(i+cut, len(data))])...)
		}
		if len(got) != len(want) {
			t.Fatalf("cut every %d: %+v, whole: %+v", cut, got, want)
		}
		for i := range got {
			if got[i].Code != want[i].Code || (got[i].Err == nil) != (want[i].Err == nil) {
				t.Fatalf("cut every %d: %+v, whole: %+v", cut, got, want)
			}
		}
		for _, sc := range want {
			c := sc.Code
			if sc.Err != nil {
				continue
			}
			if c == "" || len(c) > MaxCode || strings.IndexFunc(c, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
				t.Fatalf("code %q", c)
			}
		}
	})
}
