package client

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// TestReleasesAsksTheDistrictOverItsOwnTLS: the updater's link gets no
// target before a promotion, the configuration's window, and refuses an
// answer it could not pass to apt.
func TestReleasesAsksTheDistrictOverItsOwnTLS(t *testing.T) {
	b := startBackend(t, t.TempDir())
	tm := enrollTerminal(t, b, "HALL-U")
	r := NewReleases(tm.id)
	ctx := context.Background()
	if _, ok, err := r.Target(ctx); ok || err != nil {
		t.Fatalf("no ring version: ok %v err %v", ok, err)
	}
	if c, err := r.Config(ctx); err != nil || c.Version != 0 {
		t.Fatalf("no configuration: %+v %v", c, err)
	}
	if _, err := b.d.PublishConfig(protocol.TerminalConfig{ServiceHours: "08:00-20:00", UpdateWindow: "22:00-06:00"}); err != nil {
		t.Fatal(err)
	}
	if c, err := r.Config(ctx); err != nil || c.UpdateWindow != "22:00-06:00" {
		t.Fatalf("configuration: %+v %v", c, err)
	}
	// No repository: the key is a clear error.
	if _, err := r.Key(ctx); err == nil {
		t.Error("a key from a district with no repository")
	}
	// A district (or a man in the middle with its certificate) naming a
	// version apt would read as an option is refused.
	b.setWrap(func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if req.URL.Path == protocol.PathRelease {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"ring":"all","version":"--reinstall"}`))
				return
			}
			h.ServeHTTP(w, req)
		})
	})
	if _, _, err := r.Target(ctx); err == nil || !strings.Contains(err.Error(), "not a Debian version") {
		t.Errorf("a malformed version: %v", err)
	}
}
