package diag

import "testing"

func TestScrubLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// What technicians need stays.
		{`level=INFO msg="idcard: reader online" sam=050c131a-21282f36-3d444b52-5960676e`, ""},
		{`2026-11-27T09:01:02+0800 terminal kiosk[812]: record 0193a2b4-7c1d-7e2f-9a3b-0123456789ab acknowledged`, ""},
		{`printer: open /dev/ttyUSB0: port gone; camera /dev/v4l/by-id/usb-Yizhan_Face_Camera_0001-video-index0`, ""},
		{`outbox near its disk budget used=2147483000 budget=2147483648 files=/var/lib/yizhan/attachments/`, ""},
		{`sync failed failures=3 retry_in=4.2s err="dial tcp 10.1.2.3:8443: connect: connection refused"`, ""},
		// Long numbers, however written.
		{`id=11010519491231002X phone=13800138000`, `id=[number] phone=[number]`},
		{`id=11010519491231002x,tel:+8613800138000.`, `id=[number],tel:+[number].`},
		{`tel 138 0013 8000 or 138-0013-8000`, `tel [number] or [number]`},
		{`id "110105 19491231 002X"`, `id "[number]"`},
		{`card=6222021234567890123`, `card=[number]`},
		// Non-ASCII text, and its escaped forms.
		{`name=张三丰 addr=北京市朝阳区建国路88号`, `name=[text] addr=[text]88[text]`},
		{"name=\xd5\xc5\xc8\xfd\xb7\xe1 end", `name=[text] end`},
		{`json="\u5f20\u4e09\u4e30" raw="\xd5\xc5" url=%E5%BC%A0%E4%B8%89`, `json="[text]" raw="[bytes]" url=[bytes]`},
		{`phone１３８００１３８０００`, `phone[text]`},
		// Blobs.
		{`name64=5byg5LiJ5Liw`, `name64=[bytes]`},
		// Short encodings of a name: two characters.
		{`hex=e5bca0e4b889 HEX=E5BCA0E4B889`, `hex=[bytes] HEX=[bytes]`},
		{`two64=5byg5LiJ`, `two64=[bytes]`},
		{`dump=[229 188 160 228 184 137]`, `dump=[bytes]`},
		// Numbers split any way, and what must stay.
		{`a=138.0013.8000 b=138/0013/8000 c=138_0013_8000`, `a=[number] b=[number] c=[number]`},
		{`fours=1380 0138 000 id=1101 0519 4912 3100 2X`, `fours=[number] id=[number]`},
		{`peer=192.168.100.200:8443 at 2026-11-27 09:01:02 v1.2.3 crc=050c131a`, ""},
		{`key=age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p`, `key=[blob]`},
		{`sum=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`, `sum=[blob]`},
		{`b64=eyJuYW1lIjoi5byg5LiJ5Liw/IiwiaWRfbnVtYmVyIjoiMTEw+MTA1MTk0OTEyMzEwMDJYIn0=`, `b64=[blob]=`},
	} {
		want := tc.want
		if want == "" {
			want = tc.in
		}
		if got := scrubLine(tc.in); got != want {
			t.Errorf("scrubLine(%q)\n got %q\nwant %q", tc.in, got, want)
		}
		// One line scrubs the same through the exported Scrub.
		if got := Scrub(tc.in); got != want {
			t.Errorf("Scrub(%q)\n got %q\nwant %q", tc.in, got, want)
		}
	}
}

// Scrub takes text line by line: each line is scrubbed on its own and the
// breaks stay, where scrubLine masks a break inside a field.
func TestScrubKeepsLines(t *testing.T) {
	in := "name=张三丰\nphone=13800138000\n\nok"
	if got, want := Scrub(in), "name=[text]\nphone=[number]\n\nok"; got != want {
		t.Errorf("Scrub(%q) = %q, want %q", in, got, want)
	}
	if got, want := scrubLine("a\nb"), "a[text]b"; got != want {
		t.Errorf("scrubLine with a break = %q, want %q", got, want)
	}
}
