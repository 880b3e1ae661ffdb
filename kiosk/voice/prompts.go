// Package voice is the terminal's spoken guidance: a short prompt at each
// step of a journey, played through ALSA, for residents who do not see the
// screen well or do not read well — on in elderly mode by default, and a
// 🔊 button on every screen says the step's prompt again.
//
// Prompts are fixed recordings, one WAV file per prompt id: the
// package's, made at build time with espeak-ng's Mandarin voice from the
// texts below (kioskctl voice make), or the district's own recordings of
// the same ids, which are better. Nothing is spoken that was not
// recorded beforehand: never a name, a number, or anything the resident
// typed or the card said.
package voice

// Prompt is one thing the terminal says, by its id, and what the
// package's recording of it says.
type Prompt struct {
	ID   string
	Text string // Mandarin, for the recording
}

// Prompts are every prompt, by the screen or step that plays it.
var Prompts = []Prompt{
	{"home", "您好。请点屏幕上的按钮，选择要办的事。需要帮助，请点呼叫帮办。"},
	{"services", "请选择要办理的事项。"},
	{"guide", "这是办事指南。看完后，请点开始办理。"},
	{"card", "请把身份证放在读卡区。"},
	{"face", "办理需要拍一张您的照片。请正对摄像头，按屏幕提示拍照。"},
	{"form", "请核对表格。来自身份证的内容不用改，其他的请点选或填写。"},
	{"materials", "请把材料放在高拍仪下面，点拍照。"},
	{"review", "请核对您的申请，没有问题就点提交。"},
	{"receipt", "申请已经提交。请取走凭条，保存好。"},
	{"rating", "请为这次服务评价。"},
	{"staff_help", "这一步需要工作人员帮助，请点呼叫帮办。"},
	{"query", "请把身份证放在读卡区，或者把凭条上的二维码对准扫码窗口。"},
	{"rate", "请把身份证放在读卡区，选择要评价的事项。"},
	{"complain", "请选择咨询、投诉或者建议。"},
	{"staff", "正在通知工作人员，请在原地稍候。"},
	{"certificate_issuing", "正在开具证明，请稍候。"},
	{"certificate_stopped", "打印机需要工作人员处理。您可以呼叫帮办，或者不等了。"},
	{"certificate_printed", "证明已经打好。请从打印机出纸口取走证明，带好身份证。"},
	{"idle", "您还在吗？还要继续，请点一下屏幕。"},
}

// Lookup finds a prompt by its id.
func Lookup(id string) (Prompt, bool) {
	for _, p := range Prompts {
		if p.ID == id {
			return p, true
		}
	}
	return Prompt{}, false
}
