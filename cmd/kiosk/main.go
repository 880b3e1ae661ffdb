// Command kiosk is the terminal: a full-screen Fyne app that residents use.
// With -demo it runs on simulated devices with a data folder under ./var, so
// it can be seen and tested on any machine.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command"
	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/datalock"
	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/theme"
	"github.com/yizhan-kiosk/yizhan/kiosk/ui"
	"github.com/yizhan-kiosk/yizhan/kiosk/update"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

var processStart = time.Now()

type flags struct {
	config   string
	demo     bool
	windowed bool
	lang     string
	size     string
	logJSON  bool
	verbose  bool
}

func main() {
	err := program(func(f flags) error {
		log := newLogger(f.logJSON, f.verbose)
		slog.SetDefault(log)
		if err := run(f, log); err != nil {
			log.Error("kiosk stopped", "err", err)
			os.Exit(1)
		}
		return nil
	}).Run(os.Args[1:], os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "yizhan-kiosk:", err)
		os.Exit(2) // only the command line fails here
	}
}

// program is the terminal's command line, one command; the manual page
// (docs/man/yizhan-kiosk.1.md) is checked against it. Installed, the
// terminal is /usr/bin/yizhan-kiosk.
func program(start func(flags) error) command.Program {
	return command.Program{Name: "yizhan-kiosk", Commands: []command.Command{{
		Synopsis: "[--config FILE | --demo] [--windowed [--size 1280x720]] [--lang zh|en] [--log-json] [-v]",
		Summary:  "the terminal: a full-screen app for residents (a systemd service on a terminal)",
		Setup: func(fs *flag.FlagSet) func([]string) error {
			var f flags
			fs.StringVar(&f.config, "config", "", "the configuration `FILE` (default "+config.DefaultPath+"; none with --demo)")
			fs.BoolVar(&f.demo, "demo", false, "run on simulated devices with a data folder under ./var")
			fs.BoolVar(&f.windowed, "windowed", false, "run in a window instead of full screen")
			fs.StringVar(&f.lang, "lang", "", "the `LANGUAGE` residents start in: zh or en (default from the configuration, zh)")
			fs.StringVar(&f.size, "size", "1280x720", "the window's size with --windowed, `WIDTHxHEIGHT`")
			fs.BoolVar(&f.logJSON, "log-json", false, "log JSON lines instead of text")
			fs.BoolVar(&f.verbose, "v", false, "log debug lines too")
			return func(words []string) error {
				if len(words) > 0 {
					return fmt.Errorf("%w: unexpected %q (flags only; --help lists them)", command.ErrUsage, words[0])
				}
				if f.lang != "" && f.lang != "zh" && f.lang != "en" {
					return fmt.Errorf("%w: --lang %q: want zh or en", command.ErrUsage, f.lang)
				}
				if _, err := parseSize(f.size); err != nil {
					return fmt.Errorf("%w: %v", command.ErrUsage, err)
				}
				return start(f)
			}
		},
	}}}
}

func newLogger(json, verbose bool) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if verbose {
		opts.Level = slog.LevelDebug
	}
	if json {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func loadConfig(f flags) (config.Config, error) {
	base := config.Default()
	if f.demo {
		base = config.Demo()
	}
	var cfg config.Config
	var err error
	switch {
	case f.config != "":
		cfg, err = config.Load(f.config, base)
	case f.demo:
		cfg = base
	default:
		cfg, err = config.Load(config.DefaultPath, base)
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w (run with -demo to try the terminal without one)", err)
		}
	}
	if err != nil {
		return config.Config{}, err
	}
	if f.lang != "" {
		cfg.Language = f.lang
	}
	return cfg, cfg.Check()
}

func parseSize(s string) (fyne.Size, error) {
	w, h, ok := strings.Cut(s, "x")
	wi, err1 := strconv.Atoi(w)
	hi, err2 := strconv.Atoi(h)
	if !ok || err1 != nil || err2 != nil || wi < 320 || hi < 320 {
		return fyne.Size{}, fmt.Errorf("--size %q: want WIDTHxHEIGHT, each at least 320", s)
	}
	return fyne.NewSize(float32(wi), float32(hi)), nil
}

func run(f flags, log *slog.Logger) error {
	cfg, err := loadConfig(f)
	if err != nil {
		return err
	}
	var winSize fyne.Size
	if f.windowed {
		if winSize, err = parseSize(f.size); err != nil {
			return err
		}
	}
	lock, err := datalock.Take(cfg.DataDir)
	if err != nil {
		return err
	}
	defer lock.Close()
	log.Info("kiosk starting", "version", version, "terminal", cfg.TerminalID, "demo", f.demo, "data", cfg.DataDir, "lang", cfg.Language)

	// kioskctl sync now sends SIGUSR1; whatever the sync's state, it must
	// never end the terminal (the default for an unhandled SIGUSR1).
	signal.Ignore(syscall.SIGUSR1)
	terminate := make(chan os.Signal, 1)
	signal.Notify(terminate, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(terminate)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() {
		select {
		case <-terminate:
			stop()
		case <-ctx.Done():
		}
	}()
	// finish tells the goroutines to stop, waits for them, and only then
	// closes the devices and the outbox (cleanup, last added first). It
	// runs once: when run returns, or from stopWithoutFyne.
	var cleanup []func()
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	var finishOnce sync.Once
	finish := func() {
		finishOnce.Do(func() {
			cancel()
			wg.Wait()
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
		})
	}
	defer finish()

	queue, err := openOutbox(cfg, f.demo, log)
	if err != nil {
		return err
	}
	// The clock and idle rules run once a minute at rest, and at once when
	// the screen, the link or the queue changes (wake).
	wake := make(chan struct{}, 1)
	wakeUp := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	waiting := newQueueWatch(wakeUp)
	if queue != nil {
		cleanup = append(cleanup, func() { queue.Close() })
		waiting.run(ctx, &wg, queue, cfg.Outbox.Retention.Duration, log)
	}

	codes, err := openScanner(&cfg, f.demo)
	if err != nil {
		return err
	}
	if codes != nil {
		cleanup = append(cleanup, codes.close)
	}
	reg := devices.NewRegistry(cfg.DeviceKinds()...)
	var link *client.Client
	var syncState *client.State
	if queue != nil {
		c, st, closeSync, err := startSync(ctx, &wg, &cfg, queue, reg, update.StateDir, func() { waiting.poke(); wakeUp() }, log)
		if err != nil {
			return err
		}
		link, syncState = c, st
		cleanup = append(cleanup, closeSync)
	}
	cards, err := startCardReader(cfg, f.demo, reg, log)
	if err != nil {
		return err
	}
	if cards != nil {
		cleanup = append(cleanup, cards.close)
	}
	prn, err := startPrinter(cfg, reg, log)
	if err != nil {
		return err
	}
	if prn != nil {
		prn.run(ctx, &wg)
	}
	cams, err := startCameras(ctx, &wg, cfg, reg, log)
	if err != nil {
		return err
	}
	a4, err := startA4(cfg, reg, log)
	if err != nil {
		return err
	}
	if a4 != nil {
		a4.run(ctx, &wg)
	}

	a := app.NewWithID("cn.yizhan.kiosk")
	w := a.NewWindow("一站")
	w.SetCloseIntercept(func() {
		// Residents must not close the terminal; technicians stop the service.
		log.Warn("window close refused")
	})
	if f.windowed {
		w.Resize(winSize)
	} else {
		w.SetFullScreen(true)
	}
	var district protocol.TerminalConfig // the district's service hours and announcements
	cat, err := loadCatalog(syncState, log)
	if err != nil {
		return err
	}
	cat = cat.ForSite(cfg.SiteKind) // the services enabled for this kind of site
	if syncState != nil {
		if dc, ok, err := syncState.Config(); err == nil && ok {
			district = dc
		}
	}
	player, policy := startVoice(ctx, &wg, cfg, log)
	opts := ui.Options{Config: cfg, Demo: f.demo, Devices: reg, Log: log, Cameras: cams, Catalog: cat, District: district, Wake: wakeUp,
		Voice: policy,
		Link: func() ui.LinkStatus {
			l := ui.LinkStatus{Queued: int(waiting.waiting.Load())}
			if link != nil {
				l.Online = link.Status().Online
			}
			return l
		},
	}
	if cards != nil {
		opts.PlaceSampleCard = cards.placeSample
	}
	if player != nil {
		opts.Speak = player.Say
	}
	if queue != nil {
		deps := journey.Deps{Outbox: queue, Matcher: cams.Matcher, FaceWant: cams.FaceWant, DocWant: cams.DocumentWant,
			Quality: cams.Quality, TerminalID: cfg.TerminalID, ReceiptURL: cfg.ReceiptURL}
		if cams.Face != nil {
			deps.FaceCamera = cams.Face
		}
		if cams.Document != nil {
			deps.DocCamera = cams.Document
		}
		deps.Kick = waiting.poke // a submission: count the queue again
		if link != nil {
			deps.Kick = func() { waiting.poke(); link.Kick() }
		}
		opts.ApplyDeps = &deps
		var statuses journey.Statuses // none until the terminal is enrolled
		if syncState != nil {
			statuses = syncState
		}
		opts.MyApplications = func(id string) ([]journey.Progress, error) { return journey.MyApplications(queue, statuses, id) }
		opts.LookUpReceipt = receiptLookup(cfg, queue, statuses, link).Look
		if link != nil {
			deps.SignReceipt = link.Identity().SignReceipt
			deps.Documents = districtDocuments{link}
		}
		if a4 != nil {
			deps.A4, deps.A4Patience = a4, cfg.A4Printer.Patience.Duration
		}
		if codes != nil && codes.sim != nil {
			opts.ScanSample = func() error { return codes.scanNewest(queue, cfg, deps.SignReceipt) }
		}
		opts.Delivered = func(id string) bool {
			r, err := queue.Get(id)
			return err == nil && r.State == outbox.Acknowledged
		}
	}
	if prn != nil {
		opts.PrintReceipt = func(r printer.Receipt) (image.Image, error) { return prn.print(ctx, r) }
	}
	if f.demo && queue != nil {
		opts.SubmitSample = func() (string, error) { return submitSample(ctx, queue, cfg.TerminalID, link) }
	}
	if prn != nil && prn.virtual != nil {
		opts.PrintSample = func() (image.Image, error) { return prn.printSample(ctx, cfg.TerminalID) }
	}
	opts.Maintenance = maintenanceMode(ctx, cfg, queue, link, prn, log)
	term, err := ui.New(a, w, opts)
	var screens uiGate // how other goroutines call into the screens
	if err != nil {
		return err
	}
	if cards != nil {
		cards.run(ctx, &wg, func(ev idcard.Event) { screens.do(func() { term.CardRead(ev) }) })
	}
	if codes != nil {
		codes.run(ctx, &wg, reg, func(code string) { screens.do(func() { term.CodeScanned(code) }) },
			func() { screens.do(term.ScanRefused) }, log)
	}
	if f.demo {
		// The journey harness's view of the screen (kiosk/inspect): demo only.
		sock := filepath.Join(cfg.DataDir, inspect.SocketName)
		wg.Go(func() {
			err := inspect.Serve(ctx, sock, func() (s inspect.Snapshot, err error) {
				if !screens.doAndWait(func() { s = term.Inspect() }) {
					return s, errors.New("the terminal is stopping")
				}
				return s, nil
			}, log)
			if err != nil {
				log.Warn("inspection socket", "err", err)
			}
		})
	}
	a.Lifecycle().SetOnStarted(func() {
		log.Info("kiosk started", "after_ms", time.Since(processStart).Milliseconds())
		takeTerminationSignals(ctx, &wg, terminate)
		returnStartupMemory(ctx, &wg, log)
		superviseUI(ctx, &wg, uiAnswers, log)
		if !f.demo && !f.windowed { // a demo on a desk leaves its screen alone
			keepDisplay(ctx, &wg, cfg, district.ServiceHours, log)
		}
	})

	// One goroutine drives the clock and the idle rules — every second
	// while a resident is at the terminal, once a minute at rest (Tick
	// says which) and at once on a wake — and tells the card reader and
	// the updater (sessionMark) when the terminal rests; one carries
	// device changes to the screen; both end with ctx.
	wg.Go(func() {
		session := newSessionMark(cfg.DataDir, log) // a leftover mark goes
		defer session.stop()
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-wake:
			}
			next, rest := time.Second, false
			if !screens.doAndWait(func() { next, rest = term.Tick(time.Now()), term.AtRest() }) {
				return
			}
			if cards != nil {
				cards.reader.Rest(rest)
			}
			session.rest(rest)
			t.Reset(next)
		}
	})
	notices := reg.Subscribe(ctx)
	wg.Go(func() {
		for range notices {
			screens.do(term.DevicesChanged)
		}
	})
	// Told to stop, the terminal finishes its own parts and ends the
	// process; it never asks Fyne to quit (see stopWithoutFyne).
	go stopWithoutFyne(ctx, &screens, finish, os.Exit, log)
	w.ShowAndRun()
	return nil
}

// stopWithoutFyne stops the terminal when ctx ends: it closes the gate to
// the screens, finishes the terminal's own parts (its goroutines ended,
// devices and outbox closed) and ends the process with status 0. Fyne's
// loop is never asked to quit: Fyne 2.7.1's shutdown can panic (a
// lifecycle event sent to its main queue just as the queue is closed:
// "send on closed channel") or wait for ever (an event sent as the queue
// drains is never run) — seen about once in thirty to sixty stops under
// load. Nothing of the window needs an orderly end: the display server
// drops it with the process.
func stopWithoutFyne(ctx context.Context, screens *uiGate, finish func(), exit func(int), log *slog.Logger) {
	<-ctx.Done()
	log.Info("kiosk stopping")
	screens.close()
	finish()
	log.Info("kiosk stopped")
	exit(0)
}

// returnStartupMemory gives the memory the start used and no longer needs
// back to the system once the first screens are drawn: fonts are parsed,
// the catalog and the dictionaries read, images decoded — a heap twice the
// size it then keeps, which Go would otherwise return only slowly — and
// the pages of the embedded fonts, parsed now (theme.ReleaseFontPages).
func returnStartupMemory(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger) {
	wg.Go(func() {
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Second):
			debug.FreeOSMemory()
			if err := theme.ReleaseFontPages(); err != nil {
				log.Warn("font pages kept", "err", err)
			}
		}
	})
}

// takeTerminationSignals makes SIGINT and SIGTERM the terminal's alone.
// Fyne catches both in a goroutine of its own and quits its loop — the
// shutdown stopWithoutFyne keeps away from — so once Fyne's loop runs,
// their delivery is reset and given back to terminate only; and again a
// second later, should Fyne's goroutine have registered after the first.
func takeTerminationSignals(ctx context.Context, wg *sync.WaitGroup, terminate chan os.Signal) {
	take := func() {
		signal.Reset(syscall.SIGINT, syscall.SIGTERM)
		signal.Notify(terminate, syscall.SIGINT, syscall.SIGTERM)
	}
	take()
	wg.Go(func() {
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
			take()
		}
	})
}
