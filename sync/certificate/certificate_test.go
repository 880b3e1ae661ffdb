package certificate

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

const docID = "01938a2b-7c4d-7e5f-8a6b-1c2d3e4f5a6b"

var issued = time.Date(2026, 12, 7, 10, 30, 0, 0, time.FixedZone("CST", 8*3600))

func sample() *Sample {
	return &Sample{District: "示范区政务服务中心", Verify: "https://zwfw.example.gov.cn/verify/{id}", Now: func() time.Time { return issued }}
}

// tool finds a program the checks read a PDF back with, or skips.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("YIZHAN_REQUIRE_CUPS") != "" {
			t.Fatalf("%s missing: apt-get install %s", name, pkg)
		}
		t.Skipf("%s missing: apt-get install %s", name, pkg)
	}
	return p
}

// flat is text without its spaces and line ends.
func flat(s string) string { return strings.Join(strings.Fields(s), "") }

// textOf is the PDF's text as pdftotext reads it, a page a form feed.
func textOf(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command(tool(t, "pdftotext", "poppler-utils"), "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func issue(t *testing.T, s *Sample, service string, fields map[string]string) protocol.Document {
	t.Helper()
	doc, err := s.Issue(context.Background(), "HALL-0007", protocol.DocumentRequest{ID: docID, Service: service, Fields: fields})
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(); err != nil {
		t.Fatalf("the document does not validate: %v", err)
	}
	return doc
}

var resident = map[string]string{
	"name": "王美娜", "gender": "female", "nation": "汉", "id_number": "11010519491231002X",
	"address": "北京市朝阳区建国路88号院3号楼2单元501室", "purpose": "school",
}

// Each sample document says in words whose it is and what for, in the
// terminal's Chinese font, as text a reader extracts.
func TestDocumentsReadBack(t *testing.T) {
	s := sample()
	// Lines wrap where they fit: words are checked across them.
	hj := flat(textOf(t, issue(t, s, "HJ-001", resident).PDF))
	for _, want := range []string{"户籍证明", "示范区政务服务中心", "王美娜", "11010519491231002X", "1949年12月31日",
		"建国路88号院", "本证明用于：入学", docID, "扫码核验真伪", "样章", "示例数据"} {
		if !strings.Contains(hj, want) {
			t.Errorf("户籍证明 lacks %q:\n%s", want, hj)
		}
	}
	yb := flat(textOf(t, issue(t, s, "YB-001", map[string]string{"name": "刘䶮", "id_number": "11010519491231002X", "scheme": "resident", "purpose": "treatment"}).PDF))
	for _, want := range []string{"医疗保险参保凭证", "刘䶮", "城乡居民基本医疗保险", "就医", "正常参保"} {
		if !strings.Contains(yb, want) {
			t.Errorf("参保凭证 lacks %q:\n%s", want, yb)
		}
	}
}

// A long contribution record runs over pages, its header on each, its
// total last.
func TestContributionsRunOverPages(t *testing.T) {
	doc := issue(t, sample(), "SB-002", map[string]string{"name": "王美娜", "id_number": "11010519491231002X", "insurance": "pension",
		"from_year": "1990", "to_year": "2026"})
	if doc.Pages < 2 {
		t.Fatalf("37 years on %d page", doc.Pages)
	}
	text := textOf(t, doc.PDF)
	pages := strings.Split(strings.TrimRight(text, "\f"), "\f")
	if len(pages) != doc.Pages {
		t.Fatalf("the document says %d pages, the PDF has %d", doc.Pages, len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, "月缴费基数") || !strings.Contains(p, "社会保险个人缴费记录") {
			t.Errorf("page %d lacks the title or the table's header", i+1)
		}
	}
	if !strings.Contains(pages[0], "1990") || !strings.Contains(pages[len(pages)-1], "2026") || !strings.Contains(pages[len(pages)-1], "合计") {
		t.Errorf("years or total missing:\n%s", text)
	}
	if _, err := sample().Issue(context.Background(), "HALL-0007", protocol.DocumentRequest{ID: docID, Service: "SB-002",
		Fields: map[string]string{"name": "王美娜", "id_number": "11010519491231002X", "from_year": "2020", "to_year": "2019"}}); err == nil {
		t.Error("a record from 2020 to 2019 was issued")
	}
}

// The QR code on the page opens the document's check, read off the
// rendered page by a real decoder.
func TestQRCodeOnThePage(t *testing.T) {
	ppm := tool(t, "pdftoppm", "poppler-utils")
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("YIZHAN_REQUIRE_ZBAR") != "" {
			t.Fatal("zbarimg missing: apt-get install zbar-tools")
		}
		t.Skip("zbarimg missing: apt-get install zbar-tools")
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "doc.pdf")
	os.WriteFile(pdf, issue(t, sample(), "HJ-001", resident).PDF, 0o600)
	if out, err := exec.Command(ppm, "-r", "150", "-png", "-singlefile", pdf, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	out, err := exec.Command(zbar, "--raw", "-q", filepath.Join(dir, "page.png")).Output()
	if err != nil {
		t.Fatalf("zbarimg found no code: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "https://zwfw.example.gov.cn/verify/"+docID {
		t.Fatalf("the QR code holds %q", got)
	}
}

// A district's own seal is used when it has one.
func TestSealFromTheDataFolder(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for y := range 200 {
		for x := range 200 {
			if dx, dy := x-100, y-100; dx*dx+dy*dy < 90*90 && dx*dx+dy*dy > 80*80 {
				img.Set(x, y, color.RGBA{R: 0xd0, A: 0xff})
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	seal, err := SealFrom(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	s := sample()
	s.Seal = seal
	if text := textOf(t, issue(t, s, "HJ-001", resident).PDF); strings.Contains(text, "样章") {
		t.Error("the drawn seal is on a page with the district's own")
	}
	if _, err := SealFrom([]byte("not an image")); err == nil {
		t.Error("a seal that is no image was taken")
	}
}

// What the sample does not issue is refused in words for the resident.
func TestNotIssued(t *testing.T) {
	for name, req := range map[string]protocol.DocumentRequest{
		"another service": {ID: docID, Service: "GJ-001", Fields: resident},
		"no id number":    {ID: docID, Service: "HJ-001", Fields: map[string]string{"name": "王美娜"}},
	} {
		_, err := sample().Issue(context.Background(), "HALL-0007", req)
		var pe *protocol.Error
		if !errors.As(err, &pe) || pe.Code != protocol.CodeNotIssued || pe.Message == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func BenchmarkIssue(b *testing.B) {
	s := sample()
	for b.Loop() {
		if _, err := s.Issue(context.Background(), "HALL-0007", protocol.DocumentRequest{ID: docID, Service: "HJ-001", Fields: resident}); err != nil {
			b.Fatal(err)
		}
	}
}
