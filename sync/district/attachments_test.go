package district

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// asTerminal speaks HTTPS to a served district as one enrolled terminal.
type asTerminal struct {
	t    *testing.T
	base string
	c    *http.Client
}

// terminalClient enrolls id and returns a client that speaks to the
// district served at addr as that terminal, checking the district's
// certificate against its CA.
func terminalClient(t *testing.T, d *District, addr, id string) *asTerminal {
	t.Helper()
	ca, err := x509.ParseCertificate(d.CA())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{terminalCert(t, d, id)}}}
	t.Cleanup(tr.CloseIdleConnections)
	return &asTerminal{t: t, base: "https://" + addr, c: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

func (a *asTerminal) do(method, path string, body []byte, header map[string]string) *http.Response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// patch uploads a whole blob and returns the district's answer.
func (a *asTerminal) patch(blob []byte) *http.Response {
	return a.do("PATCH", protocol.PathBlobs+hash(blob), blob, map[string]string{
		protocol.HeaderOffset: "0", protocol.HeaderLength: strconv.Itoa(len(blob))})
}

// offset asks how much of a blob the district holds for this terminal.
func (a *asTerminal) offset(blob []byte) string {
	resp := a.do("HEAD", protocol.PathBlobs+hash(blob), nil, nil)
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("HEAD: %s", resp.Status)
	}
	return resp.Header.Get(protocol.HeaderOffset)
}

// post sends records and returns the district's answer for each.
func (a *asTerminal) post(recs ...protocol.Record) []protocol.Result {
	a.t.Helper()
	body, _ := json.Marshal(protocol.RecordsRequest{Records: recs})
	req, _ := http.NewRequest("POST", a.base+protocol.PathRecords, bytes.NewReader(body))
	resp, err := a.c.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out protocol.RecordsResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		a.t.Fatalf("records: %s %v", resp.Status, err)
	}
	return out.Results
}

func record(t *testing.T, d *District, id string, blobs ...[]byte) protocol.Record {
	r := protocol.Record{ID: id, Seq: 1, Kind: "application", Created: time.Now(), Sealed: sealed(t, d, "申请 "+id)}
	for i, b := range blobs {
		r.Attachments = append(r.Attachments, protocol.Attachment{Name: "photo-" + strconv.Itoa(i), SHA256: hash(b), Size: int64(len(b))})
	}
	return r
}

// TestAnotherTerminalsBlobIsNotSeen: a terminal that asks after, or names
// in its record, a blob another terminal uploaded learns nothing and gets
// nothing: the district holds none for it until it sends the bytes itself.
func TestAnotherTerminalsBlobIsNotSeen(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	addr := serveOn(t, d)
	a, b := terminalClient(t, d, addr, "HALL-A"), terminalClient(t, d, addr, "HALL-B")
	photo := bytes.Repeat([]byte("sealed photo of HALL-A's resident "), 1000)
	if resp := a.patch(photo); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload: %s", resp.Status)
	}
	if got := a.offset(photo); got != strconv.Itoa(len(photo)) {
		t.Fatalf("the uploader is told %s bytes", got)
	}
	if got := b.offset(photo); got != "0" {
		t.Fatalf("another terminal is told the district holds %s bytes of the blob", got)
	}
	recB := record(t, d, "019ac3f2-0000-7000-8000-00000000000b", photo)
	if res := b.post(recB); res[0].Status != protocol.Missing {
		t.Fatalf("a record naming another terminal's blob: %+v", res[0])
	}
	if resp := b.patch(photo); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("the other terminal's own upload: %s", resp.Status)
	}
	recA := record(t, d, "019ac3f2-0000-7000-8000-00000000000a", photo)
	if res := a.post(recA); res[0].Status != protocol.Accepted {
		t.Fatalf("HALL-A's record: %+v", res[0])
	}
	if res := b.post(recB); res[0].Status != protocol.Accepted {
		t.Fatalf("HALL-B's record once it sent the blob: %+v", res[0])
	}
	for _, s := range []RecordRef{{"HALL-A", recA.ID}, {"HALL-B", recB.ID}} {
		if _, ok := d.wholeBlob(s.Terminal, hash(photo)); !ok {
			t.Errorf("%s's copy is not kept", s.Terminal)
		}
	}
}

// TestAttachmentQuotaHoldsATerminal: a terminal (or a stolen key) that
// uploads blobs no record names is refused, before its bytes are read,
// once they fill its quota — even when it sends many at once; another
// terminal is not held up; bytes a stored record names, or the sweep
// removed, no longer count.
func TestAttachmentQuotaHoldsATerminal(t *testing.T) {
	clk := &lockedClock{now: time.Now()}
	d, err := Open(onStore(t, Options{Dir: t.TempDir(), Now: clk.Now, AttachmentQuota: 64 << 10}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	addr := serveOn(t, d)
	a, b := terminalClient(t, d, addr, "HALL-A"), terminalClient(t, d, addr, "HALL-B")
	blob := func(who string, i int) []byte {
		return bytes.Repeat([]byte{byte(i)}, 16<<10-len(who)) // 16 KiB, one of its own
	}
	var blobs [][]byte
	for i := range 8 {
		blobs = append(blobs, append([]byte("A"), blob("A", i)...))
	}
	codes := make([]int, len(blobs))
	var wg sync.WaitGroup
	for i, bl := range blobs {
		wg.Go(func() { codes[i] = a.patch(bl).StatusCode })
	}
	wg.Wait()
	var stored [][]byte
	for i, code := range codes {
		switch code {
		case http.StatusNoContent:
			stored = append(stored, blobs[i])
		case http.StatusInsufficientStorage:
			if got := a.offset(blobs[i]); got != "0" {
				t.Errorf("a refused upload left %s bytes", got)
			}
		default:
			t.Fatalf("upload %d: %d", i, code)
		}
	}
	if len(stored) != 4 {
		t.Fatalf("%d uploads of 16 KiB stored at once under a 64 KiB quota", len(stored))
	}
	if resp := b.patch(append([]byte("B"), blob("B", 1)...)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("another terminal was held up: %s", resp.Status)
	}
	// A record naming two of them makes room for two more.
	if res := a.post(record(t, d, "019ac3f2-0000-7000-8000-000000000001", stored[0], stored[1])); res[0].Status != protocol.Accepted {
		t.Fatalf("record: %+v", res[0])
	}
	more := 0
	for _, bl := range blobs {
		if a.patch(bl).StatusCode == http.StatusNoContent {
			more++
		}
	}
	if more != 6 {
		t.Fatalf("%d blobs held after a record named two, want 6 (2 filed, 4 waiting)", more)
	}
	clk.add(8 * 24 * time.Hour)
	if n, err := d.SweepAttachments(staleUpload); err != nil || n != 4+1 {
		t.Fatalf("swept %d (%v), want HALL-A's 4 unnamed and HALL-B's one", n, err)
	}
	if resp := a.patch(blobs[7]); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("after the sweep: %s", resp.Status)
	}
}

// TestFiledWithoutItsRecord: a district stopped after it filed a record's
// attachments but before the record's transaction committed takes the
// record when the terminal sends it again.
func TestFiledWithoutItsRecord(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	photo := []byte("sealed photo, filed before a crash")
	if _, err := d.WriteBlob("HALL-1", hash(photo), 0, int64(len(photo)), bytes.NewReader(photo)); err != nil {
		t.Fatal(err)
	}
	rec := record(t, d, "019ac3f2-0000-7000-8000-0000000000f1", photo)
	if ok, err := d.fileBlobs("HALL-1", dirWaiting, rec.Attachments); !ok || err != nil {
		t.Fatalf("filing: %v %v", ok, err)
	}
	if res, err := d.Ingest("HALL-1", "sync", []protocol.Record{rec}); err != nil || res[0].Status != protocol.Accepted {
		t.Fatalf("the record sent again: %+v %v", res, err)
	}
}

// TestQuotaCountsWhatIsOnDisk races a terminal resuming an upload against
// the sweep and the terminal dropping its unnamed attachments: whatever wins, a resumed upload never writes over
// a file another removed (its bytes would not hash to their name), and the
// bytes the quota counts are the bytes in partial/ and waiting/.
func TestQuotaCountsWhatIsOnDisk(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	const term = "HALL-1"
	rivals := map[string]func(hash string, blob []byte){
		"sweep": func(string, []byte) { d.SweepAttachments(staleUpload) },
		"drop":  func(string, []byte) { d.DropUnnamed(term, nil) },
	}
	for name, rival := range rivals {
		for try := range 300 {
			blob := bytes.Repeat([]byte(fmt.Sprintf("%s %d ", name, try)), 400)
			h := hash(blob)
			if _, err := d.WriteBlob(term, h, 0, int64(len(blob)), bytes.NewReader(blob[:1000])); err != nil {
				t.Fatal(err)
			}
			weekOld := time.Now().Add(-8 * 24 * time.Hour)
			os.Chtimes(d.attachmentPath(term, dirPartial, h), weekOld, weekOld)
			var wg sync.WaitGroup
			var resumed error
			wg.Go(func() { rival(h, blob) })
			wg.Go(func() { _, resumed = d.WriteBlob(term, h, 1000, int64(len(blob)), bytes.NewReader(blob[1000:])) })
			wg.Wait()
			var oe *offsetError
			if resumed != nil && !errors.As(resumed, &oe) && !errors.Is(resumed, errBusy) {
				t.Fatalf("%s, try %d: the resumed upload: %v", name, try, resumed)
			}
			onDisk, err := d.countHeld(term)
			if err != nil {
				t.Fatal(err)
			}
			d.quota.mu.Lock()
			counted := d.quota.held[term]
			d.quota.mu.Unlock()
			if counted != onDisk {
				t.Fatalf("%s, try %d: the quota counts %d bytes, %d are on disk", name, try, counted, onDisk)
			}
			d.DropUnnamed(term, nil)
		}
	}
}

// TestRejectedRecordsLeaveNoAttachments: the attachments of a record the
// district rejects (it is never sent again) stop counting at once.
func TestRejectedRecordsLeaveNoAttachments(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	photo := []byte("sealed photo of a record sealed to another district")
	if _, err := d.WriteBlob("HALL-1", hash(photo), 0, int64(len(photo)), bytes.NewReader(photo)); err != nil {
		t.Fatal(err)
	}
	rec := record(t, d, "019ac3f2-0000-7000-8000-0000000000e1", photo)
	rec.Sealed = []byte("age-encryption.org/v1 to someone else")
	if res, err := d.Ingest("HALL-1", "sync", []protocol.Record{rec}); err != nil || res[0].Status != protocol.Rejected {
		t.Fatalf("%+v %v", res, err)
	}
	if off, _ := d.BlobOffset("HALL-1", hash(photo)); off != 0 || d.quota.held["HALL-1"] != 0 {
		t.Fatalf("a rejected record's attachment is held: %d bytes, %d counted", off, d.quota.held["HALL-1"])
	}
}

// TestDropUnnamedTouchesOnlyItsOwn: a terminal's drop of its unnamed
// attachments leaves those its stored records name, those it keeps, an
// import's under way, and every other terminal's.
func TestDropUnnamedTouchesOnlyItsOwn(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	addr := serveOn(t, d)
	a, b := terminalClient(t, d, addr, "HALL-A"), terminalClient(t, d, addr, "HALL-B")
	named, unnamed := []byte("a photo HALL-A's record names"), []byte("a photo no record names")
	for _, bl := range [][]byte{named, unnamed} {
		for _, c := range []*asTerminal{a, b} {
			if resp := c.patch(bl); resp.StatusCode != http.StatusNoContent {
				t.Fatalf("upload: %s", resp.Status)
			}
		}
	}
	if res := a.post(record(t, d, "019ac3f2-0000-7000-8000-0000000000d1", named)); res[0].Status != protocol.Accepted {
		t.Fatalf("record: %+v", res[0])
	}
	if resp := a.do("POST", protocol.PathBlobsDrop, []byte(`{}`), nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("drop: %s", resp.Status)
	}
	want := map[*asTerminal][2]string{a: {strconv.Itoa(len(named)), "0"}, b: {strconv.Itoa(len(named)), strconv.Itoa(len(unnamed))}}
	for c, w := range want {
		if got := [2]string{c.offset(named), c.offset(unnamed)}; got != w {
			t.Errorf("held after HALL-A's drop: %v, want %v", got, w)
		}
	}

	kept, dropped := []byte("the next record's photo"), []byte("another record's photo")
	for _, bl := range [][]byte{kept, dropped} {
		a.patch(bl)
	}
	staged, err := d.stageImport("HALL-A")
	if err != nil {
		t.Fatal(err)
	}
	brought := []byte("a photo on a technician's stick")
	if err := d.stageBlob("HALL-A", staged, hash(brought), bytes.NewReader(brought), int64(len(brought))); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(protocol.DropRequest{Keep: []string{hash(kept)}})
	if resp := a.do("POST", protocol.PathBlobsDrop, body, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("drop keeping one: %s", resp.Status)
	}
	if a.offset(kept) != strconv.Itoa(len(kept)) || a.offset(dropped) != "0" {
		t.Errorf("after a drop keeping one: kept %s, dropped %s", a.offset(kept), a.offset(dropped))
	}
	res, err := d.ingest("HALL-A", "import", []protocol.Record{record(t, d, "019ac3f2-0000-7000-8000-0000000000d2", brought)}, staged)
	if err != nil || res[0].Status != protocol.Accepted {
		t.Fatalf("the import's record after the terminal's drop: %+v %v", res, err)
	}
}

// TestAnImportCutShortLeavesNothing: the folder of an import a crash cut
// short goes when the district next opens.
func TestAnImportCutShortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	staged, err := d.stageImport("HALL-1")
	if err != nil {
		t.Fatal(err)
	}
	brought := []byte("a photo on a stick")
	if err := d.stageBlob("HALL-1", staged, hash(brought), bytes.NewReader(brought), int64(len(brought))); err != nil {
		t.Fatal(err)
	}
	if err := d.stageBlob("HALL-1", staged, hash([]byte("other")), bytes.NewReader(brought), int64(len(brought))); err == nil {
		t.Fatal("a staged blob whose bytes do not match its name")
	}
	d.Close()
	d = open(t, dir, &clock{now: time.Now()})
	if _, err := os.Stat(d.attachmentPath("HALL-1", staged, "")); !os.IsNotExist(err) {
		t.Fatalf("the cut import's folder: %v", err)
	}
}
