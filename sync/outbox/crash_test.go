package outbox

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	bolt "go.etcd.io/bbolt"
)

var crashKills = flag.Int("crash.kills", 200, "how many times the crash test kills the writer (the long run: 2000)")

// The test binary doubles as the writer the crash test kills.
func TestMain(m *testing.M) {
	if dir := os.Getenv("YIZHAN_OUTBOX_CRASH_DIR"); dir != "" {
		os.Exit(crashWriter(dir, os.Getenv("YIZHAN_OUTBOX_CRASH_KEY")))
	}
	os.Exit(m.Run())
}

// crashContent is what record n holds: its personal part names n, and its
// attachments are bytes made from n, so a reader can tell a whole record
// from a torn one. Most attachments are small enough to be held in
// outbox.db; the second of every fourth record is too large for that and
// goes to a file, so both ways are killed at random instants.
func crashPersonal(n uint64) []byte {
	return []byte(fmt.Sprintf(`{"n":%d,"name":"测试%d"}`, n, n))
}

func crashAttachment(n uint64, i int) []byte {
	size := int(n%4)*16<<10 + 1 + i
	if i == 1 && n%4 == 3 {
		size += inlineMax
	}
	b := make([]byte, size)
	r := rand.New(rand.NewPCG(n, uint64(i)))
	for j := range b {
		b[j] = byte(r.Uint32())
	}
	return b
}

// crashWriter submits records until it is killed, printing "OK id n" after
// each Submit returns.
func crashWriter(dir, key string) int {
	recipients, err := ParseRecipients(key)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	secret, err := LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	s, err := Open(Options{Dir: dir, Recipients: recipients, Secret: secret})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for {
		n := rand.Uint64() >> 1
		var atts []Attachment
		for i := 0; i < int(n%3); i++ {
			atts = append(atts, Attachment{Name: fmt.Sprintf("a%d", i), Data: bytes.NewReader(crashAttachment(n, i))})
		}
		rec, err := s.Submit(context.Background(), Submission{Kind: Application, Personal: crashPersonal(n), Attachments: atts})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Fprintf(os.Stdout, "OK %s %d\n", rec.ID, n)
	}
}

// checkRecord opens a record with the district key and checks it is whole;
// it returns the n it holds.
func checkRecord(t *testing.T, s *Store, key *age.X25519Identity, rec Record) uint64 {
	t.Helper()
	var p struct {
		N uint64 `json:"n"`
	}
	plain := unseal(t, key, bytes.NewReader(rec.Sealed))
	if err := json.Unmarshal(plain, &p); err != nil || !bytes.Equal(plain, crashPersonal(p.N)) {
		t.Fatalf("record %d: torn personal part %q", rec.Seq, plain)
	}
	if len(rec.Attachments) != int(p.N%3) {
		t.Fatalf("record %d: %d attachments, want %d", rec.Seq, len(rec.Attachments), p.N%3)
	}
	for i, a := range rec.Attachments {
		f, err := s.OpenAttachment(a)
		if err != nil {
			t.Fatalf("record %d: attachment %s: %v", rec.Seq, a.Name, err)
		}
		got := unseal(t, key, f)
		f.Close()
		if !bytes.Equal(got, crashAttachment(p.N, i)) {
			t.Fatalf("record %d: attachment %s differs", rec.Seq, a.Name)
		}
	}
	return p.N
}

// TestCrashAtAnyInstant kills a writer with SIGKILL at random instants and
// checks after each kill that every record whose Submit returned is there
// and opens to exactly what was submitted, and that nothing torn is visible.
func TestCrashAtAnyInstant(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a writer hundreds of times")
	}
	dir := t.TempDir()
	key := districtKey(t)
	returned := make(map[string]uint64) // id → n, for every Submit that returned
	checked := uint64(0)                // records up to this seq are verified
	kills := 0
	start := time.Now()
	for kills < *crashKills {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "YIZHAN_OUTBOX_CRASH_DIR="+dir, "YIZHAN_OUTBOX_CRASH_KEY="+key.Recipient().String())
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string, 1024)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		time.Sleep(time.Duration(rand.IntN(120)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		fresh := make(map[string]uint64) // returned in this run
		for l := range lines {
			f := strings.Fields(l)
			if len(f) != 3 || f[0] != "OK" {
				t.Fatalf("writer said %q", l)
			}
			n, _ := strconv.ParseUint(f[2], 10, 64)
			returned[f[1]] = n
			fresh[f[1]] = n
		}
		werr := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("writer ended before the kill: %v\n%s", werr, stderr.String())
		}
		kills++

		s := openStore(t, dir, key)
		for id, n := range fresh {
			rec, err := s.Get(id)
			if err != nil {
				t.Fatalf("kill %d: record %s whose Submit returned is gone: %v", kills, id, err)
			}
			if got := checkRecord(t, s, key, rec); got != n {
				t.Fatalf("kill %d: record %s holds %d, want %d", kills, id, got, n)
			}
		}
		// Every record in the store, returned or not, is whole.
		var last uint64
		err = s.All(func(rec Record) bool {
			if rec.Seq > checked {
				checkRecord(t, s, key, rec)
			}
			last = rec.Seq
			return true
		})
		if err != nil {
			t.Fatalf("kill %d: %v", kills, err)
		}
		checked = last
		s.Close()
	}
	// At the end, every record whose Submit ever returned is still there,
	// nothing half-written is left behind, and every attachment, held in
	// the store or in a file, belongs to a record.
	s := openStore(t, dir, key)
	for id := range returned {
		if _, err := s.Get(id); err != nil {
			t.Fatalf("record %s whose Submit returned is gone at the end: %v", id, err)
		}
	}
	named, held := 0, 0
	s.All(func(r Record) bool { named += len(r.Attachments); return true })
	s.db.View(func(tx *bolt.Tx) error {
		held = heldCount(tx)
		return nil
	})
	s.Close()
	files, _ := os.ReadDir(filepath.Join(dir, "attachments"))
	if held+len(files) != named {
		t.Errorf("%d attachments held in the store and %d files for %d attachments", held, len(files), named)
	}
	if held == 0 || len(files) == 0 {
		t.Errorf("%d attachments held in the store, %d in files: both ways must be killed", held, len(files))
	}
	t.Logf("%d kills in %v; %d records whose Submit returned, %d in the store; attachments: %d held in the store, %d in files",
		kills, time.Since(start).Round(time.Second), len(returned), checked, held, len(files))
	if len(returned) < kills/4 {
		t.Errorf("only %d submits returned in %d runs: the writer barely ran", len(returned), kills)
	}
}
