// Command vulndb makes a Go vulnerability database that govulncheck reads
// with -db file://DIR, from the OSV entries of the golang.org/x/vulndb
// module (its data/osv folder), so that `make vuln` needs no network but
// the Go module proxy. It writes the layout of the database's v1 API
// (https://go.dev/security/vuln/database#api): index/db.json,
// index/modules.json, index/vulns.json and ID/<id>.json.
//
//	go run ./packaging/vulndb -osv $(go env GOMODCACHE)/golang.org/x/vulndb@VERSION/data/osv -modified 2026-11-05T23:49:57Z -out var/vulndb
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// entry is the part of an OSV entry the index needs.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Type   string              `json:"type"`
			Events []map[string]string `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	// Fixed is the highest version that fixes it; empty when some range
	// has no fix, so govulncheck always reads the entry itself.
	Fixed string `json:"fixed,omitempty"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

func main() {
	osvDir := flag.String("osv", "", "the folder of OSV entries (data/osv of golang.org/x/vulndb)")
	out := flag.String("out", "", "the folder to write the database to")
	modified := flag.String("modified", "", "when the entries were last changed (RFC 3339): the module version's time")
	flag.Parse()
	if *osvDir == "" || *out == "" || *modified == "" {
		flag.Usage()
		os.Exit(2)
	}
	when, err := time.Parse(time.RFC3339, *modified)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb: -modified:", err)
		os.Exit(2)
	}
	n, err := build(*osvDir, *out, when)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
	fmt.Printf("vulndb: %d entries in %s\n", n, *out)
}

// build writes the database of the entries in osvDir to out, made anew.
func build(osvDir, out string, modified time.Time) (int, error) {
	names, err := filepath.Glob(filepath.Join(osvDir, "GO-*.json"))
	if err != nil {
		return 0, err
	}
	if len(names) == 0 {
		return 0, fmt.Errorf("no GO-*.json entries in %s", osvDir)
	}
	if err := os.RemoveAll(out); err != nil {
		return 0, err
	}
	for _, dir := range []string{"index", "ID"} {
		if err := os.MkdirAll(filepath.Join(out, dir), 0o755); err != nil {
			return 0, err
		}
	}
	byModule := map[string]*module{}
	var vulns []vuln
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return 0, fmt.Errorf("%s: %w", filepath.Base(name), err)
		}
		if e.ID == "" || e.ID+".json" != filepath.Base(name) {
			return 0, fmt.Errorf("%s: id %q does not match the file's name", filepath.Base(name), e.ID)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), raw, 0o644); err != nil {
			return 0, err
		}
		vulns = append(vulns, vuln{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			path := a.Package.Name
			if path == "" {
				return 0, fmt.Errorf("%s: an affected package without a name", e.ID)
			}
			m := byModule[path]
			if m == nil {
				m = &module{Path: path}
				byModule[path] = m
			}
			mv := moduleVuln{ID: e.ID, Modified: e.Modified, Fixed: highestFix(a.Ranges)}
			// One entry may list a module twice (two packages of it):
			// keep one, with no fixed version if either has none.
			if i := slices.IndexFunc(m.Vulns, func(v moduleVuln) bool { return v.ID == e.ID }); i >= 0 {
				if m.Vulns[i].Fixed == "" || mv.Fixed == "" {
					m.Vulns[i].Fixed = ""
				} else if semver.Compare("v"+mv.Fixed, "v"+m.Vulns[i].Fixed) > 0 {
					m.Vulns[i].Fixed = mv.Fixed
				}
				continue
			}
			m.Vulns = append(m.Vulns, mv)
		}
	}
	var modules []module
	for _, m := range byModule {
		modules = append(modules, *m)
	}
	slices.SortFunc(modules, func(a, b module) int { return strings.Compare(a.Path, b.Path) })
	for _, f := range []struct {
		name string
		v    any
	}{
		{"index/db.json", map[string]time.Time{"modified": modified}},
		{"index/modules.json", modules},
		{"index/vulns.json", vulns},
	} {
		b, err := json.Marshal(f.v)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(out, f.name), b, 0o644); err != nil {
			return 0, err
		}
	}
	return len(vulns), nil
}

// highestFix is the highest "fixed" event of the SEMVER ranges, or "" when
// a range has none (still open) or there is no SEMVER range.
func highestFix(ranges []struct {
	Type   string              `json:"type"`
	Events []map[string]string `json:"events"`
}) string {
	best := ""
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		fixed := ""
		for _, ev := range r.Events {
			if f, ok := ev["fixed"]; ok && (fixed == "" || semver.Compare("v"+f, "v"+fixed) > 0) {
				fixed = f
			}
		}
		if fixed == "" {
			return ""
		}
		if best == "" || semver.Compare("v"+fixed, "v"+best) > 0 {
			best = fixed
		}
	}
	return best
}
