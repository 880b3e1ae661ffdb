package selftest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/a4printer"
	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/camera/cameras"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/devices/scanner"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

// quiet is the drivers' logger here: what they would log is in the Result.
var quiet = slog.New(slog.DiscardHandler)

// fixCable is the first thing to try for a device that is not there.
const fixCable = "check the cable and the power of the %s, plug it in again, then run " +
	"`kioskctl devices scan` to see whether the terminal finds it; %s must name it"

// checkIDCard starts the real reader driver and waits for it to read the
// SAM module's id, which it does first whenever it comes online: a reader
// that answers that answers everything but a card.
func checkIDCard(ctx context.Context, c config.IDCard, timeout time.Duration) Result {
	res := Result{Name: CheckIDCard}
	src := idcard.Source{Port: c.Port, Baud: c.Baud, USB: c.USB}
	where, key := src.String(), "idcard.port"
	if c.USB != "" {
		key = "idcard.usb"
	}
	open, err := src.Opener()
	switch {
	case errors.Is(err, idcard.ErrNoSource):
		res.Status, res.Detail = Skipped, "no ID-card reader configured (idcard.port and idcard.usb are empty)"
		return res
	case err != nil:
		res.Status, res.Detail, res.Fix = Fail, err.Error(), "correct "+key+" in the configuration"
		return res
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// The driver reports from its own goroutine; the latest report is kept
	// and a notice coalesces, so the driver never waits for this check.
	var mu sync.Mutex
	var last devices.Status
	changed := make(chan struct{}, 1)
	r := idcard.NewReader(idcard.ReaderConfig{
		Open: open,
		Report: func(s devices.Status) {
			mu.Lock()
			last = s
			mu.Unlock()
			select {
			case changed <- struct{}{}:
			default:
			}
		},
		Log: quiet,
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()

	for {
		select {
		case <-changed:
			mu.Lock()
			s := last
			mu.Unlock()
			if sam := r.SAMID(); sam != "" {
				res.Status, res.Detail = OK, "the reader answers at "+where+": SAM "+sam
				return res
			}
			switch s.State {
			case devices.NoDevice:
				res.Status = Fail
				res.Detail = "no reader at " + where + ": " + s.Reason
				res.Fix = fmt.Sprintf(fixCable, "ID-card reader", key)
				return res
			case devices.HardwareError:
				res.Status = Fail
				res.Detail = "the reader's SAM module failed: " + s.Reason
				res.Fix = "switch the reader off and on (unplug it for ten seconds); if the SAM still fails, replace the reader"
				return res
			}
		case <-ctx.Done():
			if sam := r.SAMID(); sam != "" {
				res.Status, res.Detail = OK, "the reader answers at "+where+": SAM "+sam
				return res
			}
			if errors.Is(ctx.Err(), context.Canceled) {
				res.Status, res.Detail = Skipped, "interrupted before the reader answered"
				return res
			}
			mu.Lock()
			reason := last.Reason
			mu.Unlock()
			res.Status = Fail
			res.Detail = fmt.Sprintf("the reader at %s did not answer within %s", where, timeout)
			if reason != "" {
				res.Detail += ": " + reason
			}
			res.Fix = "check that the reader is powered and its cable is firm; check idcard.baud (115200 unless the module was set otherwise); " +
				"switch the reader off and on"
			return res
		}
	}
}

// checkPrinter asks the printer's status through the real driver and,
// unless opt.NoPrint, prints the test page. It returns both results.
func checkPrinter(ctx context.Context, cfg config.Config, opt Options) (status, page Result) {
	status, page = Result{Name: CheckPrinter}, Result{Name: CheckTestPage}
	pc := cfg.Printer
	if pc.Device == "" {
		status.Status, status.Detail = Skipped, "no printer configured: receipts are shown as a QR code on screen"
		page.Status, page.Detail = Skipped, "no printer configured"
		return status, page
	}
	dev, err := printer.ParseDevice(pc.Device)
	var prof printer.Profile
	if err == nil {
		prof, err = printer.ProfileByName(pc.Profile)
	}
	if err != nil {
		status.Status, status.Detail, status.Fix = Fail, err.Error(), "correct the [printer] section of the configuration"
		page.Status, page.Detail = Skipped, "the printer could not be checked"
		return status, page
	}
	prof.NativeQR = pc.NativeQR
	return printerChecks(ctx, dev, prof, cfg.TerminalID, opt)
}

func printerChecks(ctx context.Context, dev printer.Device, prof printer.Profile, terminal string, opt Options) (status, page Result) {
	status, page = Result{Name: CheckPrinter}, Result{Name: CheckTestPage}
	// The driver keeps its port open between calls and closes it only
	// when its Run loop ends; this check does not run that loop, so it
	// closes every port it opened itself.
	var opened []printer.Port
	defer func() {
		for _, port := range opened {
			port.Close()
		}
	}()
	var last devices.Status
	p := printer.New(printer.Config{
		Open: func(ctx context.Context) (printer.Port, error) {
			port, err := dev.Open(ctx, prof.Dots)
			if err == nil {
				opened = append(opened, port)
			}
			return port, err
		},
		Profile: prof,
		Report:  func(s devices.Status) { last = s }, // called on this goroutine, inside Status and Print
		Log:     quiet,
	})
	sctx, cancel := context.WithTimeout(ctx, opt.DeviceTimeout)
	st, err := p.Status(sctx)
	cancel()
	where := dev.String()
	if err != nil {
		status.Status = Fail
		if last.State == devices.NoDevice {
			status.Detail = "no printer at " + where + ": " + last.Reason
			status.Fix = fmt.Sprintf(fixCable, "printer", "printer.device")
		} else {
			status.Detail = "the printer at " + where + " does not answer: " + err.Error()
			status.Fix = "switch the printer on and check its cable; for a serial printer check the baud rate in printer.device"
		}
	} else {
		status = printerStatus(where, st, last)
	}

	switch {
	case opt.NoPrint:
		page.Status, page.Detail = Skipped, "not printed (asked not to print)"
		return status, page
	case status.Status == Fail:
		page.Status, page.Detail = Skipped, "not printed: the printer is not ready"
		return status, page
	}
	pctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := p.Print(pctx, printer.TestPage(terminal, prof, opt.Now())); err != nil {
		page.Status = Fail
		page.Detail = "the test page did not print whole: " + err.Error()
		page.Fix = "look at the printer: load paper, clear any jam, close the cover; then print again with `kioskctl printer test --device " + where + "`"
		return status, page
	}
	page.Status = OK
	page.Detail = "printed: check that the Chinese text is sharp, the QR code scans and the paper was cut"
	return status, page
}

// printerStatus turns a printer's answer into a result and its fix.
func printerStatus(where string, st printer.Status, last devices.Status) Result {
	res := Result{Name: CheckPrinter}
	switch last.State {
	case devices.Online:
		if st.PaperNearEnd {
			res.Status, res.Detail, res.Fix = Warn, "ready, but the paper is near its end", "put in a new paper roll soon"
			return res
		}
		res.Status, res.Detail = OK, "ready at "+where
		if last.Reason != "" {
			res.Detail += " (" + last.Reason + ": ready is assumed)"
		}
		return res
	case devices.HardwareError:
		res.Status, res.Detail = Fail, "the printer reports an error it cannot recover from: "+last.Reason
		res.Fix = "switch the printer off and on; if the error stays, replace the printer"
		return res
	case devices.UserError:
		res.Status, res.Detail = Fail, last.Reason
		var fixes []string
		if st.PaperOut || st.PaperStop {
			fixes = append(fixes, "load a new paper roll")
		}
		if st.CoverOpen {
			fixes = append(fixes, "close the printer's cover")
		}
		if st.CutterError {
			fixes = append(fixes, "open the cover, clear the paper stuck at the cutter and close it")
		}
		if len(fixes) == 0 {
			fixes = append(fixes, "look at the printer's lights and clear what they show")
		}
		res.Fix = strings.Join(fixes, "; ") + " (hall staff can do this)"
		return res
	}
	res.Status, res.Detail = Fail, "the printer is not ready: "+last.Reason
	res.Fix = "wait a minute (a hot print head cools by itself) and run the self-test again; if it stays, switch the printer off and on"
	return res
}

// framesToTry is how many frames a camera may send that do not decode
// before it fails: the first frames after starting are often cut short.
const framesToTry = 5

// checkCamera opens a camera by its configured id, streams at the
// configured size and decodes a frame. The picture is looked at (is it
// black?) and dropped: it is never kept.
func checkCamera(ctx context.Context, name, what, key, id, sizeText string, timeout time.Duration) Result {
	res := Result{Name: name}
	switch {
	case id == "":
		res.Status, res.Detail = Skipped, "no "+what+" camera configured ("+key+" is empty)"
		return res
	case ctx.Err() != nil:
		// The camera driver waits by its own timeouts, not a context:
		// after an interrupt it is not started at all.
		res.Status, res.Detail = Skipped, "interrupted"
		return res
	}
	var want camera.Want
	if sizeText != "" {
		size, err := camera.ParseSize(sizeText)
		if err != nil {
			res.Status, res.Detail, res.Fix = Fail, err.Error(), "correct "+key+"_size in the configuration"
			return res
		}
		want.Size = size
	}
	var dev camera.Device
	var err error
	opened := time.Now() // from open to the first frame: what a photo step waits
	if cid, perr := camera.ParseID(id); perr != nil {
		err = perr
	} else {
		dev, err = cameras.Open(cid)
	}
	if err != nil {
		return cameraFailure(res, what, key, id, err)
	}
	defer dev.Close()
	format, err := camera.Negotiate(dev.Info().Formats, want)
	if err != nil {
		res.Status, res.Detail = Fail, fmt.Sprintf("camera %s offers no usable picture format: %v", id, err)
		res.Fix = "the camera must send MJPEG or YUYV (a UVC camera); replace it with a supported model"
		return res
	}
	if err := dev.Start(format); err != nil {
		return cameraFailure(res, what, key, id, err)
	}
	deadline := time.Now().Add(timeout)
	var dec camera.Decoder
	var lastErr error
	var firstFrame time.Duration
	for range framesToTry {
		remain := time.Until(deadline)
		if remain <= 0 {
			break
		}
		f, err := dev.Frame(min(remain, 3*time.Second))
		if err != nil {
			return cameraFailure(res, what, key, id, err)
		}
		if firstFrame == 0 {
			firstFrame = time.Since(opened)
		}
		img, err := dec.Decode(f)
		if err != nil {
			lastErr = err
			continue
		}
		if dark(img) {
			res.Status = Warn
			res.Detail = fmt.Sprintf("%s frame decoded, but the picture is almost black", format)
			res.Fix = "take off the lens cover, clean the lens, and check the light in front of the camera"
			return res
		}
		res.Status, res.Detail = OK, fmt.Sprintf("%s frame from %s decoded; first frame %v after opening", format, dev.Info().Name, firstFrame.Round(time.Millisecond))
		return res
	}
	res.Status = Fail
	res.Detail = fmt.Sprintf("camera %s sends pictures that do not decode", id)
	if lastErr != nil {
		res.Detail += ": " + lastErr.Error()
	}
	res.Fix = "plug the camera into another USB port (not through a hub) or change its cable; if it stays, replace the camera"
	return res
}

// cameraFailure says what a camera error means for the technician.
func cameraFailure(res Result, what, key, id string, err error) Result {
	res.Status = Fail
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, camera.ErrGone):
		res.Detail = fmt.Sprintf("%s camera %s not found", what, id)
		res.Fix = fmt.Sprintf(fixCable, what+" camera", key) + " (`kioskctl camera list` shows the ids)"
	case errors.Is(err, fs.ErrPermission):
		res.Detail = fmt.Sprintf("no permission to open camera %s: %v", id, err)
		res.Fix = "run kioskctl as root, or as a user in the video group"
	case errors.Is(err, syscall.EBUSY):
		res.Detail = fmt.Sprintf("camera %s is in use by another program", id)
		res.Fix = "stop the program using it (the kiosk: sudo systemctl stop yizhan-kiosk) and run the self-test again"
	case errors.Is(err, camera.ErrTimeout):
		res.Detail = fmt.Sprintf("camera %s sent no picture in time", id)
		res.Fix = "the camera is stalled: unplug it, wait ten seconds and plug it in again"
	default:
		res.Detail = fmt.Sprintf("camera %s: %v", id, err)
		res.Fix = "unplug the camera and plug it in again; if it stays, replace it"
	}
	return res
}

// dark reports a picture that is almost black: a lens cover left on, or
// no light. It samples a grid rather than every pixel.
func dark(img *image.RGBA) bool {
	b := img.Bounds()
	var sum, n int
	for y := b.Min.Y; y < b.Max.Y; y += max(1, b.Dy()/32) {
		for x := b.Min.X; x < b.Max.X; x += max(1, b.Dx()/32) {
			c := img.RGBAAt(x, y)
			sum += int(c.R) + int(c.G) + int(c.B)
			n += 3
		}
	}
	return n > 0 && sum/n < 8
}

// checkScanner opens the code scanner as the kiosk does (an evdev scanner
// grabbed, then let go). A read needs a code held to it, which a
// self-test cannot do: kioskctl scanner read checks that.
func checkScanner(c config.Scanner) Result {
	res := Result{Name: CheckScanner}
	if c.Device == "" {
		res.Status, res.Detail = Skipped, "no code scanner configured: receipt numbers are typed"
		return res
	}
	dev, err := scanner.ParseDevice(c.Device)
	if err != nil {
		res.Status, res.Detail, res.Fix = Fail, err.Error(), "correct scanner.device in the configuration"
		return res
	}
	s, err := dev.Open()
	if err != nil {
		res.Status, res.Detail = Fail, err.Error()
		res.Fix = "check that the scanner is plugged in and that " + dev.Path + " is its port (kioskctl devices scan), then test a read with kioskctl scanner read --device " + dev.String()
		if errors.Is(err, os.ErrNotExist) {
			res.Detail = dev.Path + " missing: the scanner is not plugged in, or not where the configuration says"
		}
		return res
	}
	s.Close()
	res.Status, res.Detail = OK, dev.String()+" opens; scan a receipt with kioskctl scanner read to test a read"
	return res
}

// checkA4Printer asks the A4 printer's print system how it stands, as the
// kiosk's monitor does. It prints nothing: a page costs paper, and
// kioskctl a4 print prints the test page.
func checkA4Printer(ctx context.Context, c config.A4Printer, opt Options) Result {
	res := Result{Name: CheckA4Printer}
	if c.Device == "" {
		res.Status, res.Detail = Skipped, "no A4 printer configured: certificates are issued at the counter"
		return res
	}
	dev, err := a4printer.ParseDevice(c.Device)
	if err != nil {
		res.Status, res.Detail, res.Fix = Fail, err.Error(), "correct a4printer.device in the configuration"
		return res
	}
	p, err := dev.Open()
	if err != nil {
		res.Status, res.Detail = Fail, err.Error()
		return res
	}
	ask, cancel := context.WithTimeout(ctx, opt.DeviceTimeout)
	defer cancel()
	st, err := p.Status(ask)
	s := st.Status(devices.A4Printer)
	if err != nil {
		s = a4printer.StatusOf(devices.A4Printer, err)
	}
	switch {
	case s.State == devices.Online || s.State == devices.Busy:
		res.Status, res.Detail = OK, dev.String()+" "+s.State.String()+"; print the test page with kioskctl a4 print --device "+dev.String()
	case errors.Is(err, a4printer.ErrUnreachable):
		res.Status, res.Detail = Fail, s.Reason
		res.Fix = "start the print system (sudo systemctl start cups) and check the printer's queue with lpstat -p"
	case errors.Is(err, a4printer.ErrNoQueue):
		res.Status, res.Detail = Fail, s.Reason
		res.Fix = "make the printer's queue (sudo lpadmin -p QUEUE -E -v DEVICE-URI -m everywhere) or correct a4printer.device"
	case s.Actor == devices.Staff:
		res.Status, res.Detail, res.Fix = Fail, s.Reason, "see to the printer: "+s.Reason+" (kioskctl a4 status says when it is ready)"
	default:
		res.Status, res.Detail = Fail, s.Reason
		res.Fix = "check the queue with lpstat -p -l; start it again with sudo cupsenable and sudo cupsaccept"
	}
	return res
}
