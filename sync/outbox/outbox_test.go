package outbox

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
)

// districtKey is the test's stand-in for the district: it can open what
// the terminal sealed.
func districtKey(t testing.TB) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func openStore(t testing.TB, dir string, id *age.X25519Identity) *Store {
	t.Helper()
	secret, err := LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(Options{Dir: dir, Recipients: []age.Recipient{id.Recipient()}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unseal(t testing.TB, id *age.X25519Identity, r io.Reader) []byte {
	t.Helper()
	d, err := age.Decrypt(r, id)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	b, err := io.ReadAll(d)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	return b
}

const (
	residentName  = "欧阳娜娜"
	residentID    = "11010519491231002X"
	residentPhone = "13912345678"
)

func personal() []byte {
	return []byte(`{"name":"` + residentName + `","id_number":"` + residentID + `","phone":"` + residentPhone + `"}`)
}

func TestSubmitSealsEverything(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	photo := bytes.Repeat([]byte("FACE-"+residentName+"-"+residentID), 5000)
	rec, err := s.Submit(context.Background(), Submission{
		Kind:        Application,
		Public:      Public{Service: "pension-cert", Receipt: "A20261127-0001"},
		Personal:    personal(),
		Attachments: []Attachment{{Name: "photo", Data: bytes.NewReader(photo)}},
		IDNumber:    residentID,
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Seq != 1 || rec.State != Queued || len(rec.ID) != 36 || rec.ID[14] != '7' {
		t.Fatalf("record %+v: want seq 1, queued, a UUIDv7", rec)
	}
	got, err := s.Get(rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(unseal(t, key, bytes.NewReader(got.Sealed)), personal()) {
		t.Fatal("sealed part does not open to what was submitted")
	}
	f, err := s.OpenAttachment(got.Attachments[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !bytes.Equal(unseal(t, key, f), photo) {
		t.Fatal("attachment does not open to what was submitted")
	}
	s.Close()

	// Nothing personal is readable anywhere in the data folder.
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		for _, secret := range []string{residentName, residentID, residentPhone, "FACE-"} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds %q in the clear", filepath.Base(path), secret)
			}
		}
		return nil
	})
}

func TestResidentIndexFindsOnlyThisCard(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	defer s.Close()
	ctx := context.Background()
	mine1, _ := s.Submit(ctx, Submission{Kind: Application, Personal: []byte("a"), IDNumber: residentID})
	s.Submit(ctx, Submission{Kind: Rating, Personal: []byte("b"), IDNumber: "440524188001010014"})
	s.Submit(ctx, Submission{Kind: StaffCall, Personal: []byte("c")})
	mine2, _ := s.Submit(ctx, Submission{Kind: Complaint, Personal: []byte("d"), IDNumber: residentID})
	got, err := s.ForResident(residentID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != mine1.ID || got[1].ID != mine2.ID {
		t.Fatalf("found %d records for the card", len(got))
	}
	if none, _ := s.ForResident("13032319860911446X"); len(none) != 0 {
		t.Fatalf("an unknown card found %d records", len(none))
	}
	// Under another terminal's secret the same card finds nothing.
	other, err := Open(Options{Dir: t.TempDir(), Recipients: []age.Recipient{key.Recipient()}, Secret: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if k1, k2 := residentKey(s.opt.Secret, residentID), residentKey(other.opt.Secret, residentID); bytes.Equal(k1, k2) {
		t.Fatal("two terminals index a card under the same key")
	}
}

func TestSequenceSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	for i := 0; i < 3; i++ {
		s.Submit(context.Background(), Submission{Kind: Event, Personal: []byte("x")})
	}
	s.Close()
	s = openStore(t, dir, key)
	defer s.Close()
	rec, err := s.Submit(context.Background(), Submission{Kind: Event, Personal: []byte("y")})
	if err != nil || rec.Seq != 4 {
		t.Fatalf("seq after reopen = %d, %v; want 4", rec.Seq, err)
	}
	n := 0
	s.All(func(Record) bool { n++; return true })
	if n != 4 {
		t.Fatalf("%d records", n)
	}
}

func TestSubmitRejectsAndOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	key := districtKey(t)
	s := openStore(t, dir, key)
	defer s.Close()
	if _, err := s.Submit(context.Background(), Submission{Kind: "gossip"}); err == nil {
		t.Error("unknown kind accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Submit(ctx, Submission{Kind: Application, Attachments: []Attachment{{Name: "a", Data: strings.NewReader("x")}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled submit: %v", err)
	}
	if _, err := Open(Options{Dir: t.TempDir(), Secret: make([]byte, 32)}); err == nil {
		t.Error("opened without a district key")
	}
	if _, err := Open(Options{Dir: t.TempDir(), Recipients: []age.Recipient{key.Recipient()}}); err == nil {
		t.Error("opened without an index secret")
	}
}

func TestSecretFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.key")
	a, err := LoadOrCreateSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateSecret(path)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatal("secret changed between loads")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("secret mode %v", info.Mode().Perm())
	}
	os.WriteFile(path, []byte("short"), 0o600)
	if _, err := LoadOrCreateSecret(path); err == nil {
		t.Fatal("short secret accepted")
	}
}
