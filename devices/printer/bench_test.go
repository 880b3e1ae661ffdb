package printer

import (
	"testing"
)

// typical is a receipt as the terminal prints one: ten lines of Chinese and
// a QR code with a link.
func typical() Receipt {
	return Receipt{Blocks: []Block{
		Title("受理回执"),
		Text("示范区政务服务中心").Aligned(Center),
		Separator(),
		Row("受理编号", "A20261127-0001"),
		Row("办理事项", "养老保险待遇资格认证"),
		Row("申请人", "张*华"),
		Row("受理时间", "2026-11-27 09:41"),
		Row("承诺办结", "2026年12月11日"),
		Row("办理部门", "区人力资源和社会保障局"),
		Row("咨询电话", "12345"),
		Separator(),
		QR("https://zwfw.example.gov.cn/q/A20261127-0001"),
		Text("扫码查询办理进度").Aligned(Center),
		Cut(),
	}}
}

func benchRender(b *testing.B, p Profile) {
	r := typical()
	var n int
	for b.Loop() {
		data, err := Render(r, p)
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.ReportMetric(float64(n), "bytes/receipt")
	b.ReportMetric(float64(n)*10/9600, "s-at-9600-baud")
}

func BenchmarkTypicalReceipt58RasterQR(b *testing.B) { benchRender(b, Profile58) }
func BenchmarkTypicalReceipt80RasterQR(b *testing.B) { benchRender(b, Profile80) }

func BenchmarkTypicalReceipt80NativeQR(b *testing.B) {
	p := Profile80
	p.NativeQR = true
	benchRender(b, p)
}
