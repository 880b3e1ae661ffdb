package receiptcode

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

func key(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestACodeOpensOnlyItsReceipt(t *testing.T) {
	k := key(t)
	receipt := "HALL-0001-261207-093015"
	c, err := Sign(k, receipt)
	if err != nil {
		t.Fatal(err)
	}
	for _, address := range []string{"", "https://zwfw.example.gov.cn/apply/status?receipt=" + receipt, "https://zwfw.example.gov.cn/r/" + receipt} {
		qr := c.QR(address)
		if !strings.HasPrefix(qr, address) || len(qr) > 256 {
			t.Errorf("QR %q for %q", qr, address)
		}
		got, err := Parse(qr)
		if err != nil || got.Receipt != receipt {
			t.Fatalf("%q: %+v %v", qr, got, err)
		}
		if err := got.Verify(&k.PublicKey); err != nil {
			t.Errorf("%q does not verify: %v", qr, err)
		}
	}
	// Another number with this signature, or another terminal's key: no.
	other := Code{Receipt: "HALL-0001-261207-093016", Signature: c.Signature}
	if err := other.Verify(&k.PublicKey); !errors.Is(err, ErrForged) {
		t.Errorf("a changed number: %v", err)
	}
	if err := c.Verify(&key(t).PublicKey); !errors.Is(err, ErrForged) {
		t.Errorf("another terminal's key: %v", err)
	}
	if term, err := Terminal(receipt); err != nil || term != "HALL-0001" {
		t.Errorf("terminal %q %v", term, err)
	}
}

func TestParseRefusesWhatIsNoCode(t *testing.T) {
	for _, s := range []string{"", "20261207-0001", "https://zwfw.example.gov.cn/apply/status?receipt=HALL-0001-261207-093015",
		"YZ1.HALL-0001-261207-093015", "YZ1.HALL-0001-261207-093015.", "YZ1.HALL-0001-2612-093015.AAAA",
		"YZ1.HALL-0001-261207-093015.!!!!", "ftp://x/?yz=HALL-0001-261207-093015.AAAA",
		"https://x/?yz=HALL-0001-261207-093015.AAAA&yz=HALL-0001-261207-093015.AAAA",
		"YZ1.HALL-0001-261207-093015." + strings.Repeat("A", 200)} {
		if c, err := Parse(s); !errors.Is(err, ErrNoCode) {
			t.Errorf("%q: %+v %v", s, c, err)
		}
	}
	if _, err := Sign(key(t), "not a receipt"); err == nil {
		t.Error("a malformed number was signed")
	}
}

func FuzzParse(f *testing.F) {
	k := key(f)
	c, _ := Sign(k, "HALL-0001-261207-093015")
	f.Add(c.QR(""))
	f.Add(c.QR("https://zwfw.example.gov.cn/apply/status?receipt=HALL-0001-261207-093015"))
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Parse(s)
		if err != nil {
			return
		}
		if _, err := Terminal(got.Receipt); err != nil || len(got.Signature) == 0 || len(got.Signature) > protocol.MaxReceiptSignature {
			t.Fatalf("%q parsed to %+v", s, got)
		}
		// What parses prints back to a code that parses the same.
		again, err := Parse(got.QR(""))
		if err != nil || again.Receipt != got.Receipt || string(again.Signature) != string(got.Signature) {
			t.Fatalf("%q: %+v then %+v %v", s, got, again, err)
		}
	})
}
