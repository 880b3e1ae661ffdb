package console

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// The API other systems pull from (docs/integration.md): the feed of
// changes with a cursor, and — for a client holding the "records" scope —
// a record opened, with its attachments. A client sends the token an admin
// issued (districtd api token add) as "Authorization: Bearer TOKEN".
// Every record opened is recorded in the audit trail as the client's.

// apiClient authenticates the request and checks its scope, or answers
// the refusal itself.
func (c *Console) apiClient(w http.ResponseWriter, r *http.Request, scope string) (district.APIClient, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="district"`)
		apiError(w, http.StatusUnauthorized, "an API token is needed: Authorization: Bearer TOKEN")
		return district.APIClient{}, false
	}
	client, err := c.opt.District.APIClientOf(token)
	switch {
	case errors.Is(err, district.ErrAPIToken):
		w.Header().Set("WWW-Authenticate", `Bearer realm="district", error="invalid_token"`)
		apiError(w, http.StatusUnauthorized, "the token is not one the district issued, or it was revoked")
		return client, false
	case err != nil:
		c.opt.Log.Error("console: API token", "err", err)
		apiError(w, http.StatusInternalServerError, "the district could not check the token")
		return client, false
	case !client.Can(scope):
		apiError(w, http.StatusForbidden, "the token does not hold the scope "+scope)
		return client, false
	}
	return client, true
}

func apiError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": message})
}

func apiJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// apiEvents is GET /api/v1/events?after=CURSOR&limit=N.
func (c *Console) apiEvents(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.apiClient(w, r, district.ScopeEvents); !ok {
		return
	}
	q := r.URL.Query()
	after, err := parseUintParam(q.Get("after"))
	if err != nil {
		apiError(w, http.StatusBadRequest, "after: a cursor is a number, the next of the page before")
		return
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 1000 {
			apiError(w, http.StatusBadRequest, "limit: 1 to 1000")
			return
		}
	}
	page, err := c.opt.District.Feed(after, limit)
	if err != nil {
		c.opt.Log.Error("console: feed", "err", err)
		apiError(w, http.StatusInternalServerError, "the district could not read its feed")
		return
	}
	apiJSON(w, page)
}

func parseUintParam(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// apiRecord is one record as the API gives it, opened.
type apiRecord struct {
	Record      string          `json:"record"`
	Kind        string          `json:"kind"`
	Terminal    string          `json:"terminal"`
	Site        string          `json:"site,omitempty"`
	Service     string          `json:"service,omitempty"`
	Receipt     string          `json:"receipt,omitempty"`
	Created     time.Time       `json:"created"`
	Received    time.Time       `json:"received"`
	State       string          `json:"state,omitempty"`
	Message     string          `json:"message,omitempty"`
	Personal    json.RawMessage `json:"personal"`
	Attachments []apiAttachment `json:"attachments"`
}

type apiAttachment struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // of the sealed blob as the terminal sent it
	URL    string `json:"url"`
}

// apiRecordGet is GET /api/v1/records/{terminal}/{id}.
func (c *Console) apiRecordGet(w http.ResponseWriter, r *http.Request) {
	client, rec, ok := c.apiRecordOf(w, r)
	if !ok {
		return
	}
	d := c.opt.District
	if err := d.Audit(district.AuditEvent{Staff: "api:" + client.Name, Action: "api_view_record", Object: rec.Ref().String(), From: clientIP(r)}); err != nil {
		apiError(w, http.StatusInternalServerError, "the district could not record the view")
		return
	}
	plain, err := d.Open(rec)
	if err != nil {
		c.opt.Log.Error("console: API open", "record", rec.Ref().String(), "err", err)
		apiError(w, http.StatusInternalServerError, "the record could not be opened")
		return
	}
	defer clear(plain)
	if !json.Valid(plain) {
		plain, _ = json.Marshal(string(plain))
	}
	out := apiRecord{Record: rec.Ref().String(), Kind: rec.Record.Kind, Terminal: rec.Terminal, Service: rec.Record.Public.Service,
		Receipt: rec.Record.Public.Receipt, Created: rec.Record.Created, Received: rec.Received, State: rec.State, Message: rec.Message,
		Personal: plain, Attachments: []apiAttachment{}}
	for _, a := range rec.Record.Attachments {
		out.Attachments = append(out.Attachments, apiAttachment{Name: a.Name, Size: a.Size, SHA256: a.SHA256,
			URL: "/api/v1/records/" + rec.Terminal + "/" + rec.Record.ID + "/attachments/" + a.Name})
	}
	if terms, err := d.Terminals(); err == nil {
		if i := slices.IndexFunc(terms, func(t district.Terminal) bool { return t.ID == rec.Terminal }); i >= 0 {
			out.Site = terms[i].Site
		}
	}
	apiJSON(w, out)
}

// apiAttachmentGet is GET /api/v1/records/{terminal}/{id}/attachments/{name}.
func (c *Console) apiAttachmentGet(w http.ResponseWriter, r *http.Request) {
	client, rec, ok := c.apiRecordOf(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	i := slices.IndexFunc(rec.Record.Attachments, func(a protocol.Attachment) bool { return a.Name == name })
	if i < 0 {
		apiError(w, http.StatusNotFound, "the record has no attachment "+name)
		return
	}
	d := c.opt.District
	if err := d.Audit(district.AuditEvent{Staff: "api:" + client.Name, Action: "api_view_attachment", Object: rec.Ref().String(), Detail: name, From: clientIP(r)}); err != nil {
		apiError(w, http.StatusInternalServerError, "the district could not record the view")
		return
	}
	var buf strings.Builder
	if err := d.OpenAttachment(rec, rec.Record.Attachments[i], &buf); err != nil {
		c.opt.Log.Error("console: API attachment", "record", rec.Ref().String(), "err", err)
		apiError(w, http.StatusInternalServerError, "the attachment could not be opened")
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write([]byte(buf.String()))
}

// apiRecordOf authenticates a client holding the records scope and finds
// the record the path names, or answers the refusal itself.
func (c *Console) apiRecordOf(w http.ResponseWriter, r *http.Request) (district.APIClient, district.Stored, bool) {
	client, ok := c.apiClient(w, r, district.ScopeRecords)
	if !ok {
		return client, district.Stored{}, false
	}
	ref, ok := pathRef(r)
	if !ok {
		apiError(w, http.StatusNotFound, "no such record: /api/v1/records/TERMINAL/ID")
		return client, district.Stored{}, false
	}
	rec, err := c.opt.District.Record(ref)
	switch {
	case errors.Is(err, district.ErrNoRecord):
		apiError(w, http.StatusNotFound, "no such record")
		return client, rec, false
	case err != nil:
		c.opt.Log.Error("console: API record", "err", err)
		apiError(w, http.StatusInternalServerError, "the district could not read the record")
		return client, rec, false
	}
	return client, rec, true
}
