// Package selftest is the terminal's self-test: it checks, one by one, what
// a technician would otherwise check by hand — the ID-card reader, the
// printer, the cameras, the queue's disk use, the clock, the link to the
// district and the terminal's certificate — and says for each what is wrong
// and what to do about it, in plain words.
//
// kioskctl selftest prints a Report; kioskctl diag puts one in the
// diagnostic bundle; the kiosk's maintenance screen will show one. So the
// package prints nothing and logs nothing: everything it has to say is in
// the Report. Nothing in a Report is personal: the checks read no card's
// fields, keep no picture and open no record.
//
// The devices are checked through their real drivers. A device is talked
// to only when no kiosk holds the data folder: a running kiosk polls the
// same reader and printer and streams the same cameras, and a second
// program on the line would garble a resident's card read or receipt. The
// other checks read files the kiosk leaves readable, so they run with the
// kiosk up.
package selftest

import (
	"context"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/datalock"
	"github.com/yizhan-kiosk/yizhan/sync/client"
)

// Status is how a check came out.
type Status string

const (
	OK      Status = "ok"
	Warn    Status = "warn"    // works, but needs attention soon
	Fail    Status = "fail"    // does not work: residents are affected
	Skipped Status = "skipped" // nothing to check: not configured, or asked not to
)

// The names of the checks, stable for scripts reading --json and for the
// maintenance screen.
const (
	CheckIDCard         = "idcard"
	CheckPrinter        = "printer"
	CheckTestPage       = "printer.test_page"
	CheckFaceCamera     = "camera.face"
	CheckDocumentCamera = "camera.document"
	CheckScanner        = "scanner"
	CheckA4Printer      = "a4printer"
	CheckOutbox         = "outbox"
	CheckDistrict       = "district"
	CheckCertificate    = "certificate"
	CheckClock          = "clock"
)

// Result is one check's outcome.
type Result struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail is what was found, for the technician and the district's
	// support ("SAM 05050505-…", "paper out").
	Detail string `json:"detail,omitempty"`
	// Fix is what the technician should do, in plain words; set for
	// every failure and warning.
	Fix string `json:"fix,omitempty"`
}

// Report is the outcome of a self-test, the checks in a fixed order.
type Report struct {
	Terminal string    `json:"terminal"`
	At       time.Time `json:"at"`
	// KioskRunning is set when a kiosk held the data folder: its devices
	// were not talked to. KioskPID is its pid when it wrote one.
	KioskRunning bool     `json:"kiosk_running"`
	KioskPID     int      `json:"kiosk_pid,omitempty"`
	Results      []Result `json:"results"`
}

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	for _, res := range r.Results {
		if res.Status == Fail {
			return true
		}
	}
	return false
}

// Result returns the check of that name.
func (r Report) Result(name string) (Result, bool) {
	for _, res := range r.Results {
		if res.Name == name {
			return res, true
		}
	}
	return Result{}, false
}

// Options tune a self-test.
type Options struct {
	// NoPrint leaves the test page out: a bundle made remotely, or a
	// printer whose paper must not be wasted.
	NoPrint bool
	// DeviceTimeout bounds each device's check (6 s); the test page has a
	// minute of its own, as a long receipt may take that long.
	DeviceTimeout time.Duration
	// NetworkTimeout bounds the request to the district (10 s).
	NetworkTimeout time.Duration
	// Now is the terminal's clock (time.Now); tests set it.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.DeviceTimeout <= 0 {
		o.DeviceTimeout = 6 * time.Second
	}
	if o.NetworkTimeout <= 0 {
		o.NetworkTimeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Run checks the terminal cfg describes. It never fails as a whole: a check
// that cannot be done is a Result that says why. It returns when every
// check has ended, each bounded in time, or soon after ctx ends.
func Run(ctx context.Context, cfg config.Config, opt Options) Report {
	opt = opt.withDefaults()
	rep := Report{Terminal: cfg.TerminalID, At: opt.Now()}
	pid, running := datalock.Holder(cfg.DataDir)
	rep.KioskRunning, rep.KioskPID = running, pid

	var devs []Result
	if running {
		devs = heldDevices(cfg, pid)
		// The print system is shared: the A4 printer is asked whatever
		// runs.
		devs = append(devs, checkA4Printer(ctx, cfg.A4Printer, opt))
	} else {
		devs = append(devs, checkIDCard(ctx, cfg.IDCard, opt.DeviceTimeout))
		prn, page := checkPrinter(ctx, cfg, opt)
		devs = append(devs, prn, page)
		devs = append(devs,
			checkCamera(ctx, CheckFaceCamera, "face", "camera.face", cfg.Camera.Face, cfg.Camera.FaceSize, opt.DeviceTimeout),
			checkCamera(ctx, CheckDocumentCamera, "document", "camera.document", cfg.Camera.Document, cfg.Camera.DocumentSize, opt.DeviceTimeout),
			checkScanner(cfg.Scanner),
			checkA4Printer(ctx, cfg.A4Printer, opt))
	}
	rep.Results = append(rep.Results, devs...)
	rep.Results = append(rep.Results, checkOutbox(cfg, running))

	id, idErr := client.LoadIdentity(client.IdentityDir(cfg.DataDir))
	link, ans := checkDistrict(ctx, id, idErr, opt)
	rep.Results = append(rep.Results, link,
		checkCertificate(id, idErr, cfg, opt.Now()),
		checkClock(opt.Now(), buildYear(), ans))
	return rep
}

// fixStopKiosk is the fix for a device the running kiosk holds.
const fixStopKiosk = "to test the devices, stop the kiosk first (sudo systemctl stop yizhan-kiosk), " +
	"run the self-test again, then start the kiosk (sudo systemctl start yizhan-kiosk)"

// heldDevices stands for the device checks while the kiosk runs: each
// configured device is reported untested, with how to test it.
func heldDevices(cfg config.Config, pid int) []Result {
	who := ""
	if pid > 0 {
		who = " (pid " + strconv.Itoa(pid) + ")"
	}
	held := func(name, configured, what string) Result {
		if configured == "" {
			return Result{Name: name, Status: Skipped, Detail: "no " + what + " configured"}
		}
		return Result{Name: name, Status: Warn, Detail: "not tested: the running kiosk" + who + " is using it", Fix: fixStopKiosk}
	}
	reader := cfg.IDCard.Port
	if reader == "" {
		reader = cfg.IDCard.USB
	}
	page := held(CheckTestPage, cfg.Printer.Device, "printer")
	return []Result{
		held(CheckIDCard, reader, "ID-card reader"),
		held(CheckPrinter, cfg.Printer.Device, "printer"),
		page,
		held(CheckFaceCamera, cfg.Camera.Face, "face camera"),
		held(CheckDocumentCamera, cfg.Camera.Document, "document camera"),
		held(CheckScanner, cfg.Scanner.Device, "code scanner"),
	}
}

// minBuildYear is the earliest year this software can have been built in
// when the build does not say: the module needs Go 1.26, released in 2026.
const minBuildYear = 2026

// buildYear is the year the binary was built, from its version control
// stamp, or minBuildYear.
func buildYear() int {
	year := minBuildYear
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return year
	}
	for _, s := range info.Settings {
		if s.Key != "vcs.time" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, s.Value); err == nil && t.Year() > year {
			year = t.Year()
		}
	}
	return year
}
