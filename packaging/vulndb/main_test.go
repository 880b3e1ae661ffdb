package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func osvEntry(id string, affected ...string) string {
	return `{"id":"` + id + `","modified":"2026-01-02T03:04:05Z","aliases":["CVE-` + id[3:] + `"],"affected":[` + strings.Join(affected, ",") + `]}`
}

func affects(module string, ranges ...string) string {
	return `{"package":{"name":"` + module + `","ecosystem":"Go"},"ranges":[` + strings.Join(ranges, ",") + `]}`
}

func semverRange(events ...string) string {
	return `{"type":"SEMVER","events":[` + strings.Join(events, ",") + `]}`
}

func TestBuildIndexesEveryEntry(t *testing.T) {
	in, out := t.TempDir(), filepath.Join(t.TempDir(), "db")
	entries := map[string]string{
		// Fixed on two release branches: the highest fix is the index's.
		"GO-2026-0001": osvEntry("GO-2026-0001", affects("stdlib",
			semverRange(`{"introduced":"0"}`, `{"fixed":"1.26.9"}`),
			semverRange(`{"introduced":"1.27.0-0"}`, `{"fixed":"1.27.2"}`))),
		// Not fixed anywhere: no fixed version, so govulncheck reads it.
		"GO-2026-0002": osvEntry("GO-2026-0002", affects("example.com/m", semverRange(`{"introduced":"0"}`))),
		// One module listed twice (two of its packages): one index entry.
		"GO-2026-0003": osvEntry("GO-2026-0003",
			affects("example.com/m", semverRange(`{"introduced":"0"}`, `{"fixed":"1.2.0"}`)),
			affects("example.com/m", semverRange(`{"introduced":"0"}`, `{"fixed":"1.3.0"}`))),
	}
	for id, e := range entries {
		if err := os.WriteFile(filepath.Join(in, id+".json"), []byte(e), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	when := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	n, err := build(in, out, when)
	if err != nil || n != 3 {
		t.Fatalf("build: %d entries, %v", n, err)
	}
	var modules []module
	readJSON(t, filepath.Join(out, "index", "modules.json"), &modules)
	got := map[string]string{}
	for _, m := range modules {
		for _, v := range m.Vulns {
			got[m.Path+" "+v.ID] = v.Fixed
		}
	}
	want := map[string]string{
		"stdlib GO-2026-0001":        "1.27.2",
		"example.com/m GO-2026-0002": "",
		"example.com/m GO-2026-0003": "1.3.0",
	}
	if len(got) != len(want) {
		t.Fatalf("modules.json: %v", got)
	}
	for k, v := range want {
		if f, ok := got[k]; !ok || f != v {
			t.Errorf("%s: fixed %q (listed %v), want %q", k, f, ok, v)
		}
	}
	var vulns []vuln
	readJSON(t, filepath.Join(out, "index", "vulns.json"), &vulns)
	if len(vulns) != 3 || vulns[0].Aliases[0] != "CVE-2026-0001" {
		t.Errorf("vulns.json: %+v", vulns)
	}
	var db map[string]time.Time
	readJSON(t, filepath.Join(out, "index", "db.json"), &db)
	if !db["modified"].Equal(when) {
		t.Errorf("db.json: %v", db)
	}
	for id, e := range entries {
		b, err := os.ReadFile(filepath.Join(out, "ID", id+".json"))
		if err != nil || string(b) != e {
			t.Errorf("ID/%s.json: %q, %v", id, b, err)
		}
	}
}

func TestBuildRefusesAMisnamedEntry(t *testing.T) {
	in := t.TempDir()
	os.WriteFile(filepath.Join(in, "GO-2026-0001.json"), []byte(osvEntry("GO-2026-0009", affects("stdlib"))), 0o644)
	if _, err := build(in, filepath.Join(t.TempDir(), "db"), time.Now()); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("a misnamed entry: %v", err)
	}
	if _, err := build(t.TempDir(), filepath.Join(t.TempDir(), "db"), time.Now()); err == nil {
		t.Fatal("an empty folder made a database")
	}
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}
