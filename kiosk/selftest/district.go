package selftest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

const fixProvision = "enroll the terminal: get a one-time token from the district (`districtd token new`) and run " +
	"`kioskctl provision --backend https://DISTRICT:PORT --token TOKEN`"

// fixReenroll is for a terminal whose enrollment no longer works.
func fixReenroll(terminal string) string {
	return "enroll the terminal again: ask the district for a token made for it (`districtd token new --terminal " + terminal +
		"`) and run `kioskctl provision --force --backend URL --token TOKEN`; the queue is kept"
}

// answer is what the district's reply says about time: when it was sent
// (its Date header) and when, by this terminal's clock, it arrived.
type answer struct {
	dated     bool
	server    time.Time
	local     time.Time
	roundTrip time.Duration
}

// checkDistrict asks the district for its configuration with nothing
// newer than the terminal could have (?have=max): a request every
// enrolled terminal may make, that changes nothing at the district and is
// answered "204 nothing newer". It goes over the terminal's own mutual
// TLS, so an answer proves the address, the network, the district's
// certificate and the terminal's all at once.
func checkDistrict(ctx context.Context, id *client.Identity, idErr error, opt Options) (Result, answer) {
	res := Result{Name: CheckDistrict}
	switch {
	case errors.Is(idErr, client.ErrNotEnrolled):
		res.Status, res.Detail, res.Fix = Fail, "not enrolled with a district: submissions stay on the terminal", fixProvision
		return res, answer{}
	case idErr != nil:
		res.Status, res.Detail = Fail, "the enrollment files cannot be read: "+idErr.Error()
		res.Fix = "enroll the terminal again with `kioskctl provision --force --backend URL --token TOKEN`"
		return res, answer{}
	}
	host := id.Backend
	if u, err := url.Parse(id.Backend); err == nil && u.Host != "" {
		host = u.Host
	}
	tr := &http.Transport{
		TLSClientConfig:       id.TLSConfig(),
		DialContext:           (&net.Dialer{Timeout: opt.NetworkTimeout}).DialContext,
		TLSHandshakeTimeout:   opt.NetworkTimeout,
		ResponseHeaderTimeout: opt.NetworkTimeout,
		DisableKeepAlives:     true, // one request: leave no connection behind
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: opt.NetworkTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	ctx, cancel := context.WithTimeout(ctx, opt.NetworkTimeout)
	defer cancel()
	u := id.Backend + protocol.PathConfig + "?have=" + strconv.FormatUint(math.MaxUint64, 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		res.Status, res.Detail, res.Fix = Fail, "the district's address "+id.Backend+" is not usable: "+err.Error(), fixReenroll(id.TerminalID)
		return res, answer{}
	}
	req.Header.Set(protocol.Header, strconv.Itoa(protocol.Version))
	sent := opt.Now()
	resp, err := hc.Do(req)
	got := opt.Now()
	if err != nil {
		res.Status = Fail
		res.Detail, res.Fix = explainLinkError(err, host, id.TerminalID, opt.NetworkTimeout)
		return res, answer{}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	ans := answer{local: sent.Add(got.Sub(sent) / 2), roundTrip: got.Sub(sent)}
	if t, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		ans.dated, ans.server = true, t
	}
	switch {
	case resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusOK:
		res.Status = OK
		res.Detail = fmt.Sprintf("%s answered in %d ms over mutual TLS (terminal %s)", host, ans.roundTrip.Milliseconds(), id.TerminalID)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		res.Status = Fail
		res.Detail = fmt.Sprintf("%s refuses this terminal: %s", host, districtMessage(resp.StatusCode, body))
		res.Fix = fixReenroll(id.TerminalID)
	default:
		res.Status = Fail
		res.Detail = fmt.Sprintf("%s answered %s", host, districtMessage(resp.StatusCode, body))
		res.Fix = "the district's server has a problem: tell the district's operators, with this message"
	}
	return res, ans
}

// districtMessage is the district's own words for a refusal.
func districtMessage(status int, body []byte) string {
	var pe protocol.Error
	if json.Unmarshal(body, &pe) == nil && pe.Code != "" {
		return fmt.Sprintf("%d %s: %s", status, pe.Code, pe.Message)
	}
	return fmt.Sprintf("%d %s", status, http.StatusText(status))
}

// explainLinkError says what a failed request means: which part of the
// way to the district broke, and what to do about it.
func explainLinkError(err error, host, terminal string, timeout time.Duration) (detail, fix string) {
	var unknownCA x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var hostname x509.HostnameError
	var alert tls.AlertError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &unknownCA):
		return "the server at " + host + " is not this terminal's district: its certificate is not from the district's CA",
			"check the address (kioskctl sync status shows it); if the district replaced its CA, " + fixReenroll(terminal)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "the district's certificate is not valid at this terminal's time: " + invalid.Error(),
			"check the clock (the clock check below); if the clock is right, tell the district's operators"
	case errors.As(err, &hostname):
		return "the district's certificate does not name " + host, "use the address the district gave; " + fixReenroll(terminal)
	case errors.As(err, &alert):
		return "the district refused the terminal's certificate (" + alert.Error() + ")", fixReenroll(terminal)
	case errors.As(err, &dnsErr):
		return "the name in " + host + " cannot be looked up: " + dnsErr.Error(),
			"check the terminal's network settings and DNS server, and the network cable"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing answers at " + host + " (connection refused)",
			"the district's server is down or the port is wrong: check the address with the district"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "no route to " + host, "check the network cable and the terminal's network settings (address, gateway)"
	case errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		return fmt.Sprintf("no answer from %s within %s", host, timeout),
			"check the network cable, the router, and any firewall or VPN on the way: outbound HTTPS to " + host + " must be allowed"
	}
	return "cannot reach " + host + ": " + err.Error(), "check the network cable and the terminal's network settings"
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// checkCertificate reads the terminal's certificate: how long it is still
// valid, and whether it is for the terminal the configuration names.
func checkCertificate(id *client.Identity, idErr error, cfg config.Config, now time.Time) Result {
	res := Result{Name: CheckCertificate}
	switch {
	case errors.Is(idErr, client.ErrNotEnrolled):
		res.Status, res.Detail = Skipped, "no certificate: the terminal is not enrolled (see district)"
		return res
	case idErr != nil:
		res.Status, res.Detail = Fail, "the certificate cannot be read: "+idErr.Error()
		res.Fix = "enroll the terminal again with `kioskctl provision --force --backend URL --token TOKEN`"
		return res
	}
	leaf, err := Certificate(id)
	if err != nil {
		res.Status, res.Detail, res.Fix = Fail, err.Error(), fixReenroll(id.TerminalID)
		return res
	}
	day := "2006-01-02"
	left := leaf.NotAfter.Sub(now)
	switch {
	case now.After(leaf.NotAfter):
		res.Status = Fail
		res.Detail = "the terminal's certificate expired on " + leaf.NotAfter.Local().Format(day) + ": the district refuses the terminal"
		res.Fix = fixReenroll(id.TerminalID)
		return res
	case now.Before(leaf.NotBefore):
		res.Status = Fail
		res.Detail = "the terminal's certificate is not valid until " + leaf.NotBefore.Local().Format(day) + ": the clock is behind"
		res.Fix = "set the clock (see the clock check)"
		return res
	case left < 30*24*time.Hour:
		res.Status = Warn
		res.Detail = fmt.Sprintf("the terminal's certificate expires on %s, in %d days", leaf.NotAfter.Local().Format(day), int(left.Hours()/24))
		res.Fix = "renew it before then: " + fixReenroll(id.TerminalID)
	default:
		res.Status = OK
		res.Detail = fmt.Sprintf("valid until %s (%d days)", leaf.NotAfter.Local().Format(day), int(left.Hours()/24))
	}
	if id.TerminalID != cfg.TerminalID {
		res.Status = worse(res.Status, Warn)
		res.Detail += fmt.Sprintf("; enrolled as %s, but the configuration says terminal_id = %q", id.TerminalID, cfg.TerminalID)
		fix := "set terminal_id = \"" + id.TerminalID + "\" in the configuration, or enroll the terminal as " + cfg.TerminalID
		if res.Fix != "" {
			fix = res.Fix + "; " + fix
		}
		res.Fix = fix
	}
	return res
}

// Certificate returns the terminal's certificate from its identity.
func Certificate(id *client.Identity) (*x509.Certificate, error) {
	certs := id.TLSConfig().Certificates
	if len(certs) == 0 || len(certs[0].Certificate) == 0 {
		return nil, errors.New("the enrollment holds no certificate")
	}
	if certs[0].Leaf != nil {
		return certs[0].Leaf, nil
	}
	leaf, err := x509.ParseCertificate(certs[0].Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("the terminal's certificate: %w", err)
	}
	return leaf, nil
}

// maxSkew is how far the terminal's clock may be from the district's:
// receipts carry the time, and the district orders events by it.
const maxSkew = 2 * time.Minute

const fixClock = "turn on network time (`sudo timedatectl set-ntp true`; the firewall must let NTP out), " +
	"or set the clock by hand (`sudo timedatectl set-time \"YYYY-MM-DD HH:MM:SS\"`); " +
	"a clock that is wrong after every power cut needs a new RTC battery on the mainboard"

// checkClock looks for a clock that cannot be right (before the software
// was built, or decades after) and, when the district answered, compares
// it with the district's.
func checkClock(now time.Time, built int, ans answer) Result {
	res := Result{Name: CheckClock}
	shown := now.Format("2006-01-02 15:04:05 MST")
	switch {
	case now.Year() < built:
		res.Status, res.Detail, res.Fix = Fail, fmt.Sprintf("the clock says %s, before this software was built (%d)", shown, built), fixClock
		return res
	case now.Year() > built+20:
		res.Status, res.Detail, res.Fix = Fail, fmt.Sprintf("the clock says %s: that cannot be right", shown), fixClock
		return res
	}
	if !ans.dated {
		res.Status, res.Detail = OK, shown+"; not compared with the district's clock (the district did not answer)"
		return res
	}
	// The Date header has whole seconds; the round trip adds its own
	// doubt. Both are far below maxSkew.
	skew := ans.local.Sub(ans.server).Round(time.Second)
	ahead := "ahead of"
	if skew < 0 {
		ahead, skew = "behind", -skew
	}
	if skew > maxSkew {
		res.Status = Warn
		res.Detail = fmt.Sprintf("the clock (%s) is %s %s the district's", shown, skew, ahead)
		res.Fix = fixClock
		return res
	}
	res.Status = OK
	res.Detail = fmt.Sprintf("%s, within %s of the district's clock", shown, max(skew, time.Second))
	return res
}
