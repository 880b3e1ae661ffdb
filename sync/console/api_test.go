package console

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

func apiGet(t *testing.T, r *rig, token, path string, into any) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("GET", r.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if into != nil {
		if s, ok := into.(*string); ok {
			*s = string(data)
		} else if resp.StatusCode == 200 {
			if err := json.Unmarshal(data, into); err != nil {
				t.Fatalf("%s: %v\n%s", path, err, data)
			}
		}
	}
	return resp
}

// TestFeedAndRecordsAPI: another system pages through every change with
// its cursor and sees each once, with nothing personal in it; with the
// records scope it opens a record and its attachment, and that is in the
// audit trail; a token it lacks the scope for, no token, a revoked one
// and a malformed cursor are refused.
func TestFeedAndRecordsAPI(t *testing.T) {
	r := newRig(t)
	events, err := r.d.NewAPIToken(district.CommandLine, "haochaping", []string{district.ScopeEvents})
	if err != nil {
		t.Fatal(err)
	}
	records, err := r.d.NewAPIToken(district.CommandLine, "approval", []string{district.ScopeEvents, district.ScopeRecords})
	if err != nil {
		t.Fatal(err)
	}
	pic := photo(t)
	const receipt = "HALL-0001-261207-090000"
	app := r.term.submit(t, outbox.Application, "SB-001", receipt, sampleApplication(receipt), map[string][]byte{"face.jpg": pic})
	r.term.submit(t, outbox.Rating, "SB-001", receipt, map[string]any{"level": 2, "reason": "态度差", "phone": "13900139000"}, nil)
	if err := r.d.SetStatus("li", "", district.RecordRef{Terminal: "HALL-0001", ID: app.ID}, "accepted", "已受理"); err != nil {
		t.Fatal(err)
	}

	var all []district.FeedEvent
	var cursor uint64
	for pages := 0; ; pages++ {
		var page district.FeedPage
		if resp := apiGet(t, r, events, "/api/v1/events?limit=2&after="+itoa64(cursor), &page); resp.StatusCode != 200 {
			t.Fatalf("events: %d", resp.StatusCode)
		}
		all = append(all, page.Events...)
		cursor = page.Next
		if !page.More || pages > 10 {
			break
		}
	}
	types := ""
	for _, ev := range all {
		types += ev.Type + " "
		if ev.Site != "江北大厅" {
			t.Errorf("event %d without its site: %+v", ev.Seq, ev)
		}
	}
	if types != "record record rating case status " {
		t.Fatalf("the feed: %s\n%+v", types, all)
	}
	data, _ := json.Marshal(all)
	for _, secret := range []string{"张三丰", "110101195001011234", "13900139000", "13800138000"} {
		if strings.Contains(string(data), secret) {
			t.Fatalf("the feed carries %q", secret)
		}
	}
	var again district.FeedPage
	apiGet(t, r, events, "/api/v1/events?after="+itoa64(cursor), &again)
	if len(again.Events) != 0 || again.Next != cursor {
		t.Fatalf("after the end: %+v", again)
	}

	path := "/api/v1/records/HALL-0001/" + app.ID
	if resp := apiGet(t, r, events, path, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a record without the scope: %d", resp.StatusCode)
	}
	var rec apiRecord
	if resp := apiGet(t, r, records, path, &rec); resp.StatusCode != 200 || rec.State != "accepted" || len(rec.Attachments) != 1 || !strings.Contains(string(rec.Personal), "张三丰") {
		t.Fatalf("the record: %d %+v", resp.StatusCode, rec)
	}
	var body string
	if resp := apiGet(t, r, records, rec.Attachments[0].URL, &body); resp.StatusCode != 200 || body != string(pic) {
		t.Fatalf("the attachment: %d, %d bytes", resp.StatusCode, len(body))
	}
	trail, _ := r.d.AuditTrail(0, 100)
	viewed := 0
	for _, ev := range trail {
		if ev.Staff == "api:approval" && ev.Object == "HALL-0001/"+app.ID {
			viewed++
		}
	}
	if viewed != 2 {
		t.Fatalf("%d API views in the audit trail", viewed)
	}

	if resp := apiGet(t, r, "", "/api/v1/events", nil); resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	if resp := apiGet(t, r, events, "/api/v1/events?after=-1", nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a malformed cursor: %d", resp.StatusCode)
	}
	if err := r.d.RevokeAPIToken(district.CommandLine, "haochaping"); err != nil {
		t.Fatal(err)
	}
	if resp := apiGet(t, r, events, "/api/v1/events", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a revoked token: %d", resp.StatusCode)
	}
	// A session cookie is no API token, and an API token opens no page.
	b := r.browser("li")
	if resp := b.do("GET", "/api/v1/events", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a staff session on the API: %d", resp.StatusCode)
	}
	var login string
	if apiGet(t, r, records, "/applications", &login); !strings.Contains(login, `name="password"`) {
		t.Fatalf("an API token on a page is not sent to log in:\n%s", login)
	}
}

func itoa64(n uint64) string { return strconv.FormatUint(n, 10) }
