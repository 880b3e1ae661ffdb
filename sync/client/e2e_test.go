package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// backend is a districtd on loopback with real TLS. Its handler can be
// wrapped, to play a district (or a man in the middle) that lies.
type backend struct {
	d    *district.District
	addr string
	url  string
	stop func()

	mu   sync.Mutex
	wrap func(http.Handler) http.Handler
}

func startBackend(t testing.TB, dir string) *backend {
	return startBackendOn(t, dir, "127.0.0.1:0")
}

// startBackendOn serves the district in dir on addr; a restarted district
// comes back on the address it had.
func startBackendOn(t testing.TB, dir, addr string) *backend {
	return serveBackend(t, district.Options{Dir: dir, Name: "示范区"}, addr)
}

func serveBackend(t testing.TB, opt district.Options, addr string) *backend {
	t.Helper()
	d, err := district.Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{d: d}
	var ln net.Listener
	for try := 0; ; try++ {
		if ln, err = net.Listen("tcp", addr); err == nil || try == 50 {
			break
		}
		time.Sleep(20 * time.Millisecond) // the old listener's port is being let go
	}
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := d.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	h := d.Handler()
	srv := &http.Server{TLSConfig: cfg, ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wrap := b.wrapper(); wrap != nil {
			wrap(h).ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})}
	go srv.ServeTLS(ln, "", "")
	b.addr = ln.Addr().String()
	b.url = "https://" + b.addr
	var once sync.Once
	b.stop = func() { once.Do(func() { srv.Close(); d.Close() }) }
	t.Cleanup(func() { b.stop() })
	return b
}

func (b *backend) setWrap(f func(http.Handler) http.Handler) {
	b.mu.Lock()
	b.wrap = f
	b.mu.Unlock()
}

func (b *backend) wrapper() func(http.Handler) http.Handler {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.wrap
}

// terminal is an enrolled terminal: its outbox, sync state and client.
type terminal struct {
	dir    string
	id     *Identity
	queue  *outbox.Store
	state  *State
	client *Client
}

func enrollTerminal(t testing.TB, b *backend, name string) *terminal {
	t.Helper()
	ctx := context.Background()
	tok, err := b.d.NewToken("示范大厅", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	id, err := Enroll(ctx, EnrollOptions{Backend: b.url, Token: tok, TerminalID: name,
		Dir: IdentityDir(dir), KeysPath: filepath.Join(dir, "district.pub")})
	if err != nil {
		t.Fatal(err)
	}
	return openTerminal(t, dir, id, "")
}

func openTerminal(t testing.TB, dir string, id *Identity, via string) *terminal {
	t.Helper()
	tm, err := openParts(dir, id, via)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tm.state.Close(); tm.queue.Close() })
	return tm
}

// openParts opens an enrolled terminal's outbox, sync state and client,
// talking to the district through via when it is set.
func openParts(dir string, id *Identity, via string) (*terminal, error) {
	keys, err := os.ReadFile(filepath.Join(dir, "district.pub"))
	if err != nil {
		return nil, err
	}
	recipients, err := outbox.ParseRecipients(string(keys))
	if err != nil {
		return nil, err
	}
	secret, err := outbox.LoadOrCreateSecret(filepath.Join(dir, "index.key"))
	if err != nil {
		return nil, err
	}
	q, err := outbox.Open(outbox.Options{Dir: dir, Recipients: recipients, Secret: secret})
	if err != nil {
		return nil, err
	}
	st, err := OpenState(dir)
	if err != nil {
		q.Close()
		return nil, err
	}
	c, err := New(Options{Identity: id, Queue: q, State: st, Backend: via,
		Heartbeat: func() protocol.Heartbeat {
			return protocol.Heartbeat{Software: "test", Devices: map[string]string{"printer": "online"}}
		}})
	if err != nil {
		return nil, err
	}
	return &terminal{dir: dir, id: id, queue: q, state: st, client: c}, nil
}

// submitted is what a test submitted, to compare with what arrived.
type submitted struct {
	rec      outbox.Record
	personal []byte
	attach   [][]byte
}

func (tm *terminal) submit(t testing.TB, kind outbox.Kind, personal string, attachments ...[]byte) submitted {
	t.Helper()
	sub := outbox.Submission{Kind: kind, Public: outbox.Public{Service: "SB-001"}, Personal: []byte(personal)}
	for i, a := range attachments {
		sub.Attachments = append(sub.Attachments, outbox.Attachment{Name: "doc-" + string(rune('a'+i)), Data: bytes.NewReader(a)})
	}
	r, err := tm.queue.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	return submitted{rec: r, personal: []byte(personal), attach: attachments}
}

// checkDelivered asserts every submission is at the district once, intact
// (the personal part and each attachment open to what was submitted), and
// acknowledged and purged on the terminal.
func checkDelivered(t testing.TB, b *backend, tm *terminal, subs []submitted) {
	t.Helper()
	all, err := b.d.Records("")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for _, s := range all {
		byID[s.Record.ID]++
	}
	for _, sub := range subs {
		if n := byID[sub.rec.ID]; n != 1 {
			t.Fatalf("record %s at the district %d times", sub.rec.ID, n)
		}
		got, err := b.d.Record(district.RecordRef{ID: sub.rec.ID})
		if err != nil {
			t.Fatal(err)
		}
		personal, err := b.d.Open(got)
		if err != nil || !bytes.Equal(personal, sub.personal) {
			t.Fatalf("record %s opened to %q, %v", sub.rec.ID, personal, err)
		}
		if len(got.Record.Attachments) != len(sub.attach) {
			t.Fatalf("record %s has %d attachments, want %d", sub.rec.ID, len(got.Record.Attachments), len(sub.attach))
		}
		for i, a := range got.Record.Attachments {
			var buf bytes.Buffer
			if err := b.d.OpenAttachment(got, a, &buf); err != nil || !bytes.Equal(buf.Bytes(), sub.attach[i]) {
				t.Fatalf("record %s attachment %d: %d bytes, %v", sub.rec.ID, i, buf.Len(), err)
			}
		}
		local, err := tm.queue.Get(sub.rec.ID)
		if err != nil || local.State != outbox.Acknowledged || local.Sealed != nil || local.Attachments != nil {
			t.Fatalf("record %s on the terminal: %s, %v", sub.rec.ID, local.State, err)
		}
	}
	if len(all) != len(subs) {
		t.Fatalf("district holds %d records, %d were submitted", len(all), len(subs))
	}
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0007")
	if tm.id.TerminalID != "HALL-0007" || tm.id.Site != "示范大厅" {
		t.Fatalf("identity %+v", tm.id)
	}
	info, _ := os.Stat(filepath.Join(IdentityDir(tm.dir), "terminal.key"))
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("terminal key mode %v", info.Mode().Perm())
	}

	photo := bytes.Repeat([]byte("face"), 40_000)
	subs := []submitted{
		tm.submit(t, outbox.Application, `{"name":"张三","id":"110101195001011234"}`, photo, []byte("户口簿首页")),
		tm.submit(t, outbox.Rating, `{"level":2,"reason":"等候太久"}`),
		tm.submit(t, outbox.Complaint, `{"topic":"窗口","phone":"13800138000"}`, []byte("照片")),
	}
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, b, tm, subs)
	st := tm.client.Status()
	if !st.Online || st.Sent != 3 || st.LastError != "" {
		t.Fatalf("status %+v", st)
	}

	// The heartbeat reached the district.
	terms, _ := b.d.Terminals()
	if len(terms) != 1 || terms[0].LastHeartbeat == nil || terms[0].LastHeartbeat.Devices["printer"] != "online" || terms[0].Quiet {
		t.Fatalf("terminals %+v", terms)
	}

	// Statuses come back: received on arrival, then staff's.
	if err := b.d.SetStatus(district.CommandLine, "", district.RecordRef{ID: subs[0].rec.ID}, "done", "已办结，请凭回执领取"); err != nil {
		t.Fatal(err)
	}
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	got, ok, _ := tm.state.RecordStatus(subs[0].rec.ID)
	if !ok || got.State != "done" || got.Message != "已办结，请凭回执领取" {
		t.Fatalf("status on the terminal: %+v %v", got, ok)
	}
	if got, ok, _ := tm.state.RecordStatus(subs[2].rec.ID); !ok || got.State != "received" {
		t.Fatalf("complaint status: %+v %v", got, ok)
	}

	// A new catalog arrives, verified.
	if _, err := b.d.PublishCatalog([]byte(`{"services":["SB-001"]}`)); err != nil {
		t.Fatal(err)
	}
	cfg := protocol.TerminalConfig{IdleSeconds: 120, ServiceHours: "08:00-20:00"}
	if _, err := b.d.PublishConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	cat, ok, _ := tm.state.Catalog()
	if !ok || cat.Version != 1 || string(cat.Body) != `{"services":["SB-001"]}` {
		t.Fatalf("catalog %+v %v", cat, ok)
	}
	if c, ok, _ := tm.state.Config(); !ok || c.IdleSeconds != 120 || c.Version != 1 {
		t.Fatalf("config %+v %v", c, ok)
	}

	// Sent twice (a terminal restored from a backup): answered duplicate,
	// stored once.
	dup := wireRecord(subs[1].rec)
	var resp protocol.RecordsResponse
	if _, err := tm.client.call(ctx, http.MethodPost, protocol.PathRecords, protocol.RecordsRequest{Records: []protocol.Record{dup}}, &resp); err != nil {
		t.Fatal(err)
	}
	if resp.Results[0].Status != protocol.Duplicate {
		t.Fatalf("second delivery answered %+v", resp.Results[0])
	}
	checkDelivered(t, b, tm, subs)
}

func TestCatalogTamperedOrOldIsRefused(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0008")
	b.d.PublishCatalog([]byte(`{"v":1}`))
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	v1, _, _ := b.d.Catalog()
	b.d.PublishCatalog([]byte(`{"v":2}`))

	// Something between district and terminal changes the catalog.
	b.setWrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != protocol.PathCatalog {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := bytes.Replace(rec.Body.Bytes(), []byte(`"version":2`), []byte(`"version":3`), 1)
			w.Write(body)
		})
	})
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := tm.state.Catalog(); c.Version != 1 {
		t.Fatalf("a tampered catalog was taken: version %d", c.Version)
	}
	if st := tm.client.Status(); !strings.Contains(st.CatalogRefused, "signature") || !st.Online {
		t.Fatalf("status %+v", st)
	}

	// The real v2 is taken; then an old one replayed is refused.
	b.setWrap(nil)
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := tm.state.Catalog(); c.Version != 2 {
		t.Fatalf("catalog version %d, want 2", c.Version)
	}
	b.setWrap(func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == protocol.PathCatalog {
				json.NewEncoder(w).Encode(v1)
				return
			}
			b.d.Handler().ServeHTTP(w, r)
		})
	})
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := tm.state.Catalog(); c.Version != 2 {
		t.Fatalf("an old catalog replaced the new: version %d", c.Version)
	}
	if st := tm.client.Status(); !strings.Contains(st.CatalogRefused, "older") {
		t.Fatalf("status %+v", st)
	}
}

func TestEnrollmentAndAccessRefusals(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	tok, _ := b.d.NewToken("网点", time.Hour)
	dir := t.TempDir()
	opt := EnrollOptions{Backend: b.url, Token: tok, TerminalID: "BANK-0001", Dir: IdentityDir(dir), KeysPath: filepath.Join(dir, "district.pub")}
	id, err := Enroll(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	// A token works once.
	other := t.TempDir()
	opt2 := opt
	opt2.Dir, opt2.KeysPath = IdentityDir(other), filepath.Join(other, "district.pub")
	var ae *AnswerError
	if _, err := Enroll(ctx, opt2); !errors.As(err, &ae) || ae.Err.Code != protocol.CodeBadToken {
		t.Fatalf("second use of a token: %v", err)
	}
	// A token naming another CA is refused before anything is sent.
	secret, _, _ := strings.Cut(tok, ".")
	opt2.Token = secret + "." + protocol.CAPin([]byte("another CA"))
	if _, err := Enroll(ctx, opt2); err == nil || !strings.Contains(err.Error(), "pin") {
		t.Fatalf("wrong pin: %v", err)
	}
	// A token without a pin needs the CA file.
	opt2.Token = secret
	if _, err := Enroll(ctx, opt2); err == nil || !strings.Contains(err.Error(), "--ca") {
		t.Fatalf("no pin: %v", err)
	}

	tm := openTerminal(t, dir, id, "")
	sub := tm.submit(t, outbox.Application, "x")
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}

	// A certificate from another district is refused by the TLS handshake.
	b2 := startBackend(t, t.TempDir())
	stranger := enrollTerminal(t, b2, "BANK-0001")
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(mustRead(t, filepath.Join(IdentityDir(dir), "ca.crt")))
	cfg := stranger.id.TLSConfig()
	cfg.RootCAs = pool // trusts our district, shows the other's certificate
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	if resp, err := hc.Get(b.url + protocol.PathStatuses); err == nil {
		resp.Body.Close()
		t.Fatalf("a foreign certificate was served: %s", resp.Status)
	}
	// No certificate at all: the handshake passes (enrollment needs it),
	// the endpoint does not.
	hc = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(b.url + protocol.PathStatuses)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no certificate: %s", resp.Status)
	}

	// Revoked: refused, and the status says a technician must act. The
	// queued record stays queued.
	if err := b.d.Revoke("BANK-0001"); err != nil {
		t.Fatal(err)
	}
	late := tm.submit(t, outbox.Application, "y")
	err = tm.client.Once(ctx)
	if !errors.As(err, &ae) || ae.Err.Code != protocol.CodeRevoked {
		t.Fatalf("revoked terminal: %v", err)
	}
	if st := tm.client.Status(); !st.Revoked {
		t.Fatalf("status %+v", st)
	}
	if r, _ := tm.queue.Get(late.rec.ID); r.State != outbox.Queued {
		t.Fatalf("record of a revoked terminal: %s", r.State)
	}
	if r, _ := tm.queue.Get(sub.rec.ID); r.State != outbox.Acknowledged {
		t.Fatalf("earlier record: %s", r.State)
	}

	// Enrolled again with a new token: the new certificate works, the old
	// one stays refused.
	tok2, _ := b.d.NewTokenFor("网点", "BANK-0001", time.Hour)
	fresh := t.TempDir()
	id2, err := Enroll(ctx, EnrollOptions{Backend: b.url, Token: tok2, TerminalID: "BANK-0001", Dir: IdentityDir(fresh), KeysPath: filepath.Join(fresh, "district.pub")})
	if err != nil {
		t.Fatal(err)
	}
	if err := tm.client.Once(ctx); !errors.As(err, &ae) || ae.Err.Code != protocol.CodeRevoked {
		t.Fatalf("superseded certificate: %v", err)
	}
	tm.client, _ = New(Options{Identity: id2, Queue: tm.queue, State: tm.state})
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := tm.queue.Get(late.rec.ID); r.State != outbox.Acknowledged {
		t.Fatalf("record after re-enrollment: %s", r.State)
	}
}

func TestExpiredTokenIsRefused(t *testing.T) {
	b := startBackend(t, t.TempDir())
	tok, err := b.d.NewToken("大厅", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	dir := t.TempDir()
	_, err = Enroll(context.Background(), EnrollOptions{Backend: b.url, Token: tok, TerminalID: "HALL-0009", Dir: IdentityDir(dir), KeysPath: filepath.Join(dir, "k")})
	var ae *AnswerError
	if !errors.As(err, &ae) || ae.Err.Code != protocol.CodeBadToken {
		t.Fatalf("expired token: %v", err)
	}
	if _, err := LoadIdentity(IdentityDir(dir)); !errors.Is(err, ErrNotEnrolled) {
		t.Fatalf("a refused enrollment left an identity: %v", err)
	}
}

func TestSealedToAnotherKeyIsRejectedAndDoesNotBlock(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0010")
	good1 := tm.submit(t, outbox.Application, "before")
	// A record sealed to a key the district does not hold (a terminal
	// provisioned with the wrong key file).
	stray, _ := age.GenerateX25519Identity()
	secret, _ := outbox.LoadOrCreateSecret(filepath.Join(tm.dir, "index.key"))
	tm.queue.Close()
	tm.state.Close()
	wrong, err := outbox.Open(outbox.Options{Dir: tm.dir, Recipients: []age.Recipient{stray.Recipient()}, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := wrong.Submit(ctx, outbox.Submission{Kind: outbox.Application, Personal: []byte("lost")})
	wrong.Close()
	reopened := openTerminal(t, tm.dir, tm.id, "")
	good2 := reopened.submit(t, outbox.Application, "after")
	if err := reopened.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	r, _ := reopened.queue.Get(bad.ID)
	if r.State != outbox.Rejected || !strings.Contains(r.Reason, "does not open") {
		t.Fatalf("record sealed to a stranger: %s %q", r.State, r.Reason)
	}
	good1.rec, good2.rec = mustGet(t, reopened, good1.rec.ID), mustGet(t, reopened, good2.rec.ID)
	if good1.rec.State != outbox.Acknowledged || good2.rec.State != outbox.Acknowledged {
		t.Fatalf("records around the rejected one: %s, %s", good1.rec.State, good2.rec.State)
	}
	if st := reopened.client.Status(); st.Rejected != 1 || st.Sent != 2 {
		t.Fatalf("status %+v", st)
	}
}

func mustGet(t testing.TB, tm *terminal, id string) outbox.Record {
	r, err := tm.queue.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustRead(t testing.TB, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// FuzzAnswerError feeds the decoder of the district's error bodies.
func FuzzAnswerError(f *testing.F) {
	f.Add(400, []byte(`{"code":"bad_request","message":"batch empty"}`))
	f.Add(503, []byte(`<html>proxy error</html>`))
	f.Add(409, []byte(`{"code":`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := answerError(&http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body))})
		var ae *AnswerError
		if !errors.As(err, &ae) || ae.Status != status || ae.Err.Code == "" {
			t.Fatalf("answer %d %q gave %#v", status, body, err)
		}
	})
}

// A record the district could never take, and one whose attachment was
// damaged on the terminal after it was sealed, are set aside with why;
// the records around them go.
func TestBrokenRecordsDoNotBlockTheQueue(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0011")
	before := tm.submit(t, outbox.Application, "before")
	bad, err := tm.queue.Submit(ctx, outbox.Submission{Kind: outbox.Application, Public: outbox.Public{Service: "社保(养老)\n"}, Personal: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("scan"), 100_000) // 400 KB: kept as a file
	damaged := tm.submit(t, outbox.Application, "damaged", big)
	after := tm.submit(t, outbox.Application, "after", []byte("photo"))

	// Cut the file short, as a failing disk might.
	var path string
	filepath.WalkDir(tm.dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p) == damaged.rec.Attachments[0].File {
			path = p
		}
		return nil
	})
	if path == "" {
		t.Fatal("the large attachment is not a file")
	}
	if err := os.Truncate(path, 1000); err != nil {
		t.Fatal(err)
	}
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{bad.ID: "breaks the protocol", damaged.rec.ID: "short"} {
		r, _ := tm.queue.Get(id)
		if r.State != outbox.Rejected || !strings.Contains(r.Reason, want) {
			t.Fatalf("record %s: %s %q, want rejected for %q", id, r.State, r.Reason, want)
		}
	}
	for _, s := range []submitted{before, after} {
		if r, _ := tm.queue.Get(s.rec.ID); r.State != outbox.Acknowledged {
			t.Fatalf("record %s: %s", s.rec.ID, r.State)
		}
	}
}

// TestAttachmentsOverTheQuotaWaitTheirTurn: a district that holds no more
// of this terminal's attachments before their records come answers
// over_quota; the terminal sends the records whose attachments are there,
// which makes room, and the rest go in later rounds — none is rejected.
func TestAttachmentsOverTheQuotaWaitTheirTurn(t *testing.T) {
	ctx := context.Background()
	b := serveBackend(t, district.Options{Dir: t.TempDir(), Name: "示范区", AttachmentQuota: 300_000}, "127.0.0.1:0")
	tm := enrollTerminal(t, b, "HALL-0012")
	var subs []submitted
	for i := range 6 {
		subs = append(subs, tm.submit(t, outbox.Application, "申请 "+string(rune('A'+i)), bytes.Repeat([]byte{byte(i)}, 100_000)))
	}
	rounds := 0
	for ; rounds < 10; rounds++ {
		if err := tm.client.Once(ctx); err != nil {
			t.Fatal(err)
		}
		waiting, err := tm.queue.Waiting(0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(waiting) == 0 {
			break
		}
		if rounds == 0 && len(waiting) == len(subs) {
			t.Fatal("nothing went in the first round")
		}
	}
	if rounds < 1 {
		t.Fatal("six attachments of 100 KB went in one round under a 300 KB quota")
	}
	t.Logf("delivered in %d rounds", rounds+1)
	checkDelivered(t, b, tm, subs)
}

// TestAQuotaFullOfHalfRecordsIsCleared: four uploads go at once, and the
// district happens to take the first attachment of each of two records
// (their second ones are slow): the seconds are over its quota, neither
// record is complete, and none can make room. The terminal has the
// district drop its unnamed attachments and sends the first record alone;
// the next round sends the other.
func TestAQuotaFullOfHalfRecordsIsCleared(t *testing.T) {
	ctx := context.Background()
	b := serveBackend(t, district.Options{Dir: t.TempDir(), Name: "示范区", AttachmentQuota: 310_000}, "127.0.0.1:0")
	tm := enrollTerminal(t, b, "HALL-0013")
	subs := []submitted{
		tm.submit(t, outbox.Application, "R1", bytes.Repeat([]byte{1}, 150_000), bytes.Repeat([]byte{2}, 150_000)),
		tm.submit(t, outbox.Application, "R2", bytes.Repeat([]byte{3}, 150_000), bytes.Repeat([]byte{4}, 150_000)),
	}
	slow := map[string]bool{protocol.PathBlobs + blobName(subs[0].rec.Attachments[1]): true, protocol.PathBlobs + blobName(subs[1].rec.Attachments[1]): true}
	var refused atomic.Int32
	b.setWrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch && slow[r.URL.Path] {
				time.Sleep(300 * time.Millisecond)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code == http.StatusInsufficientStorage {
					refused.Add(1)
				}
				for k, v := range rec.Header() {
					w.Header()[k] = v
				}
				w.WriteHeader(rec.Code)
				w.Write(rec.Body.Bytes())
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	for round := 0; round < 3; round++ {
		if err := tm.client.Once(ctx); err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			b.setWrap(nil)
			if refused.Load() != 2 {
				t.Fatalf("the test did not set the scene: %d second attachments refused, want 2", refused.Load())
			}
		}
	}
	checkDelivered(t, b, tm, subs)
}

// TestARecordLargerThanTheRoomIsHeldBack: a record whose attachments alone
// are more than the district takes before their record stays queued (to be
// carried on a stick), is said so in the status, and is not sent again and
// again; the records behind it go.
func TestARecordLargerThanTheRoomIsHeldBack(t *testing.T) {
	ctx := context.Background()
	b := serveBackend(t, district.Options{Dir: t.TempDir(), Name: "示范区", AttachmentQuota: 310_000}, "127.0.0.1:0")
	tm := enrollTerminal(t, b, "HALL-0014")
	tm.client.opt.Uploads = 1
	big := tm.submit(t, outbox.Application, "big", bytes.Repeat([]byte{1}, 150_000), bytes.Repeat([]byte{2}, 150_000), bytes.Repeat([]byte{3}, 150_000))
	behind := []submitted{tm.submit(t, outbox.Complaint, `{"type":"complaint","text":"a complaint, no photo"}`), tm.submit(t, outbox.Application, "small", []byte("photo"))}
	for range 3 {
		if err := tm.client.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	checkDelivered(t, b, tm, behind)
	if r := mustGet(t, tm, big.rec.ID); r.State != outbox.Queued {
		t.Fatalf("the large record: %s %q, want it queued", r.State, r.Reason)
	}
	if st := tm.client.Status(); st.Held != 1 || st.LastError != "" {
		t.Fatalf("status: held %d, last error %q", st.Held, st.LastError)
	}
	var patches atomic.Int32
	b.setWrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch {
				patches.Add(1)
			}
			h.ServeHTTP(w, r)
		})
	})
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if patches.Load() != 0 {
		t.Fatalf("the held record's attachments were sent again: %d uploads", patches.Load())
	}
}

// TestAnImportWhileTheTerminalSends: staff import records a terminal
// carried on a stick while the terminal, online again, sends others under
// a small quota: the import's attachments neither count against the
// terminal's room nor go when the terminal clears it, so every imported
// record is stored and none of the terminal's own is held back.
func TestAnImportWhileTheTerminalSends(t *testing.T) {
	ctx := context.Background()
	b := serveBackend(t, district.Options{Dir: t.TempDir(), Name: "示范区", AttachmentQuota: 310_000}, "127.0.0.1:0")
	tm := enrollTerminal(t, b, "HALL-0015")
	// The stick's records come from the same terminal's key, in an outbox
	// of their own (a copy of the queue as it was when exported).
	stickQueue := t.TempDir()
	if err := os.WriteFile(filepath.Join(stickQueue, "district.pub"), mustRead(t, filepath.Join(tm.dir, "district.pub")), 0o600); err != nil {
		t.Fatal(err)
	}
	old := openTerminal(t, stickQueue, tm.id, "")
	for i := range 20 {
		old.submit(t, outbox.Application, "from the stick", bytes.Repeat([]byte{byte(i), 1}, 60_000), bytes.Repeat([]byte{byte(i), 2}, 60_000))
	}
	folder, _, err := old.queue.Export(t.TempDir(), "HALL-0015", tm.id.SignExport)
	if err != nil {
		t.Fatal(err)
	}
	imported := make(chan district.ImportReport, 1)
	var importErr error
	go func() {
		rep, err := b.d.Import(folder)
		importErr = err
		imported <- rep
	}()
	var own []submitted
	var rep district.ImportReport
	for done := false; !done; {
		select {
		case rep = <-imported:
			done = true
		default:
		}
		own = append(own, tm.submit(t, outbox.Application, "sent online", bytes.Repeat([]byte{byte(len(own)), 3}, 100_000)))
		if err := tm.client.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d records sent online while the import ran", len(own))
	if importErr != nil || rep.Accepted != 20 || len(rep.Rejected) != 0 {
		t.Fatalf("import: %+v %v", rep, importErr)
	}
	if st := tm.client.Status(); st.Held != 0 {
		t.Fatalf("%d of the terminal's own records held back", st.Held)
	}
	for range 3 {
		if err := tm.client.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range own {
		if r := mustGet(t, tm, sub.rec.ID); r.State != outbox.Acknowledged {
			t.Fatalf("the terminal's record %s: %s", sub.rec.ID, r.State)
		}
	}
}

// TestChangedFollowsTheStatus: the terminal is told each time the link's
// status changes — what lets its status bar rest between changes.
func TestChangedFollowsTheStatus(t *testing.T) {
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0016")
	var changes atomic.Int32
	tm.client.opt.Changed = func() { changes.Add(1) }
	tm.submit(t, outbox.Application, "申请")
	if err := tm.client.Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if changes.Load() < 2 { // the records delivered, the round's end
		t.Fatalf("told of %d changes in a round that delivered a record", changes.Load())
	}
}

// The district finding an attachment's bytes wrong (damaged on the way)
// is not the terminal's damage: the terminal checks its own copy, and
// sends it again next round.
func TestDistrictSideHashMismatchIsRetried(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0012")
	sub := tm.submit(t, outbox.Application, "x", []byte("a photo"))
	b.setWrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch {
				w.WriteHeader(http.StatusBadRequest)
				json.NewEncoder(w).Encode(protocol.Error{Code: protocol.CodeBadRequest, Message: "blob bytes do not match its SHA-256; send it again"})
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	if err := tm.client.Once(ctx); err == nil {
		t.Fatal("the round succeeded while every upload was refused")
	}
	if r, _ := tm.queue.Get(sub.rec.ID); r.State != outbox.Queued {
		t.Fatalf("record after a district-side mismatch: %s %q", r.State, r.Reason)
	}
	b.setWrap(nil)
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, b, tm, []submitted{sub})
}

// A catalog that verifies but that the screens could not read is not
// taken either.
func TestCatalogTheScreensRefuseIsNotTaken(t *testing.T) {
	ctx := context.Background()
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-0013")
	tm.client.opt.CheckCatalog = func(body []byte) error {
		if !bytes.Contains(body, []byte("services")) {
			return errors.New("catalog: no services")
		}
		return nil
	}
	b.d.PublishCatalog([]byte(`{"services":[]}`))
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	b.d.PublishCatalog([]byte(`{"nothing":true}`))
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := tm.state.Catalog(); c.Version != 1 {
		t.Fatalf("took catalog %d", c.Version)
	}
	if st := tm.client.Status(); !strings.Contains(st.CatalogRefused, "no services") {
		t.Fatalf("status %+v", st)
	}
}
