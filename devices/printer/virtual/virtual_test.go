package virtual_test

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
)

const link = "https://zwfw.example.gov.cn/q/A20261127-0001"

func sampleReceipt() printer.Receipt {
	return printer.Receipt{Blocks: []printer.Block{
		printer.Title("受理回执"),
		printer.Text("示范区政务服务中心").Aligned(printer.Center),
		printer.Separator(),
		printer.Row("受理编号", "A20261127-0001"),
		printer.Row("办理事项", "城乡居民养老保险待遇资格认证"),
		printer.Row("承诺办结", "2026年12月11日"),
		printer.Row("申请人", "张*华"),
		printer.Separator(),
		printer.QR(link),
		printer.Text("扫码查询办理进度").Aligned(printer.Center),
		printer.Text("申请人：刘䶮"), // no printable GB code: drawn as a picture
		printer.Cut(),
	}}
}

// decodeQR reads the QR code in img with two decoders that share no code
// — gozxing, a port of ZXing, and zbar, the C library most Linux scanner
// software uses — and fails unless both read the same text: a payload
// one reader takes in another encoding than the other is a code some
// residents' phones misread.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("QR does not decode: %v", err)
	}
	text := res.GetText()
	if z, ok := zbarDecode(t, img); ok && z != text {
		t.Errorf("the decoders disagree: gozxing reads %q, zbar %q", text, z)
	}
	return text
}

// zbarDecode reads the QR code in img with zbarimg (Debian's zbar-tools,
// which make test installs); without it the check is skipped, unless
// YIZHAN_REQUIRE_ZBAR=1 (make test sets it).
func zbarDecode(t *testing.T, img image.Image) (string, bool) {
	t.Helper()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("YIZHAN_REQUIRE_ZBAR") == "1" {
			t.Fatal("zbarimg is missing (apt-get install zbar-tools)")
		}
		t.Log("zbarimg is missing: the QR code was read by one decoder only")
		return "", false
	}
	path := filepath.Join(t.TempDir(), "qr.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path).Output()
	if err != nil {
		t.Fatalf("zbarimg does not read the QR code: %v", err)
	}
	return strings.TrimSuffix(string(out), "\n"), true
}

// The test page's code reads the same in both decoders, also on a terminal
// with no id yet, whose page says 未配置.
func TestTestPageCodeReadsTheSameEverywhere(t *testing.T) {
	now := time.Date(2026, 12, 6, 15, 4, 5, 0, time.UTC)
	for _, terminal := range []string{"", "HALL-7"} {
		page := printer.TestPage(terminal, printer.Profile80, now)
		data, err := printer.Render(page, printer.Profile80)
		if err != nil {
			t.Fatal(err)
		}
		got, err := virtual.Print(data, printer.Profile80.Dots)
		if err != nil {
			t.Fatal(err)
		}
		want := "YIZHAN-TEST HALL-7 20261206T150405"
		if terminal == "" {
			want = "YIZHAN-TEST UNCONFIGURED 20261206T150405"
		}
		if s := decodeQR(t, got.Image); s != want {
			t.Errorf("terminal %q: the code reads %q, want %q", terminal, s, want)
		}
		// The line may wrap where the payload has a space.
		squeeze := strings.NewReplacer(" ", "", "\n", "")
		if text := strings.Join(got.Lines, "\n"); !strings.Contains(squeeze.Replace(text), squeeze.Replace("扫码应读出："+want)) {
			t.Errorf("the page does not say what the code should read (%q):\n%s", want, text)
		}
	}
}

func TestReceiptReadsBack(t *testing.T) {
	for _, tc := range []struct {
		name    string
		profile printer.Profile
	}{
		{"58mm raster QR", printer.Profile58},
		{"80mm raster QR", printer.Profile80},
		{"80mm native QR", func() printer.Profile { p := printer.Profile80; p.NativeQR = true; return p }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := printer.Render(sampleReceipt(), tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			got, err := virtual.Print(data, tc.profile.Dots)
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(got.Lines, "\n")
			for _, want := range []string{"受理回执", "示范区政务服务中心", "A20261127-0001", "2026年12月11日", "张*华", "扫码查询办理进度", "城乡居民"} {
				if !strings.Contains(text, want) {
					t.Errorf("%q not found in the printed text:\n%s", want, text)
				}
			}
			if strings.Contains(text, "?") || strings.Contains(text, "刘") {
				t.Errorf("the picture line came out as text:\n%s", text)
			}
			if got.Image.Bounds().Dx() != tc.profile.Dots {
				t.Errorf("paper %d dots wide, want %d", got.Image.Bounds().Dx(), tc.profile.Dots)
			}
			if wantCuts := map[bool]int{true: 1, false: 0}[tc.profile.Cut]; got.Cuts != wantCuts {
				t.Errorf("cuts %d, want %d", got.Cuts, wantCuts)
			}
			if tc.profile.NativeQR && (len(got.QR) != 1 || got.QR[0] != link) {
				t.Errorf("native QR payloads %q", got.QR)
			}
			savePNG(t, got.Image, strings.ReplaceAll(tc.name, " ", "-")+".png")
			if s := decodeQR(t, got.Image); s != link {
				t.Errorf("QR reads %q, want %q", s, link)
			}
		})
	}
}

// savePNG keeps the receipt for a person to look at (var/receipts, not
// committed).
func savePNG(t *testing.T, img image.Image, name string) {
	dir := filepath.Join("..", "..", "..", "var", "receipts")
	if os.MkdirAll(dir, 0o755) != nil {
		return
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return
	}
	defer f.Close()
	png.Encode(f, img)
}

func TestRejectsWhatThisProjectDoesNotSend(t *testing.T) {
	for name, data := range map[string][]byte{
		"unknown ESC":       {0x1B, 0x21, 0x00},
		"cut short raster":  {0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x10},
		"bad GB pair":       {0x1C, 0x26, 0xA1, 0x20},
		"high byte not GB":  {0x81, 0x40},
		"control byte":      {0x07},
		"unknown QR fn":     {0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x77, 0x00},
		"endless receipt":   append([]byte{0x1B, 0x64, 0xFF}, []byte(strings.Repeat("\x1bd\xff", 100))...),
		"oversized module":  {0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x40},
		"cut short command": {0x1B},
	} {
		if _, err := virtual.Print(data, 384); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzPrint(f *testing.F) {
	// Small seeds: minimising a large input costs the fuzzer minutes.
	small := printer.Receipt{Blocks: []printer.Block{
		printer.Title("回执"), printer.Row("编号", "A1"), printer.Text("刘䶮"), printer.Cut(),
	}}
	data, err := printer.Render(small, printer.Profile80)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte{0x1B, 0x40, 0x1C, 0x26, 0xCA, 0xDC, 0x0A})
	f.Add([]byte{0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, 0x41, 0x42, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30})
	f.Add([]byte{0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x02, 0x00, 0xFF, 0x81})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := virtual.Print(data, 384)
		if err != nil {
			return
		}
		if got.Image == nil || got.Image.Bounds().Dx() != 384 || got.Image.Bounds().Dy() > virtual.MaxHeight+2048 {
			t.Fatalf("image %v", got.Image.Bounds())
		}
	})
}
