package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/skip2/go-qrcode"

	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// A staff member's own account: turning two-step login on. The secret is
// made here, kept in the session until a code from the staff member's app
// shows the app has it, and only then stored (district.EnableTOTP).

type accountView struct {
	frame
	TwoStep bool
	Pending bool   // a secret waits for its first code
	Secret  string // for typing into an app that cannot scan
}

func (c *Console) account(w http.ResponseWriter, r *http.Request, s *session) {
	v := accountView{frame: c.savedFrame(r, s, "account", "我的账户 · My account"), TwoStep: s.staff.TwoStep}
	if !v.TwoStep && r.URL.Query().Get("setup") != "" {
		secret, address, err := c.opt.District.NewTOTPKey(s.staff.Name)
		if err != nil {
			c.failErr(w, s, err, "/account")
			return
		}
		if err := c.keep(r, func(s *district.ConsoleSession) { s.TOTPSecret, s.TOTPAddress = secret, address }); err != nil {
			c.failErr(w, s, err, "/account")
			return
		}
		v.Pending, v.Secret = true, groupsOf4(secret)
	}
	c.render(w, http.StatusOK, "account.html", v)
}

// groupsOf4 writes a secret as people copy it: ABCD EFGH …
func groupsOf4(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// twoStepQR is the QR code of the pending secret's otpauth:// address, for
// an authenticator app to scan. It is served from the console itself: the
// page's CSP allows no data: image.
func (c *Console) twoStepQR(w http.ResponseWriter, r *http.Request, s *session) {
	if s.TOTPAddress == "" {
		http.NotFound(w, r)
		return
	}
	png, err := qrcode.Encode(s.TOTPAddress, qrcode.Medium, 256)
	if err != nil {
		http.Error(w, "the QR code could not be made", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(png)
}

// enableTwoStep turns two-step login on with the pending secret once the
// code from the app matches it.
func (c *Console) enableTwoStep(w http.ResponseWriter, r *http.Request, s *session) {
	if s.TOTPSecret == "" {
		c.failErr(w, s, badInput{errors.New("请先生成密钥 · make a key first")}, "/account")
		return
	}
	code := strings.TrimSpace(r.PostForm.Get("code"))
	err := c.opt.District.EnableTOTP(s.staff.Name, s.TOTPSecret, code, clientIP(r))
	if errors.Is(err, district.ErrTOTPCode) {
		c.failErr(w, s, badInput{errors.New("验证码不对，请看应用里当前的 6 位数字再试 · the code does not match: try the 6 digits the app shows now")}, "/account?setup=1")
		return
	}
	if err != nil {
		c.failErr(w, s, err, "/account")
		return
	}
	// Two-step login is on; the pending key is only forgotten.
	if err := c.keep(r, func(s *district.ConsoleSession) { s.TOTPSecret, s.TOTPAddress = "", "" }); err != nil {
		c.opt.Log.Warn("console: forgetting a two-step key set up", "staff", s.staff.Name, "err", err)
	}
	http.Redirect(w, r, "/account?saved=1", http.StatusSeeOther)
}
