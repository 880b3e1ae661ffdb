package console

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/client/clienttest"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/passhash"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// rig is a district serving terminals over mutual TLS on loopback, its
// console, and one enrolled terminal that sends records the way a kiosk
// does (outbox, sync client).
type rig struct {
	t       *testing.T
	d       *district.District
	clk     *clock
	console *Console
	srv     *httptest.Server // the console
	term    *terminalSim
	// districtURL is where terminals reach the district.
	districtURL string
	// dir is the district's data folder.
	dir string
}

// terminalSim is an enrolled terminal's outbox, sync state and client.
type terminalSim struct {
	hb     atomic.Pointer[protocol.Heartbeat] // what its heartbeats say
	id     string
	queue  *outbox.Store
	state  *client.State
	client *client.Client
}

var rigPassword = "correct horse 42"

func newRig(t *testing.T) *rig {
	t.Helper()
	clk := &clock{now: time.Now()}
	dir := t.TempDir()
	d, err := district.Open(district.Options{Dir: dir, Now: clk.Now, PasswordCost: passhash.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { defer close(served); d.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-served; d.Close() })
	for name, role := range map[string]district.Role{"li": district.RoleStaff, "zhao": district.RoleSupervisor, "admin": district.RoleAdmin} {
		if err := d.AddStaff(district.CommandLine, name, role, rigPassword); err != nil {
			t.Fatal(err)
		}
	}
	c := New(Options{District: d, Now: clk.Now})
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	r := &rig{t: t, d: d, clk: clk, console: c, srv: srv, districtURL: "https://" + ln.Addr().String(), dir: dir}
	r.term = r.enroll("HALL-0001", r.districtURL)
	return r
}

func (r *rig) enroll(id, url string) *terminalSim {
	tok, err := r.d.NewToken("江北大厅", time.Hour)
	if err != nil {
		r.t.Fatal(err)
	}
	return r.enrollWith(id, url, tok)
}

// enrollWith enrolls a terminal with a token staff were given.
func (r *rig) enrollWith(id, url, tok string) *terminalSim {
	tm := &terminalSim{id: id}
	tm.hb.Store(&protocol.Heartbeat{Software: "1.0.0", Devices: map[string]string{"idcard": "online", "printer": "online"}})
	parts := clienttest.Enroll(r.t, url, tok, id, func() protocol.Heartbeat { return *tm.hb.Load() })
	tm.queue, tm.state, tm.client = parts.Queue, parts.State, parts.Client
	return tm
}

// submit queues a record as the kiosk's journeys do and syncs it.
func (tm *terminalSim) submit(t *testing.T, kind outbox.Kind, service, receipt string, personal any, attachments map[string][]byte) outbox.Record {
	t.Helper()
	data, _ := json.Marshal(personal)
	sub := outbox.Submission{Kind: kind, Public: outbox.Public{Service: service, Receipt: receipt}, Personal: data}
	for name, a := range attachments {
		sub.Attachments = append(sub.Attachments, outbox.Attachment{Name: name, Data: bytes.NewReader(a)})
	}
	rec, err := tm.queue.Submit(context.Background(), sub)
	if err != nil {
		t.Fatal(err)
	}
	tm.sync(t)
	return rec
}

// sync runs one round: records up, statuses down.
func (tm *terminalSim) sync(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tm.client.Once(ctx); err != nil {
		t.Fatal(err)
	}
}

// status is the state and message the terminal holds for its record.
func (tm *terminalSim) status(t *testing.T, id string) protocol.Status {
	t.Helper()
	st, _, err := tm.state.RecordStatus(id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// browser is a browser signed in to the rig's console as name.
func (r *rig) browser(name string) *browser {
	r.t.Helper()
	b := &browser{t: r.t, srv: r.srv, cookies: map[string]*http.Cookie{}}
	if resp := b.logIn(name, rigPassword); resp.StatusCode != http.StatusSeeOther {
		r.t.Fatalf("%s logging in: %d\n%s", name, resp.StatusCode, b.body)
	}
	return b
}
