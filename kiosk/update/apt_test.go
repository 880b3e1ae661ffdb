package update

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestPruneKeepsTheInstalledAndTheNextVersion(t *testing.T) {
	a := &Apt{Dir: t.TempDir(), Package: "yizhan"}
	archives := filepath.Join(a.aptDir(), "archives")
	os.MkdirAll(archives, 0o755)
	for _, f := range []string{"yizhan_1_amd64.deb", "yizhan_2_amd64.deb", "yizhan_3_amd64.deb", "yizhan_1%3a4.0_amd64.deb", "other_1_amd64.deb", "lock"} {
		os.WriteFile(filepath.Join(archives, f), nil, 0o644)
	}
	a.prune("2", "1:4.0")
	left, _ := os.ReadDir(archives)
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	want := []string{"lock", "other_1_amd64.deb", "yizhan_1%3a4.0_amd64.deb", "yizhan_2_amd64.deb"}
	if !slices.Equal(names, want) {
		t.Errorf("left %v, want %v", names, want)
	}
}
