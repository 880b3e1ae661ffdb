package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"
	"golang.org/x/sys/unix"

	"github.com/yizhan-kiosk/yizhan/devices/camera/v4l2"
	"github.com/yizhan-kiosk/yizhan/devices/discover"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/selftest"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/durable"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// version is set at build time with -ldflags "-X main.version=..." (the
// Makefile does); the bundle names it.
var version = "dev"

// journalLines is how much of the kiosk's journal the bundle carries.
const journalLines = 2000

// diag writes the diagnostic bundle: what the district's support needs to
// understand a terminal, and nothing personal.
func diag(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	out := fs.String("out", "", "the bundle to write, `FILE.tar.gz`")
	cfgPath := fs.String("config", config.DefaultPath, "the terminal's configuration `FILE`")
	data := fs.String("data", "", "the terminal's data folder, `DIR` (default: the configuration's data_dir)")
	noSelftest := fs.Bool("no-selftest", false, "leave the self-test out (it talks to the devices)")
	return func(words []string) error {
		if len(words) > 0 {
			return fmt.Errorf("%w: unexpected %q", errUsage, words[0])
		}
		if *out == "" {
			return fmt.Errorf("%w: --out is required", errUsage)
		}
		cfg, err := selftestConfig(*cfgPath, false, *data)
		if err != nil {
			return err
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		files := collectDiag(ctx, diagOptions{Config: cfg, Selftest: !*noSelftest, Journal: readKioskJournal, Now: time.Now()})
		if err := writeDiag(*out, files, time.Now()); err != nil {
			return err
		}
		var names []string
		for _, f := range files {
			names = append(names, f.name)
		}
		fmt.Fprintf(stdout, "wrote %s: %s\n", *out, strings.Join(names, ", "))
		return nil
	}
}

// diagOptions are the inputs of a bundle; tests give their own journal.
type diagOptions struct {
	Config   config.Config
	Selftest bool
	// Journal returns the kiosk's recent log lines (readKioskJournal).
	Journal func(ctx context.Context) ([]byte, error)
	Now     time.Time
}

// diagFile is one file of the bundle.
type diagFile struct {
	name string
	data []byte
}

// collectDiag gathers the bundle's files. A part that cannot be had says
// why inside itself: a terminal in trouble still gets its bundle.
func collectDiag(ctx context.Context, opt diagOptions) []diagFile {
	cfg := opt.Config
	files := []diagFile{
		{"config.toml", diagConfig(cfg)},
		{"versions.txt", diagVersions()},
		{"devices.json", diagJSON(diagDevices(ctx, cfg))},
		{"selftest.json", diagJSON(diagSelftest(ctx, cfg, opt.Selftest))},
		{"queue.json", diagJSON(diagQueue(cfg, opt.Now))},
		{"sync.json", diagJSON(diagSync(cfg, opt.Now))},
		{"logs.txt", diagLogs(ctx, opt.Journal)},
	}
	var manifest strings.Builder
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		// The format of sha256sum, so `sha256sum -c MANIFEST` checks the
		// unpacked bundle.
		fmt.Fprintf(&manifest, "%s  %s\n", hex.EncodeToString(sum[:]), f.name)
	}
	return append(files, diagFile{"MANIFEST", []byte(manifest.String())})
}

// writeDiag writes the files as a gzip'd tar, readable by its owner only,
// renamed into place whole. A bundle is small: it is made in memory.
func writeDiag(path string, files []diagFile, now time.Time) error {
	var buf bytes.Buffer
	if err := writeTarGz(&buf, files, now); err != nil {
		return fmt.Errorf("diag: %w", err)
	}
	if err := writeOutput(path, buf.Bytes()); err != nil {
		return fmt.Errorf("diag: %w", err)
	}
	return nil
}

// writeOutput writes what a command was asked to write (--out): whole or
// not at all, readable by its owner only (a face photo, a bundle), and
// only into a folder that exists, which a typo does not.
func writeOutput(path string, data []byte) error {
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := durable.WriteFile(path, data, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeTarGz(w io.Writer, files []diagFile, now time.Time) error {
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o600, Size: int64(len(f.data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func diagJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		// Only a programming mistake gets here; the file says so.
		return []byte(fmt.Sprintf("{\"error\": %q}\n", err.Error()))
	}
	return b.Bytes()
}

// diagConfig is the configuration as the terminal parsed it, encoded
// anew: the file's comments and anything else in it stay behind. The
// configuration holds no secrets by design (config package); its paths
// name key files, never their content, so nothing needs dropping.
func diagConfig(cfg config.Config) []byte {
	var b bytes.Buffer
	b.WriteString("# kioskctl diag: the configuration as the terminal parsed it, encoded anew\n")
	if err := toml.NewEncoder(&b).Encode(cfg); err != nil {
		return []byte("# the configuration could not be encoded: " + err.Error() + "\n")
	}
	return b.Bytes()
}

// diagVersions names the software and the system it runs on.
func diagVersions() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "kioskctl\t%s\n", version)
	fmt.Fprintf(&b, "go\t%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if info, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(&b, "module\t%s %s\n", info.Main.Path, info.Main.Version)
		for _, s := range info.Settings {
			if strings.HasPrefix(s.Key, "vcs.") {
				fmt.Fprintf(&b, "%s\t%s\n", s.Key, s.Value)
			}
		}
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		fmt.Fprintf(&b, "os\t%s %s %s %s\n", unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]),
			unix.ByteSliceToString(u.Version[:]), unix.ByteSliceToString(u.Machine[:]))
	} else {
		fmt.Fprintf(&b, "os\tuname failed: %v\n", err)
	}
	if text, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(text), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				fmt.Fprintf(&b, "distribution\t%s\n", strings.Trim(v, `"`))
			}
		}
	}
	return []byte(scrubText(b.String()))
}

// diagDevice is a configured device and whether the system shows it.
type diagDevice struct {
	Role       string `json:"role"`
	Configured string `json:"configured"`
	// Present is whether its node or USB id is there; null when that
	// cannot be known without talking to it (a network printer).
	Present *bool  `json:"present"`
	Node    string `json:"node,omitempty"` // where a path leads
	Note    string `json:"note,omitempty"`
}

type diagUSB struct {
	ID           string `json:"id"` // VID:PID
	Manufacturer string `json:"manufacturer,omitempty"`
	Product      string `json:"product,omitempty"`
	Printer      bool   `json:"printer,omitempty"` // has a USB printer-class interface
}

type diagVideo struct {
	Path   string   `json:"path"`
	ID     string   `json:"id"`
	USB    string   `json:"usb,omitempty"`
	ByID   []string `json:"by_id,omitempty"`
	ByPath []string `json:"by_path,omitempty"`
}

type diagDevicesReport struct {
	KioskRunning bool         `json:"kiosk_running"`
	KioskPID     int          `json:"kiosk_pid,omitempty"`
	Configured   []diagDevice `json:"configured"`
	USB          []diagUSB    `json:"usb"`
	SerialPorts  []string     `json:"serial_ports"`
	PrinterFiles []string     `json:"printer_files"`
	Video        []diagVideo  `json:"video"`
	VideoError   string       `json:"video_error,omitempty"`
}

// diagDevices is what the system shows of the devices, found without
// opening any: sysfs and /dev only.
func diagDevices(ctx context.Context, cfg config.Config) diagDevicesReport {
	var rep diagDevicesReport
	rep.KioskPID, rep.KioskRunning = selftest.RunningKiosk(cfg.DataDir)
	rep.USB = diagUSBDevices(ctx)
	rep.SerialPorts = diagGlob("/dev/ttyUSB*", "/dev/ttyACM*", "/dev/yizhan/*", "/dev/serial/by-id/*")
	rep.PrinterFiles = diagGlob("/dev/usb/lp*")
	rep.Video = []diagVideo{}
	nodes, err := v4l2.ScanNodes("/sys", "/dev")
	if err != nil {
		rep.VideoError = err.Error()
	}
	for _, n := range nodes {
		rep.Video = append(rep.Video, diagVideo{Path: n.Path, ID: n.ID, USB: n.USB, ByID: n.ByID, ByPath: n.ByPath})
	}

	usbHas := func(id string) *bool {
		found := false
		for _, u := range rep.USB {
			found = found || strings.EqualFold(u.ID, id)
		}
		return &found
	}
	reader := diagDevice{Role: "idcard"}
	switch {
	case cfg.IDCard.Port != "":
		reader.Configured = cfg.IDCard.Port
		reader.Present, reader.Node = diagPathPresent(cfg.IDCard.Port)
	case cfg.IDCard.USB != "":
		reader.Configured = "usb:" + cfg.IDCard.USB
		reader.Present = usbHas(cfg.IDCard.USB)
	}
	prn := diagDevice{Role: "printer", Configured: cfg.Printer.Device}
	if dev, err := printer.ParseDevice(cfg.Printer.Device); err == nil {
		switch dev.Kind {
		case "serial", "file":
			prn.Present, prn.Node = diagPathPresent(dev.Path)
		case "usb":
			if dev.VID == 0 && dev.PID == 0 {
				found := false
				for _, u := range rep.USB {
					found = found || u.Printer
				}
				prn.Present, prn.Note = &found, "the first USB printer"
			} else {
				prn.Present = usbHas(fmt.Sprintf("%04x:%04x", dev.VID, dev.PID))
			}
		case "tcp":
			prn.Note = "network printer: not probed here (the self-test asks it)"
		case "png":
			prn.Note = "virtual printer: receipts become a picture"
		}
	}
	rep.Configured = []diagDevice{reader, prn,
		diagCamera("facecam", cfg.Camera.Face, usbHas), diagCamera("doccam", cfg.Camera.Document, usbHas)}
	for i := range rep.Configured {
		if rep.Configured[i].Configured == "" {
			rep.Configured[i].Note = "not configured"
		}
	}
	return rep
}

func diagCamera(role, id string, usbHas func(string) *bool) diagDevice {
	d := diagDevice{Role: role, Configured: id}
	switch {
	case id == "":
	case strings.HasPrefix(id, "sim:"):
		yes := true
		d.Present, d.Note = &yes, "simulated"
	case strings.HasPrefix(id, "/"):
		d.Present, d.Node = diagPathPresent(id)
	case strings.HasPrefix(id, "usb:"):
		parts := strings.Split(strings.TrimPrefix(id, "usb:"), ":")
		if len(parts) >= 2 {
			d.Present = usbHas(parts[0] + ":" + parts[1])
		}
		if len(parts) == 3 {
			d.Note = "the serial number is not compared here"
		}
	}
	return d
}

// diagPathPresent reports whether a device path exists and where its links
// lead.
func diagPathPresent(path string) (*bool, string) {
	target, err := filepath.EvalSymlinks(path)
	present := err == nil
	if !present {
		target = ""
	}
	return &present, target
}

func diagGlob(patterns ...string) []string {
	out := []string{}
	for _, p := range patterns {
		found, _ := filepath.Glob(p)
		out = append(out, found...)
	}
	return out
}

// diagUSBDevices lists the USB devices as the device scan reads them from
// sysfs, without talking to any (no 1284 id is asked for), and whether one
// has a printer-class interface (class 07).
func diagUSBDevices(ctx context.Context) []diagUSB {
	noID := func(bus, address, intf, alt int) (string, error) {
		return "", errors.New("not asked for the bundle")
	}
	out := []diagUSB{}
	for _, d := range discover.Scan(ctx, discover.Options{DeviceID: noID}).USBDevices {
		u := diagUSB{ID: d.ID, Manufacturer: scrubLine(d.Manufacturer), Product: scrubLine(d.Product)}
		for _, in := range d.Interfaces {
			u.Printer = u.Printer || in.Class == "07"
		}
		out = append(out, u)
	}
	return out
}

// diagSelftest runs the self-test without printing: the bundle may be
// made while residents use the terminal.
func diagSelftest(ctx context.Context, cfg config.Config, run bool) any {
	if !run {
		return map[string]string{"skipped": "left out with --no-selftest"}
	}
	rep := selftest.Run(ctx, cfg, selftest.Options{NoPrint: true})
	for i, r := range rep.Results {
		rep.Results[i].Detail, rep.Results[i].Fix = scrubLine(r.Detail), scrubLine(r.Fix)
	}
	return rep
}

// diagQueueReport is the queue at a glance: counts, ages and disk use.
// It never holds a record's sealed or personal part, its id or its
// receipt number.
type diagQueueReport struct {
	Note                 string                               `json:"note,omitempty"`
	Error                string                               `json:"error,omitempty"`
	ByState              map[outbox.State]int                 `json:"by_state"`
	ByKind               map[outbox.Kind]int                  `json:"by_kind"`
	ByKindAndState       map[outbox.Kind]map[outbox.State]int `json:"by_kind_and_state"`
	OldestWaitingSeconds int64                                `json:"oldest_waiting_seconds"`
	OldestRecordSeconds  int64                                `json:"oldest_record_seconds"`
	NewestRecordSeconds  int64                                `json:"newest_record_seconds"`
	Attachments          int                                  `json:"attachments"`
	AttachmentBytes      int64                                `json:"attachment_sealed_bytes"`
	UsedBytes            int64                                `json:"used_bytes"`
	BudgetBytes          int64                                `json:"budget_bytes"`
	NearBudget           bool                                 `json:"near_budget"`
	Files                *selftest.QueueFiles                 `json:"files,omitempty"`
	SetAside             []string                             `json:"set_aside,omitempty"`
}

func diagQueue(cfg config.Config, now time.Time) diagQueueReport {
	rep := diagQueueReport{ByState: map[outbox.State]int{}, ByKind: map[outbox.Kind]int{},
		ByKindAndState: map[outbox.Kind]map[outbox.State]int{}, BudgetBytes: int64(cfg.Outbox.BudgetMiB) << 20,
		SetAside: selftest.SetAside(cfg.DataDir)}
	filesOnly := func(why string) diagQueueReport {
		rep.Note = why
		if q, err := selftest.MeasureQueueFiles(cfg.DataDir); err == nil {
			rep.Files = &q
		}
		return rep
	}
	if _, running := selftest.RunningKiosk(cfg.DataDir); running {
		return filesOnly("the running kiosk holds the queue: only its files were measured; stop the kiosk for the counts")
	}
	r, err := outbox.OpenReader(cfg.DataDir, rep.BudgetBytes)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		rep.Note = "no queue yet: nothing has been submitted on this terminal"
		return rep
	case errors.Is(err, outbox.ErrInUse):
		return filesOnly("another program holds the queue: only its files were measured")
	case err != nil:
		rep.Error = scrubLine(err.Error())
		return rep
	}
	defer r.Close()
	st, err := r.Stats()
	if err != nil {
		rep.Error = scrubLine(err.Error())
		return rep
	}
	rep.ByState, rep.ByKind = st.ByState, st.ByKind
	rep.OldestWaitingSeconds = int64(st.OldestQueued.Seconds())
	rep.UsedBytes, rep.BudgetBytes = st.UsedBytes, st.BudgetBytes
	rep.NearBudget = float64(st.UsedBytes) >= outbox.NearBudget*float64(st.BudgetBytes)
	recs, err := r.List()
	if err != nil {
		rep.Error = scrubLine(err.Error())
		return rep
	}
	// Only counts, sizes and ages leave the records.
	var oldest, newest time.Time
	for _, rec := range recs {
		if rep.ByKindAndState[rec.Kind] == nil {
			rep.ByKindAndState[rec.Kind] = map[outbox.State]int{}
		}
		rep.ByKindAndState[rec.Kind][rec.State]++
		rep.Attachments += len(rec.Attachments)
		for _, a := range rec.Attachments {
			rep.AttachmentBytes += a.Size
		}
		if oldest.IsZero() || rec.Created.Before(oldest) {
			oldest = rec.Created
		}
		if rec.Created.After(newest) {
			newest = rec.Created
		}
	}
	if len(recs) > 0 {
		rep.OldestRecordSeconds = int64(now.Sub(oldest).Seconds())
		rep.NewestRecordSeconds = int64(now.Sub(newest).Seconds())
	}
	return rep
}

// diagSyncReport is the enrollment and the link as the kiosk last saw it.
type diagSyncReport struct {
	Enrolled    bool           `json:"enrolled"`
	Error       string         `json:"error,omitempty"`
	TerminalID  string         `json:"terminal_id,omitempty"`
	Backend     string         `json:"backend,omitempty"`
	Site        string         `json:"site,omitempty"`
	EnrolledAt  time.Time      `json:"enrolled_at,omitzero"`
	Certificate *diagCert      `json:"certificate,omitempty"`
	Status      *client.Status `json:"status,omitempty"` // sync-status.json
	StatusNote  string         `json:"status_note,omitempty"`
}

type diagCert struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  int       `json:"days_left"`
}

func diagSync(cfg config.Config, now time.Time) diagSyncReport {
	var rep diagSyncReport
	id, err := client.LoadIdentity(client.IdentityDir(cfg.DataDir))
	switch {
	case errors.Is(err, client.ErrNotEnrolled):
		rep.Error = "not enrolled with a district"
	case err != nil:
		rep.Error = scrubLine(err.Error())
	default:
		rep.Enrolled, rep.TerminalID, rep.Site, rep.EnrolledAt = true, id.TerminalID, id.Site, id.Enrolled
		rep.Backend = id.Backend
		if u, err := url.Parse(id.Backend); err == nil {
			u.User = nil // an address never needs its password in a bundle
			rep.Backend = u.String()
		}
		if leaf, err := selftest.Certificate(id); err == nil {
			rep.Certificate = &diagCert{Subject: leaf.Subject.CommonName, Issuer: leaf.Issuer.CommonName,
				NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(), DaysLeft: int(leaf.NotAfter.Sub(now).Hours() / 24)}
		}
	}
	st, err := client.ReadStatus(cfg.DataDir)
	if err != nil {
		rep.StatusNote = scrubLine(err.Error())
		return rep
	}
	st.LastError, st.CatalogRefused = scrubLine(st.LastError), scrubLine(st.CatalogRefused)
	rep.Status = &st
	return rep
}

// errNoJournalctl means the machine has no journalctl.
var errNoJournalctl = errors.New("journalctl not found")

// readKioskJournal returns the kiosk service's recent journal.
func readKioskJournal(ctx context.Context) ([]byte, error) {
	path, err := exec.LookPath("journalctl")
	if err != nil {
		return nil, errNoJournalctl
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var out, errOut diagCapped
	out.max, errOut.max = 32<<20, 64<<10
	cmd := exec.CommandContext(ctx, path, "-u", "yizhan-kiosk", "-n", fmt.Sprint(journalLines), "--no-pager", "-o", "short-iso")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 2 * time.Second // a killed journalctl must not hold the pipes
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("journalctl: %v: %s", err, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), nil
}

// diagCapped keeps the first max bytes written to it and drops the
// rest, never failing the writer.
type diagCapped struct {
	bytes.Buffer
	max int
}

func (c *diagCapped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// diagLogs is the kiosk's recent journal, every line scrubbed.
func diagLogs(ctx context.Context, journal func(context.Context) ([]byte, error)) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# journalctl -u yizhan-kiosk -n %d --no-pager -o short-iso\n", journalLines)
	b.WriteString("# every line scrubbed: Chinese text, long numbers (ID, phone), escaped bytes and base64/hex strings are masked\n")
	text, err := journal(ctx)
	switch {
	case errors.Is(err, errNoJournalctl):
		b.WriteString("# journalctl is not on this machine: no logs\n")
	case err != nil:
		b.WriteString("# the journal could not be read: " + scrubLine(err.Error()) + "\n")
	}
	lines := strings.Split(strings.TrimRight(string(text), "\n"), "\n")
	if len(lines) > journalLines {
		lines = lines[len(lines)-journalLines:]
	}
	for _, l := range lines {
		if l == "" {
			continue
		}
		b.WriteString(scrubLine(l))
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
