package district

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/release"
	"github.com/yizhan-kiosk/yizhan/sync/release/releasetest"
)

// releaseRepo makes the district's release repository with versions in
// it, or skips without aptly and GnuPG.
func releaseRepo(t testing.TB, d *District, versions ...string) {
	t.Helper()
	releasetest.Repo(t, ReleaseDir(d.opt.Dir), "测试区", versions...)
}

func TestReleasesGoThroughTheRingsInOrder(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	if err := d.Promote("admin", "", "canary", "1", false); !errors.Is(err, release.ErrNoRepository) {
		t.Fatalf("a promotion with no repository: %v", err)
	}
	releaseRepo(t, d, "1", "2")
	enroll(t, d, "HALL-C")
	enroll(t, d, "HALL-E")
	enroll(t, d, "HALL-A")
	if err := d.AssignRing("admin", "", "HALL-C", "canary"); err != nil {
		t.Fatal(err)
	}
	if err := d.AssignRing("admin", "", "HALL-E", "early"); err != nil {
		t.Fatal(err)
	}
	if err := d.AssignRing("admin", "", "HALL-E", "beta"); err == nil {
		t.Error("a ring that does not exist was taken")
	}
	if err := d.AssignRing("admin", "", "NO-SUCH", "early"); err == nil {
		t.Error("an unknown terminal was put in a ring")
	}
	if _, ok, err := d.ReleaseTarget("HALL-A"); ok || err != nil {
		t.Fatalf("before any promotion: ok %v err %v", ok, err)
	}
	if err := d.Promote("admin", "", "canary", "9", false); err == nil || !strings.Contains(err.Error(), "not in the release repository") {
		t.Errorf("a version not in the repository: %v", err)
	}
	if err := d.Promote("admin", "", "all", "1", false); !errors.Is(err, ErrRingOrder) {
		t.Errorf("all before canary: %v", err)
	}
	for _, ring := range Rings {
		if err := d.Promote("admin", "", ring, "1", false); err != nil {
			t.Fatalf("%s: %v", ring, err)
		}
	}
	if err := d.Promote("admin", "", "canary", "2", false); err != nil {
		t.Fatal(err)
	}
	want := map[string]protocol.ReleaseTarget{"HALL-C": {Ring: "canary", Version: "2"}, "HALL-E": {Ring: "early", Version: "1"}, "HALL-A": {Ring: "all", Version: "1"}}
	for id, w := range want {
		if got, ok, err := d.ReleaseTarget(id); err != nil || !ok || got != w {
			t.Errorf("%s: %+v %v %v, want %+v", id, got, ok, err, w)
		}
	}
	// A forced promotion skips the order, and says so in the audit trail.
	if err := d.Promote("admin", "", "all", "2", true); err != nil {
		t.Fatal(err)
	}
	trail, _ := d.AuditTrail(0, 100)
	var promoted []string
	for _, ev := range trail {
		if ev.Action == AuditReleasePromoted {
			promoted = append(promoted, ev.Object+" "+ev.Detail)
		}
	}
	if len(promoted) != 5 || !strings.HasSuffix(promoted[4], "(forced)") {
		t.Errorf("audit trail: %q", promoted)
	}

	// The rings as the terminals report them.
	d.Heartbeat("HALL-C", protocol.Heartbeat{Software: "x", Update: &protocol.UpdateReport{ID: "a", Version: "2", From: "1",
		Result: protocol.UpdateRolledBack, Reason: "self-test failed", Running: "1", Refused: []string{"2"}, At: time.Now()}})
	d.Heartbeat("HALL-A", protocol.Heartbeat{Software: "x", Update: &protocol.UpdateReport{ID: "b", Version: "2", From: "1",
		Result: protocol.UpdateInstalled, Running: "2", At: time.Now()}})
	rings, err := d.RingStates()
	if err != nil {
		t.Fatal(err)
	}
	if r := rings[0]; r.Name != "canary" || r.Version != "2" || r.Terminals != 1 || r.Running != 0 || !slices.Equal(r.RolledBack, []string{"HALL-C"}) {
		t.Errorf("canary: %+v", r)
	}
	if r := rings[2]; r.Name != "all" || r.Version != "2" || r.Terminals != 1 || r.Running != 1 {
		t.Errorf("all: %+v", r)
	}
}

// TestTerminalsReachTheirReleaseOverMutualTLS: the target, the key and the
// repository are a terminal's only, over the same TLS as sync.
func TestTerminalsReachTheirReleaseOverMutualTLS(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	releaseRepo(t, d, "1")
	cert := terminalCert(t, d, "HALL-1")
	addr := serveOn(t, d)
	pool := x509.NewCertPool()
	ca, _ := x509.ParseCertificate(d.CA())
	pool.AddCert(ca)
	client := func(certs ...tls.Certificate) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: certs}}}
	}
	get := func(c *http.Client, path string) (int, []byte) {
		resp, err := c.Get("https://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	term, anon := client(cert), client()
	if code, _ := get(term, protocol.PathRelease); code != http.StatusNoContent {
		t.Errorf("no version promoted: %d", code)
	}
	d.Promote("admin", "", "canary", "1", false)
	d.Promote("admin", "", "early", "1", false)
	d.Promote("admin", "", "all", "1", false)
	if code, b := get(term, protocol.PathRelease); code != 200 || !strings.Contains(string(b), `"version":"1"`) {
		t.Errorf("target: %d %s", code, b)
	}
	repo, _ := d.Releases()
	key, _ := repo.PublicKey()
	if code, b := get(term, protocol.PathReleaseKey); code != 200 || !slices.Equal(b, key) {
		t.Errorf("key: %d, %d bytes", code, len(b))
	}
	if code, b := get(term, protocol.PathRepo+"dists/yizhan/InRelease"); code != 200 || !strings.Contains(string(b), "SIGNED MESSAGE") {
		t.Errorf("InRelease: %d", code)
	}
	if code, _ := get(term, protocol.PathRepo+"../release/gnupg/pubring.kbx"); code != 404 {
		t.Errorf("outside the published tree: %d", code)
	}
	for _, p := range []string{protocol.PathRelease, protocol.PathReleaseKey, protocol.PathRepo + "dists/yizhan/InRelease"} {
		if code, _ := get(anon, p); code != http.StatusUnauthorized {
			t.Errorf("%s without a certificate: %d", p, code)
		}
	}
	d.Revoke("HALL-1")
	if code, _ := get(term, protocol.PathRepo+"dists/yizhan/InRelease"); code != http.StatusForbidden {
		t.Errorf("a revoked terminal: %d", code)
	}
}

// BenchmarkRepoDownload is one terminal's download of a release the size
// of the terminal's package (40 MB) from districtd's repository over
// mutual TLS, connection included: what a ring's terminals ask of the
// district when a version is promoted.
func BenchmarkRepoDownload(b *testing.B) {
	d := open(b, b.TempDir(), &clock{now: time.Now()})
	deb := releasetest.Deb(b, release.Package, "1", release.Architecture, 40<<20)
	releaseRepo(b, d)
	repo, _ := d.Releases()
	if _, err := repo.Add(context.Background(), deb); err != nil {
		b.Fatal(err)
	}
	cert := terminalCert(b, d, "HALL-1")
	addr := serveOn(b, d)
	pool := x509.NewCertPool()
	ca, _ := x509.ParseCertificate(d.CA())
	pool.AddCert(ca)
	url := "https://" + addr + protocol.PathRepo + "pool/main/y/yizhan/yizhan_1_amd64.deb"
	b.SetBytes(40 << 20)
	b.ResetTimer()
	for b.Loop() {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
		resp, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || n < 40<<20 {
			b.Fatalf("%d, %d bytes", resp.StatusCode, n)
		}
		c.CloseIdleConnections()
	}
}

// TestAStalledDownloadIsCut: a terminal that asks for a release and then
// reads nothing is cut once a write has waited BodyIdle; it holds no
// connection for ever.
func TestAStalledDownloadIsCut(t *testing.T) {
	d := open(t, t.TempDir(), &clock{now: time.Now()})
	d.opt.BodyIdle = 500 * time.Millisecond
	releaseRepo(t, d)
	repo, _ := d.Releases()
	deb := releasetest.Deb(t, release.Package, "1", release.Architecture, 16<<20)
	if _, err := repo.Add(context.Background(), deb); err != nil {
		t.Fatal(err)
	}
	cert := terminalCert(t, d, "HALL-1")
	conn, err := tls.Dial("tcp", serveOn(t, d), &tls.Config{InsecureSkipVerify: true, Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %spool/main/y/yizhan/yizhan_1_amd64.deb HTTP/1.1\r\nHost: district\r\n\r\n", protocol.PathRepo)
	time.Sleep(3 * time.Second) // reads nothing: the district's writes wait
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, conn)
	if n >= 16<<20 {
		t.Fatalf("the whole release came (%d bytes): the stalled download was not cut", n)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the district kept the connection open after %d bytes", n)
	}
	t.Logf("cut after %d bytes (the buffers' worth): %v", n, err)
}
