package camera

import "testing"

func TestParseIDReadsEveryKindAndWritesItBack(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		kind    IDKind
	}{
		{"sim:face", "sim:face", SimID},
		{"sim:document", "sim:document", SimID},
		{"usb:046d:0825", "usb:046d:0825", USBID},
		{"usb:046D:0825:ABCD1234", "usb:046d:0825:ABCD1234", USBID},
		{"USB:046D:0825", "usb:046d:0825", USBID},
		{"usb-046d_0825_ABCD1234-video-index0", "usb-046d_0825_ABCD1234-video-index0", LinkID},
		{"pci-0000:00:14.0-usb-0:2:1.0-video-index0", "pci-0000:00:14.0-usb-0:2:1.0-video-index0", LinkID},
		{"/dev/v4l/by-id/usb-046d_0825-video-index0", "/dev/v4l/by-id/usb-046d_0825-video-index0", PathID},
		{"/dev/video2", "/dev/video2", PathID},
	} {
		id, err := ParseID(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if id.Kind != tc.kind || id.String() != tc.out {
			t.Errorf("%q: kind %v, written %q; want %v, %q", tc.in, id.Kind, id.String(), tc.kind, tc.out)
		}
		if again, err := ParseID(id.String()); err != nil || again != id {
			t.Errorf("%q does not read back: %+v, %v", id.String(), again, err)
		}
	}
	for _, bad := range []string{"", "sim:", "sim:door", "usb:046d", "usb:46d:0825", "usb:046d:0825:", "usb:046d:0825:AB CD",
		"usb:046d:0825:a/b", "/tmp/video0", "/dev/../etc/passwd", "/dev/video0/", "video 0", "..", "dev/video0", "video0", "video12", "046d:0825", "SIM:face", "face", "usb046d:0825", "usb-x-video-index", "-video-index0"} {
		if id, err := ParseID(bad); err == nil {
			t.Errorf("%q accepted as %+v", bad, id)
		}
	}
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"sim:face", "usb:046d:0825:AB", "/dev/video0", "usb-x-video-index0", "usb::", "/dev//x", "046d:0825"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			return
		}
		again, err := ParseID(id.String())
		if err != nil || again != id {
			t.Fatalf("%q reads as %+v, written %q, which reads as %+v (%v)", s, id, id.String(), again, err)
		}
	})
}

func TestLinkNamesTheSameCameraEitherWay(t *testing.T) {
	a, _ := ParseID("usb-046d_0825_AB-video-index0")
	b, _ := ParseID("/dev/v4l/by-id/usb-046d_0825_AB-video-index0")
	c, _ := ParseID("/dev/video0")
	if a.Link() == "" || a.Link() != b.Link() || c.Link() != "" {
		t.Fatalf("links %q %q %q", a.Link(), b.Link(), c.Link())
	}
}
