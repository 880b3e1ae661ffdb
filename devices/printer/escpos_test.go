package printer

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A small receipt, byte for byte: every command from devices.md §2 as the
// renderer should send it, and each mode change only once.
func TestRenderGolden58(t *testing.T) {
	r := Receipt{Blocks: []Block{
		Text("Hi"),
		Title("受理回执"),
		Row("编号", "A1"),
		Row("编号", "A2"), // modes unchanged: no commands repeated
		Cut(),
	}}
	got, err := Render(r, Profile58)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `
		1B 40 1C 26
		48 69 0A
		1B 61 01 1B 45 01 1D 21 11 CA DC C0 ED BB D8 D6 B4 0A
		1B 61 00 1B 45 00 1D 21 00 B1 E0 BA C5`+strings.Repeat(" 20", 26)+` 41 31 0A
		B1 E0 BA C5`+strings.Repeat(" 20", 26)+` 41 32 0A
		1B 64 04`)
	if !bytes.Equal(got, want) {
		t.Fatalf("got\n% X\nwant\n% X", got, want)
	}
}

func TestRenderGolden80WithCutterAndSeparator(t *testing.T) {
	r := Receipt{Blocks: []Block{
		{Kind: KindSeparator, Text: "="},
		Text("右").Aligned(Right),
		Feed(2),
		Cut(),
	}}
	got, err := Render(r, Profile80)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `1B 40 1C 26`+strings.Repeat(" 3D", 48)+` 0A
		1B 61 02 D3 D2 0A
		1B 64 02
		1D 56 42 00`)
	if !bytes.Equal(got, want) {
		t.Fatalf("got\n% X\nwant\n% X", got, want)
	}
}

func TestNativeQRBytes(t *testing.T) {
	p := Profile80
	p.NativeQR = true
	got, err := Render(Receipt{Blocks: []Block{{Kind: KindQR, Data: "AB", Module: 4}}}, p)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, `1B 40 1C 26
		1D 28 6B 04 00 31 41 32 00
		1D 28 6B 03 00 31 43 04
		1D 28 6B 03 00 31 45 31
		1D 28 6B 05 00 31 50 30 41 42
		1D 28 6B 03 00 31 51 30 0A`)
	if !bytes.Equal(got, want) {
		t.Fatalf("got\n% X\nwant\n% X", got, want)
	}
}

func TestUnencodableLineBecomesPicture(t *testing.T) {
	for _, s := range []string{"申请人：刘䶮", "申请人：王😀", "价格 €5"} {
		got, err := Render(Receipt{Blocks: []Block{Text(s)}}, Profile58)
		if err != nil {
			t.Fatal(err)
		}
		body := got[4:] // after ESC @ FS &
		if !bytes.HasPrefix(body, []byte{0x1D, 0x76, 0x30, 0x00, 48, 0, lineDots, 0}) {
			t.Fatalf("%q: not a full-width 24-row raster line: % X", s, body[:min(16, len(body))])
		}
		if len(body) != 8+48*lineDots {
			t.Fatalf("%q: %d bytes, want the picture alone (%d): text was sent too", s, len(body), 8+48*lineDots)
		}
		dark := 0
		for _, b := range body[8:] {
			for ; b != 0; b &= b - 1 {
				dark++
			}
		}
		if dark < 100 {
			t.Fatalf("%q: only %d dots drawn", s, dark)
		}
	}
}

func TestEncodeGB(t *testing.T) {
	if b, ok := encodeGB("A受·"); !ok || !bytes.Equal(b, []byte{0x41, 0xCA, 0xDC, 0xA1, 0xA4}) {
		t.Fatalf("encodeGB = % X %v", b, ok)
	}
	for _, s := range []string{"䶮", "😀", "€", "𠀀"} {
		if _, ok := encodeGB(s); ok {
			t.Errorf("%q encoded, but has no two-byte GB code", s)
		}
	}
}

func TestWrapAndRows(t *testing.T) {
	for _, tc := range []struct {
		in   string
		cols int
		want []string
	}{
		{"hello world again", 11, []string{"hello world", "again"}},
		{"一二三四五六", 8, []string{"一二三四", "五六"}},
		{"办理 pension now", 10, []string{"办理", "pension", "now"}},
		{"", 10, []string{""}},
	} {
		got := wrap(tc.in, tc.cols)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.cols, got, tc.want)
		}
		for _, l := range got {
			if displayWidth(l) > tc.cols {
				t.Errorf("line %q wider than %d", l, tc.cols)
			}
		}
	}
	rows := rowLines("承诺办结时间", "2026年12月11日", 32)
	if len(rows) != 1 || displayWidth(rows[0]) != 32 || !strings.HasSuffix(rows[0], "2026年12月11日") {
		t.Fatalf("row = %q", rows)
	}
	long := rowLines("办理事项", "城乡居民基本养老保险待遇资格认证", 32)
	if len(long) < 2 || !strings.HasPrefix(long[0], "办理事项") {
		t.Fatalf("long row = %q", long)
	}
	for _, l := range long[1:] {
		if displayWidth(l) != 32 && displayWidth(l) != 32-1 {
			t.Errorf("value line %q not flush right", l)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	for name, b := range map[string]Block{
		"unknown":       {Kind: "poem"},
		"control":       Text("a\x1bb"),
		"qr empty":      {Kind: KindQR},
		"qr tiny dots":  {Kind: KindQR, Data: "x", Module: 2},
		"qr chinese":    QR("YIZHAN-TEST 未配置"),
		"qr newline":    QR("a\nb"),
		"size":          Text("x").Magnified(9, 1),
		"align":         Text("x").Aligned("middle"),
		"feed":          Feed(0),
		"bad png":       {Kind: KindImage, PNG: []byte("nope")},
		"separator two": {Kind: KindSeparator, Text: "ab"},
	} {
		r := Receipt{Blocks: []Block{b}}
		if err := r.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Render(Receipt{Blocks: []Block{{Kind: KindQR, Data: strings.Repeat("x", 200), Module: 8}}}, Profile58); err == nil {
		t.Error("a QR too large for 58 mm paper was rendered")
	}
}

// Any receipt JSON that parses renders, on both papers, without a panic,
// or is refused with an error.
func FuzzParseReceipt(f *testing.F) {
	f.Add([]byte(`{"blocks":[{"type":"text","text":"受理回执","align":"center","bold":true,"width":2,"height":2},{"type":"row","text":"编号","value":"A1"},{"type":"qr","data":"https://x.example/q"},{"type":"cut"}]}`))
	f.Add([]byte(`{"blocks":[{"type":"separator","text":"="},{"type":"feed","lines":3},{"type":"text","text":"刘䶮"}]}`))
	f.Add([]byte(`{"blocks":[{"type":"image","png":"iVBORw0KGgo="}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseReceipt(data)
		if err != nil {
			return
		}
		for _, p := range []Profile{Profile58, Profile80} {
			out, err := Render(r, p)
			if err == nil && !bytes.HasPrefix(out, append(append([]byte{}, escInit...), fsChineseOn...)) {
				t.Fatalf("rendered receipt does not start with ESC @ FS &")
			}
		}
	})
}
