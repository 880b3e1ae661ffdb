package a4printer

import "testing"

func TestParseDevice(t *testing.T) {
	for in, want := range map[string]Device{
		"cups:yizhan-a4":                 {URI: "ipp://localhost:631/printers/yizhan-a4", Queue: "yizhan-a4"},
		"ipp://10.0.0.7/ipp/print":       {URI: "ipp://10.0.0.7/ipp/print"},
		"ipp://printer.lan:8631/ipp/a4":  {URI: "ipp://printer.lan:8631/ipp/a4"},
		"ipp://localhost:631/printers/x": {URI: "ipp://localhost:631/printers/x"},
	} {
		got, err := ParseDevice(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v", in, got, err)
			continue
		}
		if again, err := ParseDevice(got.String()); err != nil || again != got {
			t.Errorf("%q: String %q reads back as %+v, %v", in, got.String(), again, err)
		}
	}
	for _, bad := range []string{"", "cups:", "cups:a b", "cups:a/b", "http://h/p", "ipp://", "ipp://h", "ipp://u@h/p",
		"ipp://h/p?x=1", "ipp://h:0/p", "ipp://h:70000/p", "ipp://:631/p", "usb://HP/LaserJet", "/dev/usb/lp0"} {
		if d, err := ParseDevice(bad); err == nil {
			t.Errorf("%q taken as %+v", bad, d)
		}
	}
}

func FuzzParseDevice(f *testing.F) {
	for _, s := range []string{"cups:yizhan-a4", "ipp://10.0.0.7:631/ipp/print", "ipp://h/p?x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDevice(s)
		if err != nil {
			return
		}
		again, err := ParseDevice(d.String())
		if err != nil || again != d {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, d, d.String(), again, err)
		}
		if _, err := d.Open(); err != nil {
			t.Fatalf("%q parses but does not open: %v", s, err)
		}
	})
}
