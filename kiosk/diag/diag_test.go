package diag

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/harness"
	"github.com/yizhan-kiosk/yizhan/kiosk/selftest"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// The resident whose data the bundle must never hold.
const (
	residentName    = "张三丰"
	residentID      = "11010519491231002X"
	residentPhone   = "13800138000"
	residentAddress = "北京市朝阳区建国路88号"
	complaintPhone  = "13912345678"
	receiptApply    = "HALL-0042-261127-0001"
	receiptComplain = "HALL-0042-261127-0002"
)

// bundleFiles are the files a bundle holds.
var bundleFiles = []string{"config.toml", "versions.txt", "devices.json", "selftest.json", "queue.json", "sync.json", "logs.txt", "MANIFEST"}

// untar reads a bundle (diag.Read, which wants each entry a 0600 file)
// into its files by name.
func untar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	files, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string][]byte{}
	for _, f := range files {
		byName[f.Name] = f.Data
	}
	return byName
}

// terminal writes a terminal's configuration into a new data folder with
// the devices given as TOML sections, and returns its path and the
// folder.
func terminal(t *testing.T, devices string) (cfgPath, data string) {
	t.Helper()
	data = t.TempDir()
	cfgPath = filepath.Join(data, "kiosk.toml")
	text := `terminal_id = "HALL-0042"
district = "示范区政务服务中心"
site = "一楼大厅"
data_dir = "` + data + `"
` + devices + `
[outbox]
district_keys = "` + filepath.Join(data, "district.pub") + `"
`
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfgPath, data
}

// A terminal with a resident's application and complaint in its queue,
// and the resident's data in its journal too: the bundle holds every part
// it should, each parses, and none of the resident's data is in it — in
// UTF-8, in GB18030 or in base64.
func TestBundleHoldsNoPersonalData(t *testing.T) {
	cfgPath, data := terminal(t, "[camera]\nface = \"sim:face\"\n")
	cfg, err := config.Load(cfgPath, config.Default())
	if err != nil {
		t.Fatal(err)
	}
	d, backend := harness.StartDistrict(context.Background(), t)
	token, err := d.NewToken("一楼大厅", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// Enrolled as kioskctl provision does it: the identity in the data
	// folder, the district's sealing keys where the configuration says.
	if _, err := client.Enroll(context.Background(), client.EnrollOptions{Backend: backend, Token: token,
		TerminalID: cfg.TerminalID, Dir: client.IdentityDir(cfg.DataDir), KeysPath: cfg.Outbox.DistrictKeys}); err != nil {
		t.Fatalf("enroll: %v", err)
	}

	// The resident's submissions, sealed into a real outbox as the kiosk
	// does.
	keys, err := os.ReadFile(cfg.Outbox.DistrictKeys)
	if err != nil {
		t.Fatal(err)
	}
	recipients, err := outbox.ParseRecipients(string(keys))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := outbox.LoadOrCreateSecret(filepath.Join(data, "index.key"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := outbox.Open(outbox.Options{Dir: data, Recipients: recipients, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	personal, _ := json.Marshal(map[string]string{"name": residentName, "id_number": residentID, "phone": residentPhone, "address": residentAddress})
	photo := make([]byte, 300<<10) // large enough to be a file in attachments/
	rand.Read(photo)
	ctx := context.Background()
	_, err = q.Submit(ctx, outbox.Submission{Kind: outbox.Application, Public: outbox.Public{Service: "BJ-HJ-001", Receipt: receiptApply},
		Personal: personal, IDNumber: residentID, Attachments: []outbox.Attachment{
			{Name: "photo", Data: bytes.NewReader(photo)}, {Name: "card-name", Data: strings.NewReader(residentName)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.Submit(ctx, outbox.Submission{Kind: outbox.Complaint, Public: outbox.Public{Receipt: receiptComplain},
		Personal: []byte(`{"phone":"` + complaintPhone + `","text":"窗口排队太久"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Submit(ctx, outbox.Submission{Kind: outbox.Rating, Personal: []byte(`{"level":5}`)}); err != nil {
		t.Fatal(err)
	}
	q.Close()

	// The link's status as the kiosk publishes it, with an error that
	// quotes a phone number (a district's message, say).
	status, _ := json.Marshal(client.Status{LastError: "district answered 400 bad_request: phone " + residentPhone + " refused", Failures: 2})
	if err := os.WriteFile(filepath.Join(data, client.StatusFile), status, 0o644); err != nil {
		t.Fatal(err)
	}

	// A journal into which the resident's data leaked every way it could.
	gbName, err := simplifiedchinese.GB18030.NewEncoder().String(residentName)
	if err != nil {
		t.Fatal(err)
	}
	journal := strings.Join([]string{
		"2026-11-27T09:00:01+0800 terminal kiosk[812]: level=INFO msg=\"idcard: reader online\" sam=050c131a-21282f36-3d444b52-5960676e",
		"2026-11-27T09:01:02+0800 terminal kiosk[812]: level=DEBUG msg=card name=" + residentName + " id=" + residentID + " address=" + residentAddress,
		"2026-11-27T09:01:03+0800 terminal kiosk[812]: level=DEBUG msg=form phone=" + residentPhone + " alt=\"138 0013 8000\" id2=\"110105 19491231 002X\"",
		"2026-11-27T09:01:04+0800 terminal kiosk[812]: level=DEBUG msg=legacy name=" + gbName + " quoted=\"\\xd5\\xc5\\xc8\\xfd\\xb7\\xe1\"",
		"2026-11-27T09:01:05+0800 terminal kiosk[812]: level=DEBUG msg=payload b64=" + base64.StdEncoding.EncodeToString(personal) +
			" name64=" + base64.StdEncoding.EncodeToString([]byte(residentName)) + " url=" + base64.URLEncoding.EncodeToString([]byte(residentName)),
		"2026-11-27T09:01:06+0800 terminal kiosk[812]: level=DEBUG msg=escaped json=\"\\u5f20\\u4e09\\u4e30\" q=%E5%BC%A0%E4%B8%89%E4%B8%B0 hex=" + hex.EncodeToString(personal),
		"2026-11-27T09:01:07+0800 terminal kiosk[812]: level=DEBUG msg=encoded hexname=" + hex.EncodeToString([]byte(residentName[:6])) +
			" HEXNAME=" + strings.ToUpper(hex.EncodeToString([]byte(residentName[:6]))) + " two64=" + base64.RawStdEncoding.EncodeToString([]byte(residentName[:6])) +
			" dump=" + fmt.Sprint([]byte(residentName[:6])),
		"2026-11-27T09:01:08+0800 terminal kiosk[812]: level=DEBUG msg=split dots=138.0013.8000 slashes=138/0013/8000 under=138_0013_8000 fours=\"1380 0138 000\" idfours=\"1101 0519 4912 3100 2X\" ip=10.1.2.3",
		"2026-11-27T09:02:00+0800 terminal kiosk[812]: level=INFO msg=\"complaint submitted\" phone=" + complaintPhone + " receipt=HALL-0042",
		"2026-11-27T09:03:00+0800 terminal kiosk[812]: level=WARN msg=printer state=userError reason=\"paper out: replace paper\"",
	}, "\n") + "\n"
	journalRead := false
	stub := func(context.Context) ([]byte, error) {
		journalRead = true
		return []byte(journal), nil
	}

	bundle := filepath.Join(t.TempDir(), "diag.tar.gz")
	now := time.Now()
	files := Collect(ctx, Options{Config: cfg, Version: "v1.2.3-test", Selftest: true, Journal: stub, Now: now})
	if err := Write(bundle, files, now); err != nil {
		t.Fatal(err)
	}
	if !journalRead {
		t.Fatal("the journal was not read")
	}
	if fi, err := os.Stat(bundle); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("bundle file: %v %v", fi, err)
	}
	got := untar(t, bundle)

	var names []string
	for name := range got {
		names = append(names, name)
	}
	slices.Sort(names)
	want := slices.Clone(bundleFiles)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("bundle holds %v, want %v", names, want)
	}

	forbidden := map[string][]byte{
		"name":                     []byte(residentName),
		"ID number":                []byte(residentID),
		"ID number, 17 digits":     []byte(residentID[:17]),
		"phone":                    []byte(residentPhone),
		"grouped phone":            []byte("138 0013 8000"),
		"grouped ID number":        []byte("110105 19491231 002X"),
		"address":                  []byte(residentAddress),
		"street":                   []byte("建国路"),
		"complaint phone":          []byte(complaintPhone),
		"receipt":                  []byte(receiptApply),
		"complaint receipt":        []byte(receiptComplain),
		"name in GB18030":          []byte(gbName),
		"name in base64":           []byte(base64.StdEncoding.EncodeToString([]byte(residentName))),
		"name in URL base64":       []byte(base64.URLEncoding.EncodeToString([]byte(residentName))),
		"name escaped":             []byte(`\u5f20`),
		"name percent-coded":       []byte("%E5%BC%A0"),
		"personal in base64":       []byte(base64.StdEncoding.EncodeToString(personal)[:24]),
		"personal in hex":          []byte(hex.EncodeToString(personal)[:24]),
		"two characters in hex":    []byte(hex.EncodeToString([]byte(residentName[:6]))),
		"two characters in HEX":    []byte(strings.ToUpper(hex.EncodeToString([]byte(residentName[:6])))),
		"two characters in base64": []byte(base64.RawStdEncoding.EncodeToString([]byte(residentName[:6]))),
		"a byte dump":              []byte(fmt.Sprint([]byte(residentName[:6]))),
		"phone with dots":          []byte("138.0013.8000"),
		"phone with slashes":       []byte("138/0013/8000"),
		"phone with underscores":   []byte("138_0013_8000"),
		"phone in fours":           []byte("1380 0138 000"),
		"ID number in fours":       []byte("1101 0519 4912 3100 2X"),
	}
	for name, data := range got {
		for what, b := range forbidden {
			if bytes.Contains(data, b) {
				t.Errorf("%s holds the resident's %s", name, what)
			}
		}
	}

	// Every part parses, and says what it should.
	parsed, err := config.Parse("config.toml", got["config.toml"], config.Default())
	if err != nil {
		t.Fatalf("config.toml does not load: %v\n%s", err, got["config.toml"])
	}
	if !reflect.DeepEqual(parsed, cfg) {
		t.Errorf("config.toml reads back as\n%+v\nnot\n%+v", parsed, cfg)
	}
	if !strings.Contains(string(got["versions.txt"]), "kioskctl\tv1.2.3-test\n") || !strings.Contains(string(got["versions.txt"]), "os\tLinux") {
		t.Errorf("versions.txt:\n%s", got["versions.txt"])
	}
	var devs devicesReport
	if err := json.Unmarshal(got["devices.json"], &devs); err != nil || len(devs.Configured) != 6 || devs.Configured[2].Note != "simulated" || devs.Configured[4].Note != "not configured" {
		t.Errorf("devices.json: %v\n%s", err, got["devices.json"])
	}
	var st selftest.Report
	if err := json.Unmarshal(got["selftest.json"], &st); err != nil || len(st.Results) != 11 {
		t.Fatalf("selftest.json: %v\n%s", err, got["selftest.json"])
	}
	if r, _ := st.Result(selftest.CheckDistrict); r.Status != selftest.OK {
		t.Errorf("selftest district: %+v", r)
	}
	if r, _ := st.Result(selftest.CheckTestPage); r.Status != selftest.Skipped {
		t.Errorf("the bundle's self-test printed: %+v", r)
	}
	var qr queueReport
	if err := json.Unmarshal(got["queue.json"], &qr); err != nil {
		t.Fatal(err)
	}
	if qr.ByKind[outbox.Application] != 1 || qr.ByKind[outbox.Complaint] != 1 || qr.ByKind[outbox.Rating] != 1 ||
		qr.ByKindAndState[outbox.Application][outbox.Queued] != 1 || qr.Attachments != 2 || qr.UsedBytes == 0 || qr.AttachmentBytes < 300<<10 {
		t.Errorf("queue.json: %s", got["queue.json"])
	}
	var sr syncReport
	if err := json.Unmarshal(got["sync.json"], &sr); err != nil {
		t.Fatal(err)
	}
	if !sr.Enrolled || sr.TerminalID != "HALL-0042" || sr.Backend != backend || sr.Certificate == nil || sr.Certificate.DaysLeft < 365 ||
		sr.Status == nil || sr.Status.Failures != 2 || !strings.Contains(sr.Status.LastError, "[number]") {
		t.Errorf("sync.json: %s", got["sync.json"])
	}
	logs := string(got["logs.txt"])
	for _, want := range []string{"# journalctl -u yizhan-kiosk", `msg="idcard: reader online" sam=050c131a-21282f36-3d444b52-5960676e`,
		`reason="paper out: replace paper"`, "name=[text]", "phone=[number]", "b64=[bytes]", "ip=10.1.2.3"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs.txt lacks %q:\n%s", want, logs)
		}
	}
	// MANIFEST names every other file with its SHA-256, as sha256sum
	// writes it.
	lines := strings.Split(strings.TrimSpace(string(got["MANIFEST"])), "\n")
	if len(lines) != len(bundleFiles)-1 {
		t.Fatalf("MANIFEST:\n%s", got["MANIFEST"])
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		want := sha256.Sum256(got[name])
		if !ok || got[name] == nil || sum != hex.EncodeToString(want[:]) {
			t.Errorf("MANIFEST line %q does not match %s", line, name)
		}
	}
}

// A journal that cannot be read still gives a bundle, with a note.
func TestLogsNotes(t *testing.T) {
	none := logs(context.Background(), func(context.Context) ([]byte, error) { return nil, errNoJournalctl })
	if !bytes.Contains(none, []byte("journalctl is not on this machine")) {
		t.Errorf("no journalctl: %s", none)
	}
	failed := logs(context.Background(), func(context.Context) ([]byte, error) {
		return nil, errors.New("journalctl: exit status 1: no access for 13800138000")
	})
	if !bytes.Contains(failed, []byte("could not be read")) || bytes.Contains(failed, []byte(residentPhone)) {
		t.Errorf("unreadable journal: %s", failed)
	}
	var many strings.Builder
	for i := range 2500 {
		many.WriteString("line " + strings.Repeat("x", i%7) + "\n")
	}
	long := logs(context.Background(), func(context.Context) ([]byte, error) { return []byte(many.String()), nil })
	if n := bytes.Count(long, []byte("\nline ")); n != journalLines {
		t.Errorf("%d lines kept, want %d", n, journalLines)
	}
}
