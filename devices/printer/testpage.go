package printer

import (
	"fmt"
	"time"
)

// TestPage is the page technicians print to check a printer: the terminal,
// the profile, Chinese text of every kind a receipt holds, a QR code and a
// cut.
func TestPage(terminal string, p Profile, now time.Time) Receipt {
	shown, coded := terminal, terminal
	if terminal == "" {
		shown, coded = "未配置", "UNCONFIGURED"
	}
	// The code holds ASCII only (see Block's validation): every scanner
	// reads it the same.
	qr := "YIZHAN-TEST " + coded + " " + now.Format("20060102T150405")
	return Receipt{Blocks: []Block{
		Title("打印测试页"),
		Separator(),
		Row("终端", shown),
		Row("纸宽", fmt.Sprintf("%s（%d 点，%d 字符）", p.Name, p.Dots, p.Columns)),
		Row("原生二维码", map[bool]string{true: "是", false: "否"}[p.NativeQR]),
		Row("切刀", map[bool]string{true: "有", false: "无"}[p.Cut]),
		Row("时间", now.Format("2006-01-02 15:04:05")),
		Separator(),
		Text("中文：政务服务一网通办，好差评。"),
		Text("生僻字：镕堃喆昇赟玥珺祎犇淼垚鑫燊彧"),
		Text("图像行：刘䶮"),
		Text("ASCII: 0123456789 ABCDEFGHIJ abcdefghij"),
		Text("加粗居中").Aligned(Center).Emphasised(),
		Text("倍宽倍高").Aligned(Center).Magnified(2, 2),
		QR(qr),
		Text("扫码应读出：" + qr).Aligned(Center),
		Cut(),
	}}
}
