// Package certificate makes the documents the sample district issues at
// its terminals, as PDF: 户籍证明 (HJ-001), the social insurance
// contribution record (SB-002) and the medical insurance enrolment
// certificate (YB-001) of the sample catalog. A real district plugs its
// own source in (district.Issuer): its household register, its social
// insurance system. This one fills in made-up records from the card's
// details, and every page says it is a sample.
//
// Each page carries the district's name, the title, the resident's
// details, the document number and date, a QR code to check the document
// by, and the district's seal: an image from the district's data folder,
// or a drawn one marked 样章. The text is real text in the terminal's font
// (assets/docfont), so it can be searched, read aloud and checked.
package certificate

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/png" // a seal is a PNG
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/signintech/gopdf"
	"github.com/skip2/go-qrcode"

	"github.com/yizhan-kiosk/yizhan/assets/docfont"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// Sample issues the sample catalog's certificates.
type Sample struct {
	// District is the issuing district's name, at the head of each page.
	District string
	// Seal is the district's seal, drawn at the foot of the last page;
	// nil draws a plain red one marked 样章 (specimen).
	Seal image.Image
	// Verify is the address a document's QR code opens, "{id}" replaced
	// by the document's number; "" puts "YZD1." and the number alone.
	Verify string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Titles are the documents Sample issues, by service code.
var Titles = map[string]string{
	"HJ-001": "户籍证明",
	"SB-002": "社会保险个人缴费记录",
	"YB-001": "医疗保险参保凭证",
}

// Option labels of the sample services' choices.
var labels = map[string]string{
	"school": "入学", "work": "就业", "social_insurance": "办理社会保险", "travel": "出入境证件", "personal": "个人留存",
	"treatment": "就医", "employee": "职工基本医疗保险", "resident": "城乡居民基本医疗保险",
	"all": "全部险种", "pension": "养老保险", "unemployment": "失业保险", "injury": "工伤保险",
	"male": "男", "female": "女",
}

func label(v string) string {
	if l, ok := labels[v]; ok {
		return l
	}
	return v
}

// notIssued is a refusal the resident is shown.
func notIssued(msg string) error {
	return &protocol.Error{Code: protocol.CodeNotIssued, Message: msg}
}

// A4 in points, and the page's margins.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 64.0
	lineGap      = 1.6 // line height as a multiple of the font size
)

// Issue makes the document the request asks for.
func (s *Sample) Issue(ctx context.Context, terminal string, req protocol.DocumentRequest) (protocol.Document, error) {
	title, ok := Titles[req.Service]
	if !ok {
		return protocol.Document{}, notIssued("这项证明不在自助终端开具，请到窗口办理")
	}
	name, id := req.Fields["name"], req.Fields["id_number"]
	if name == "" || len(id) != 18 {
		return protocol.Document{}, notIssued("缺少姓名或公民身份号码")
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	d := &page{s: s, title: title, id: req.ID, issued: now()}
	if err := d.start(); err != nil {
		return protocol.Document{}, err
	}
	var err error
	switch req.Service {
	case "HJ-001":
		err = d.household(req.Fields)
	case "SB-002":
		err = d.contributions(req.Fields)
	case "YB-001":
		err = d.enrolment(req.Fields)
	}
	if err != nil {
		return protocol.Document{}, err
	}
	if err := d.finish(); err != nil {
		return protocol.Document{}, err
	}
	return protocol.Document{ID: req.ID, Title: title, Pages: d.pages, PDF: d.pdf.GetBytesPdf()}, ctx.Err()
}

// page writes a document page by page.
type page struct {
	s      *Sample
	pdf    gopdf.GoPdf
	title  string
	id     string
	issued time.Time
	pages  int
	y      float64 // where the next line goes
}

const font = "sc"

func (d *page) start() error {
	d.pdf.Start(gopdf.Config{PageSize: gopdf.Rect{W: pageW, H: pageH}})
	d.pdf.SetInfo(gopdf.PdfInfo{Title: d.title, Creator: "yizhan districtd", Producer: "yizhan", CreationDate: d.issued})
	if err := d.pdf.AddTTFFontData(font, docfont.Regular); err != nil {
		return fmt.Errorf("certificate: font: %w", err)
	}
	return d.newPage()
}

// newPage starts a page with the district, the title and the document's
// number.
func (d *page) newPage() error {
	d.pdf.AddPage()
	d.pages++
	d.y = margin
	// The sample's mark, across the page in light grey, under the text.
	d.pdf.SetTextColor(0xd8, 0xd8, 0xd8)
	if err := d.pdf.SetFont(font, "", 40); err != nil {
		return err
	}
	d.centre(pageH/2-20, "示例数据 仅供演示")
	d.pdf.SetTextColor(0, 0, 0)
	if err := d.text(13, d.s.District, true); err != nil {
		return err
	}
	d.y += 8
	if err := d.pdf.SetFont(font, "", 24); err != nil {
		return err
	}
	d.y += 24 // text stands on its baseline
	d.centre(d.y, d.title)
	d.y += 24 * (lineGap - 1)
	d.pdf.SetTextColor(0x55, 0x55, 0x55)
	if err := d.text(10, fmt.Sprintf("编号 %s    开具时间 %s    第 %d 页", d.id, d.issued.Format("2006-01-02 15:04"), d.pages), false); err != nil {
		return err
	}
	d.pdf.SetTextColor(0, 0, 0)
	d.pdf.SetLineWidth(0.8)
	d.pdf.Line(margin, d.y, pageW-margin, d.y)
	d.y += 18
	return nil
}

// centre writes one line centred at y.
func (d *page) centre(y float64, s string) {
	w, _ := d.pdf.MeasureTextWidth(s)
	d.pdf.SetXY((pageW-w)/2, y)
	d.pdf.Text(s)
	d.pdf.SetXY(margin, y)
}

// text writes a paragraph at size, wrapped to the page, centred if asked.
func (d *page) text(size float64, s string, centred bool) error {
	if err := d.pdf.SetFont(font, "", size); err != nil {
		return err
	}
	lines, err := d.wrap(s, pageW-2*margin)
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	for _, l := range lines {
		if d.y+size > pageH-margin-120 { // the foot keeps room for the code and the seal
			if err := d.newPage(); err != nil {
				return err
			}
			if err := d.pdf.SetFont(font, "", size); err != nil {
				return err
			}
		}
		d.y += size
		if centred {
			d.centre(d.y, l)
		} else {
			d.pdf.SetXY(margin, d.y)
			d.pdf.Text(l)
		}
		d.y += size * (lineGap - 1)
	}
	return nil
}

// wrap breaks a paragraph into lines no wider than width in the current
// font, as Chinese is set: between any two characters, but never inside a
// run of Latin letters and digits (a house number, an ID number), and
// never before closing punctuation, which stays at the end of its line.
func (d *page) wrap(s string, width float64) ([]string, error) {
	var tokens []string
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		if j == i {
			_, n := utf8.DecodeRuneInString(s[i:])
			j = i + n
		}
		tokens = append(tokens, s[i:j])
		i = j
	}
	var lines []string
	line := ""
	for _, tok := range tokens {
		w, err := d.pdf.MeasureTextWidth(line + tok)
		if err != nil {
			return nil, err
		}
		if w > width && line != "" && !strings.ContainsAny(tok, closing) {
			lines = append(lines, line)
			line = ""
		}
		line += tok
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines, nil
}

// closing is the punctuation a line must not start with.
const closing = "，。、；：？！）》」』”’,.;:?!)"

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-'
}

// birthOf reads the date of birth from an ID number.
func birthOf(id string) string {
	if len(id) != 18 {
		return ""
	}
	return id[6:10] + "年" + strings.TrimLeft(id[10:12], "0") + "月" + strings.TrimLeft(id[12:14], "0") + "日"
}

func (d *page) household(f map[string]string) error {
	nation := f["nation"]
	if nation == "" {
		nation = "—"
	}
	gender := label(f["gender"])
	paras := []string{
		fmt.Sprintf("兹证明 %s，性别%s，民族%s，%s出生，公民身份号码 %s，户籍登记地址为%s。",
			f["name"], gender, nation, birthOf(f["id_number"]), f["id_number"], f["address"]),
		"经查询户籍登记信息，以上情况属实。",
		"本证明用于：" + label(f["purpose"]) + "。",
		"特此证明。",
	}
	for _, p := range paras {
		if err := d.text(15, "　　"+p, false); err != nil {
			return err
		}
		d.y += 6
	}
	return nil
}

func (d *page) enrolment(f map[string]string) error {
	rows := [][2]string{
		{"参保人", f["name"]},
		{"公民身份号码", f["id_number"]},
		{"参保险种", label(f["scheme"])},
		{"参保状态", "正常参保"},
		{"参保地", d.s.District},
		{"用途", label(f["purpose"])},
	}
	return d.table([]string{"项目", "内容"}, [][]string{
		{rows[0][0], rows[0][1]}, {rows[1][0], rows[1][1]}, {rows[2][0], rows[2][1]},
		{rows[3][0], rows[3][1]}, {rows[4][0], rows[4][1]}, {rows[5][0], rows[5][1]},
	}, []float64{0.3, 0.7})
}

// contributions is a year a row: the months paid, the base and what the
// resident paid — made up from the year, plainly a sample.
func (d *page) contributions(f map[string]string) error {
	from, err1 := strconv.Atoi(f["from_year"])
	to, err2 := strconv.Atoi(f["to_year"])
	if err1 != nil || err2 != nil || from > to || from < 1990 || to > d.issued.Year() {
		return notIssued("起止年份不正确")
	}
	if err := d.text(14, fmt.Sprintf("参保人 %s    公民身份号码 %s    险种 %s", f["name"], f["id_number"], label(f["insurance"])), false); err != nil {
		return err
	}
	d.y += 8
	var rows [][]string
	total := 0.0
	for y := from; y <= to; y++ {
		base := 3000 + 260*float64(y-1990)
		paid := math.Round(base*12*0.08*100) / 100
		total += paid
		rows = append(rows, []string{strconv.Itoa(y), "12", fmt.Sprintf("%.2f", base), fmt.Sprintf("%.2f", paid)})
	}
	rows = append(rows, []string{"合计", strconv.Itoa(12 * (to - from + 1)), "", fmt.Sprintf("%.2f", total)})
	return d.table([]string{"年份", "缴费月数", "月缴费基数（元）", "个人缴费（元）"}, rows, []float64{0.2, 0.2, 0.3, 0.3})
}

// table draws rows under a header, in columns of the given shares of the
// width, going on to new pages as it needs (the header again on each).
func (d *page) table(header []string, rows [][]string, shares []float64) error {
	const size, h = 12.0, 24.0
	width := pageW - 2*margin
	drawRow := func(cells []string, bold bool) error {
		if d.y+h > pageH-margin-120 {
			if err := d.newPage(); err != nil {
				return err
			}
		}
		if err := d.pdf.SetFont(font, "", size); err != nil {
			return err
		}
		if bold {
			d.pdf.SetFillColor(0xee, 0xee, 0xee)
			d.pdf.Rectangle(margin, d.y, margin+width, d.y+h, "F", 0, 0)
		}
		x := margin
		d.pdf.SetLineWidth(0.5)
		for i, c := range cells {
			w := width * shares[i]
			d.pdf.Rectangle(x, d.y, x+w, d.y+h, "D", 0, 0)
			d.pdf.SetXY(x+6, d.y+(h-size)/2+size*0.85)
			d.pdf.Text(c)
			x += w
		}
		d.y += h
		return nil
	}
	if err := drawRow(header, true); err != nil {
		return err
	}
	for _, r := range rows {
		if d.y+h > pageH-margin-120 {
			if err := d.newPage(); err != nil {
				return err
			}
			if err := drawRow(header, true); err != nil {
				return err
			}
		}
		if err := drawRow(r, false); err != nil {
			return err
		}
	}
	return nil
}

// finish puts the foot on the last page: the code to check the document
// by, the issuing district and date, and the seal over them.
func (d *page) finish() error {
	code := "YZD1." + d.id
	if d.s.Verify != "" {
		code = strings.ReplaceAll(d.s.Verify, "{id}", d.id)
	}
	q, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("certificate: QR code: %w", err)
	}
	q.DisableBorder = false
	top := pageH - margin - 100
	if err := d.pdf.ImageFrom(q.Image(300), margin, top, &gopdf.Rect{W: 90, H: 90}); err != nil {
		return fmt.Errorf("certificate: QR code: %w", err)
	}
	if err := d.pdf.SetFont(font, "", 10); err != nil {
		return err
	}
	d.pdf.SetXY(margin, top+102)
	d.pdf.Text("扫码核验真伪")
	if err := d.pdf.SetFont(font, "", 14); err != nil {
		return err
	}
	right := pageW - margin
	issuer := d.s.District
	w, _ := d.pdf.MeasureTextWidth(issuer)
	d.pdf.SetXY(right-w, top+40)
	d.pdf.Text(issuer)
	date := d.issued.Format("2006年1月2日")
	w, _ = d.pdf.MeasureTextWidth(date)
	d.pdf.SetXY(right-w, top+64)
	d.pdf.Text(date)
	// The seal over the issuer's name, as a stamp is.
	cx, cy := right-60, top+44
	if d.s.Seal != nil {
		return d.pdf.ImageFrom(d.s.Seal, cx-55, cy-55, &gopdf.Rect{W: 110, H: 110})
	}
	return d.drawnSeal(cx, cy)
}

// drawnSeal is a plain red seal: a ring, a star, 样章.
func (d *page) drawnSeal(cx, cy float64) error {
	const r = 50.0
	d.pdf.SetStrokeColor(0xd0, 0x10, 0x10)
	d.pdf.SetLineWidth(3)
	d.pdf.Oval(cx-r, cy-r, cx+r, cy+r)
	var star []gopdf.Point
	for i := range 10 {
		rad := 18.0
		if i%2 == 1 {
			rad = 7
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		star = append(star, gopdf.Point{X: cx + rad*math.Cos(a), Y: cy - 8 + rad*math.Sin(a)})
	}
	d.pdf.SetFillColor(0xd0, 0x10, 0x10)
	d.pdf.Polygon(star, "F")
	d.pdf.SetTextColor(0xd0, 0x10, 0x10)
	if err := d.pdf.SetFont(font, "", 13); err != nil {
		return err
	}
	w, _ := d.pdf.MeasureTextWidth("样章")
	d.pdf.SetXY(cx-w/2, cy+26)
	d.pdf.Text("样章")
	d.pdf.SetTextColor(0, 0, 0)
	d.pdf.SetStrokeColor(0, 0, 0)
	return nil
}

// SealFrom reads a seal image (PNG with transparency is best) from data.
func SealFrom(data []byte) (image.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("certificate: seal: %w", err)
	}
	if b := img.Bounds(); b.Dx() < 64 || b.Dy() < 64 || b.Dx() > 4000 || b.Dy() > 4000 {
		return nil, fmt.Errorf("certificate: seal: %dx%d pixels, want 64 to 4000 a side", b.Dx(), b.Dy())
	}
	return img, nil
}
