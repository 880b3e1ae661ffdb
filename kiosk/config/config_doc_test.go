package config

import (
	"encoding"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// configKeys lists every key of the configuration file, as "idle.timeout",
// from the toml tags of Config: a struct field is a table, unless it reads
// itself from text (Duration).
func configKeys(t reflect.Type, prefix string) []string {
	textType := reflect.TypeFor[encoding.TextUnmarshaler]()
	var keys []string
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		key := prefix + tag
		if f.Type.Kind() == reflect.Struct && !reflect.PointerTo(f.Type).Implements(textType) {
			keys = append(keys, configKeys(f.Type, key+".")...)
			continue
		}
		keys = append(keys, key)
	}
	return keys
}

func TestDocKeysFromTheStruct(t *testing.T) {
	keys := configKeys(reflect.TypeFor[Config](), "")
	for _, want := range []string{"terminal_id", "idle.timeout", "idcard.port", "camera.match_threshold", "outbox.retention"} {
		if !slices.Contains(keys, want) {
			t.Errorf("keys %v lack %q", keys, want)
		}
	}
	for _, k := range keys {
		if k == "idle" || strings.HasSuffix(k, ".Duration") {
			t.Errorf("%q is not a key", k)
		}
	}
}

// docKeys returns the keys docs/config.md documents: the first cell,
// in backquotes, of each row of the tables headed "| key | type |".
func docKeys(doc string) []string {
	row := regexp.MustCompile("^\\| `([a-z0-9_.]+)` \\|")
	var keys []string
	inKeys := false
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "| key | type |"):
			inKeys = true
		case !strings.HasPrefix(line, "|"):
			inKeys = false
		case inKeys:
			if m := row.FindStringSubmatch(line); m != nil {
				keys = append(keys, m[1])
			}
		}
	}
	return keys
}

// Every key of the configuration has its row in docs/config.md, and the
// document has no row for a key that is gone.
func TestDocConfigMDHasEveryKey(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "config.md"))
	if err != nil {
		t.Fatal(err)
	}
	keys := configKeys(reflect.TypeFor[Config](), "")
	documented := docKeys(string(data))
	for _, k := range keys {
		if !slices.Contains(documented, k) {
			t.Errorf("docs/config.md has no row for %q", k)
		}
	}
	for _, k := range documented {
		if !slices.Contains(keys, k) {
			t.Errorf("docs/config.md documents %q, which is not a key", k)
		}
	}
	for _, part := range []string{"## Secrets", "technician.pin", "district/terminal.key", "index.key", "0600"} {
		if !strings.Contains(string(data), part) {
			t.Errorf("docs/config.md does not mention %q", part)
		}
	}
	// The check itself notices a missing row.
	if short := docKeys(strings.Replace(string(data), "| `idle.countdown` |", "| countdown |", 1)); slices.Contains(short, "idle.countdown") {
		t.Error("docKeys found a key that has no row")
	}
}

// tomlMentions returns the keys that a TOML file sets or names in a
// comment ("# … usb = \"VID:PID\""), under the table they belong to.
func tomlMentions(text string, keys []string) []string {
	var found []string
	table := ""
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			table = strings.Trim(line, "[] ")
			continue
		}
		for _, k := range keys {
			kt, leaf := "", k
			if i := strings.LastIndex(k, "."); i >= 0 {
				kt, leaf = k[:i], k[i+1:]
			}
			if kt != table {
				continue
			}
			if regexp.MustCompile(`(^|[^a-z0-9_])` + regexp.QuoteMeta(leaf) + `\s*=`).MatchString(line) {
				found = append(found, k)
			}
		}
	}
	return found
}

// The annotated example that ships in the package loads as it is and
// shows every key, so a technician editing it sees all there is.
func TestDocExampleMentionsEveryKey(t *testing.T) {
	path := filepath.Join("..", "..", "packaging", "kiosk.toml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(path, data, Default()); err != nil {
		t.Fatalf("packaging/kiosk.toml: %v", err)
	}
	keys := configKeys(reflect.TypeFor[Config](), "")
	mentioned := tomlMentions(string(data), keys)
	for _, k := range keys {
		if !slices.Contains(mentioned, k) {
			t.Errorf("packaging/kiosk.toml does not mention %q", k)
		}
	}
	// The check itself: a key under the wrong table, or only a longer key
	// that starts with the same word, does not count.
	got := tomlMentions("timeout = \"1m\"\n[camera]\nmatcher_timeout = \"5s\"\n", []string{"idle.timeout", "camera.matcher"})
	if len(got) != 0 {
		t.Errorf("tomlMentions found %v", got)
	}
}
