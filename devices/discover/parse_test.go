package discover

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

func TestParseDeviceID(t *testing.T) {
	cases := []struct {
		text string
		want DeviceID
	}{
		{"MFG:EPSON;CMD:ESC/POS;MDL:TM-T20II;CLS:PRINTER;",
			DeviceID{Manufacturer: "EPSON", Model: "TM-T20II", Commands: []string{"ESC/POS"}, Class: "PRINTER"}},
		// Long names, any case, spaces around keys and values.
		{" manufacturer : Acme ; Model:TP 80 ;command set: ESC/POS , , ZPL;description:Receipt",
			DeviceID{Manufacturer: "Acme", Model: "TP 80", Commands: []string{"ESC/POS", "ZPL"}, Description: "Receipt"}},
		// The first of a repeated key wins; junk fields are skipped.
		{"MFG:First;MFG:Second;junk;;:;CMD:A;CMD:B;",
			DeviceID{Manufacturer: "First", Commands: []string{"A"}}},
		// Values keep their colons; control characters go.
		{"MDL:XP-58:II\x00\x01;DES:a\nb",
			DeviceID{Model: "XP-58:II", Description: "a b"}},
		{"", DeviceID{}},
	}
	for _, c := range cases {
		got := ParseDeviceID(c.text)
		if got.Manufacturer != c.want.Manufacturer || got.Model != c.want.Model || !slices.Equal(got.Commands, c.want.Commands) ||
			got.Class != c.want.Class || got.Description != c.want.Description || got.Raw != printable(c.text) {
			t.Errorf("ParseDeviceID(%q) = %+v, want %+v", c.text, got, c.want)
		}
	}
}

func TestDeviceIDText(t *testing.T) {
	id := "MFG:A;MDL:B;"
	be := append([]byte{0, byte(len(id) + 2)}, id...)
	le := append([]byte{byte(len(id) + 2), 0}, id...)
	cases := []struct {
		reply []byte
		want  string
	}{
		{be, id},
		{le, id},                                // little-endian length
		{append(be, "trailing junk"...), id},    // the length bounds the text
		{append([]byte{0x40, 0x00}, id...), id}, // a length longer than the reply, either way
		{append(append([]byte{0, 0}, id...), 0), id}, // no length, a NUL at the end
		{[]byte{0, 2}, ""},
	}
	for _, c := range cases {
		got, err := DeviceIDText(c.reply)
		if err != nil || got != c.want {
			t.Errorf("DeviceIDText(%q) = %q, %v; want %q", c.reply, got, err, c.want)
		}
	}
	for _, short := range [][]byte{nil, {0}} {
		if _, err := DeviceIDText(short); err == nil {
			t.Errorf("DeviceIDText(%v) accepted", short)
		}
	}
}

func TestLargestPicture(t *testing.T) {
	cases := []struct {
		name   string
		desc   []byte
		want   camera.Size
		wantOK bool
	}{
		{"frames only", uvcDescriptors([]camera.Size{sz(640, 480), sz(1920, 1080), sz(1280, 720)}, nil), camera.Size{Width: 1920, Height: 1080}, true},
		{"a still beats the frames", uvcDescriptors([]camera.Size{sz(1920, 1080)}, []camera.Size{sz(640, 480), sz(4208, 3120)}), camera.Size{Width: 4208, Height: 3120}, true},
		{"no streaming interface", uvcDescriptors(nil, nil)[:18+9+9+11+7], camera.Size{}, false},
		{"nothing", nil, camera.Size{}, false},
	}
	for _, c := range cases {
		got, ok := LargestPicture(c.desc)
		if got != c.want || ok != c.wantOK {
			t.Errorf("%s: LargestPicture = %v, %v; want %v, %v", c.name, got, ok, c.want, c.wantOK)
		}
	}
	// A length byte that runs past the end stops the walk: what was
	// read before it counts, the broken rest does not.
	d := uvcDescriptors([]camera.Size{sz(800, 600)}, nil)
	d = append(d, 9, 0x04, 0x03, 0x00, 0x00, 0x0e, 0x02, 0x00, 0x00, 200, 0x24, 0x07)
	if got, ok := LargestPicture(d); !ok || got != (camera.Size{Width: 800, Height: 600}) {
		t.Errorf("truncated: LargestPicture = %v, %v", got, ok)
	}
}

func FuzzParseDeviceID(f *testing.F) {
	f.Add(printerID)
	f.Add("MANUFACTURER:Acme;COMMAND SET:ESC/POS,ZPL;MODEL:TP-58;")
	f.Add("MFG:;MDL;CMD:,,;\x00\xff;")
	f.Fuzz(func(t *testing.T, text string) {
		id := ParseDeviceID(text)
		for _, v := range append([]string{id.Raw, id.Manufacturer, id.Model, id.Class, id.Description}, id.Commands...) {
			if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) || v != strings.TrimSpace(v) {
				t.Fatalf("%q: field %q is not printable", text, v)
			}
		}
		for _, v := range []string{id.Manufacturer, id.Model, id.Class, id.Description} {
			if strings.Contains(v, ";") {
				t.Fatalf("%q: field %q runs over a ';'", text, v)
			}
		}
		for _, c := range id.Commands {
			if c == "" || strings.ContainsAny(c, ",;") {
				t.Fatalf("%q: command set %q", text, c)
			}
		}
	})
}

func FuzzDeviceIDText(f *testing.F) {
	f.Add([]byte("\x00\x0eMFG:A;MDL:B;"))
	f.Add([]byte("\x0e\x00MFG:A;MDL:B;"))
	f.Add([]byte{0xff, 0xff, 'x'})
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, reply []byte) {
		text, err := DeviceIDText(reply)
		if len(reply) < 2 {
			if err == nil {
				t.Fatalf("%q: accepted", reply)
			}
			return
		}
		if err != nil || len(text) > len(reply)-2 || !strings.HasPrefix(string(reply[2:]), text) {
			t.Fatalf("%q: %q, %v", reply, text, err)
		}
	})
}

func FuzzLargestPicture(f *testing.F) {
	f.Add(uvcDescriptors([]camera.Size{sz(640, 480)}, []camera.Size{sz(2592, 1944)}))
	f.Add([]byte{9, 0x04, 0, 0, 0, 0x0e, 0x02, 0, 0, 5, 0x24, 0x03, 0, 9})
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, desc []byte) {
		size, ok := LargestPicture(desc)
		if ok != (size != camera.Size{}) || size.Width < 0 || size.Width > 0xffff || size.Height < 0 || size.Height > 0xffff {
			t.Fatalf("% x: %v, %v", desc, size, ok)
		}
		if ok && (size.Width == 0 || size.Height == 0) {
			t.Fatalf("% x: empty size %v reported", desc, size)
		}
	})
}
