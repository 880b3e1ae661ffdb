package release

import (
	"os/exec"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	// Each before the next, as dpkg --compare-versions orders them.
	ordered := []string{"1.0~rc1", "1.0", "1.0-1", "1.0-1+b1", "1.0a", "1.0.1", "1.2", "1.10", "2", "2.0", "1:0.1"}
	for i := range ordered {
		for j := range ordered {
			got := CompareVersions(ordered[i], ordered[j])
			if i < j && got >= 0 || i > j && got <= 0 || i == j && got != 0 {
				t.Errorf("compare(%q, %q) = %d", ordered[i], ordered[j], got)
			}
		}
	}
	if _, err := exec.LookPath("dpkg"); err == nil {
		for i := 0; i+1 < len(ordered); i++ {
			if err := exec.Command("dpkg", "--compare-versions", ordered[i], "lt", ordered[i+1]).Run(); err != nil {
				t.Errorf("dpkg does not put %s before %s: the test's order is wrong", ordered[i], ordered[i+1])
			}
		}
	}
}

func FuzzCompareVersions(f *testing.F) {
	f.Add("1.0~rc1", "1:0.1")
	f.Add("1.0-1+b1", "1.0a")
	f.Fuzz(func(t *testing.T, a, b string) {
		ab, ba := CompareVersions(a, b), CompareVersions(b, a)
		if (ab < 0) != (ba > 0) || (ab == 0) != (ba == 0) {
			t.Fatalf("compare(%q, %q) = %d but compare(%q, %q) = %d", a, b, ab, b, a, ba)
		}
		if CompareVersions(a, a) != 0 {
			t.Fatalf("%q is not equal to itself", a)
		}
	})
}
