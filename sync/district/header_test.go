package district

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// padded is sealed with n fake X25519 stanzas added to its header, as a
// stolen terminal key could send.
func padded(sealed []byte, n int) []byte {
	intro, rest, _ := bytes.Cut(sealed, []byte("\n"))
	fake := strings.Repeat("-> X25519 "+strings.Repeat("A", 43)+"\n"+strings.Repeat("B", 43)+"\n", n)
	return append(append(append(intro, '\n'), fake...), rest...)
}

// TestManyRecipientsRefusedUnopened: a record whose header names more
// recipients than the district has keys is rejected by its header alone,
// at ingest and when staff open one that got in some other way.
func TestManyRecipientsRefusedUnopened(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	good := sealed(t, d, `{"level":5}`)
	rec := func(id string, s []byte) protocol.Record {
		return protocol.Record{ID: id, Seq: 1, Kind: "rating", Created: time.Now(), Sealed: s}
	}
	res, err := d.Ingest("HALL-1", "sync", []protocol.Record{
		rec("019ac3f2-0000-7000-8000-000000000031", padded(good, 9000)),
		rec("019ac3f2-0000-7000-8000-000000000032", good),
	})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Status != protocol.Rejected || !strings.Contains(res[0].Reason, "more than 1 recipients") {
		t.Errorf("9,000 recipients: %+v", res[0])
	}
	if res[1].Status != protocol.Accepted {
		t.Errorf("one recipient: %+v", res[1])
	}
	if _, err := d.Open(Stored{Record: rec("019ac3f2-0000-7000-8000-000000000033", padded(good, 2))}); err == nil || !strings.Contains(err.Error(), "recipients") {
		t.Errorf("staff opening a padded record: %v", err)
	}
}

func TestCheckRecipients(t *testing.T) {
	stanza := "-> X25519 abc\nbody\n"
	for name, c := range map[string]struct {
		head string
		ok   bool
	}{
		"one":            {"age-encryption.org/v1\n" + stanza + "--- mac\npayload", true},
		"two":            {"age-encryption.org/v1\n" + stanza + stanza + "--- mac\n", true},
		"three":          {"age-encryption.org/v1\n" + stanza + stanza + stanza + "--- mac\n", false},
		"none":           {"age-encryption.org/v1\n--- mac\n", false},
		"not age":        {"-----BEGIN AGE ENCRYPTED FILE-----\n", false},
		"unterminated":   {"age-encryption.org/v1\n" + stanza, false},
		"endless header": {"age-encryption.org/v1\n" + strings.Repeat("x", maxHeader), false},
	} {
		err := checkRecipients([]byte(c.head)[:min(len(c.head), maxHeader)], 2)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// FuzzCheckRecipients: any bytes; a header it lets through names at most
// max stanzas before its terminating line.
func FuzzCheckRecipients(f *testing.F) {
	f.Add([]byte("age-encryption.org/v1\n-> X25519 abc\nbody\n--- mac\npayload"))
	f.Add([]byte("age-encryption.org/v1\n-> a\n-> b\n-> c\n--- x\n"))
	f.Add([]byte("age-encryption.org/v1\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		head = head[:min(len(head), maxHeader)]
		if checkRecipients(head, 2) != nil {
			return
		}
		_, rest, _ := bytes.Cut(head, []byte("\n"))
		n := 0
		for _, line := range bytes.Split(rest, []byte("\n")) {
			if bytes.HasPrefix(line, []byte("---")) {
				break
			}
			if bytes.HasPrefix(line, []byte("-> ")) {
				n++
			}
		}
		if n == 0 || n > 2 {
			t.Fatalf("let through a header of %d stanzas: %q", n, head)
		}
	})
}
