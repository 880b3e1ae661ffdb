package passhash

import (
	"strings"
	"testing"
)

// The tests hash at argon2id's smallest costs: the hash records them.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func TestAHashVerifiesItsSecretAlone(t *testing.T) {
	h, err := New("correct horse 7", cheap)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(h.String())
	if err != nil {
		t.Fatal(err)
	}
	if !back.Verify("correct horse 7") || back.Verify("correct horse 8") || back.Verify("") {
		t.Fatal("a hash read back verifies the wrong secrets")
	}
	other, _ := New("correct horse 7", cheap)
	if other.String() == h.String() {
		t.Fatal("two hashes of one secret are the same: no salt")
	}
	if (Hash{}).Verify("") {
		t.Fatal("the zero hash verifies")
	}
}

// The production costs are written as the format says, and read back.
func TestTheFormatCarriesTheCosts(t *testing.T) {
	h := Hash{p: Default, salt: make([]byte, 16), hash: make([]byte, 32)}
	want := "$argon2id$v=19$m=65536,t=3,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	if got := h.String(); got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if p, err := Parse(want); err != nil || p.Params() != Default {
		t.Errorf("Parse = %+v, %v", p, err)
	}
}

func TestParseRefusesCostsOutOfBounds(t *testing.T) {
	salt, hash := "AAAAAAAAAAAAAAAAAAAAAA", strings.Repeat("A", 43)
	for _, costs := range []string{"m=2097152,t=3,p=2", "m=65536,t=99,p=2", "m=65536,t=3,p=0", "m=65536,t=3,p=200", "m=4,t=1,p=1", "m=65536,t=3,p=2,x=1"} {
		if _, err := Parse("$argon2id$v=19$" + costs + "$" + salt + "$" + hash); err == nil {
			t.Errorf("%s accepted", costs)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + hash, "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + hash, "$argon2id$v=19$m=64,t=1,p=1$!!$" + hash} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParse feeds the parser anything: it refuses or gives a hash it
// writes back to text that parses to the same, and never panics.
func FuzzParse(f *testing.F) {
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHRzYWx0$" + "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2i$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(h.String())
		if err != nil || again.String() != h.String() {
			t.Fatalf("%q parsed, but %q does not parse back: %v", s, h.String(), err)
		}
	})
}
