package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/certificate"
	"github.com/yizhan-kiosk/yizhan/sync/console"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

type hostList []string

func (h *hostList) String() string     { return fmt.Sprint(*h) }
func (h *hostList) Set(v string) error { *h = append(*h, v); return nil }

// serve declares serve's flags and returns what serves the district.
func serve(stderr io.Writer) func(fs *flag.FlagSet) func([]string) error {
	return func(fs *flag.FlagSet) func([]string) error {
		data := fs.String("data", defaultData, "the district's data folder (`DIR`)")
		listen := fs.String("listen", "127.0.0.1:8443", "the `ADDRESS` to serve terminals on")
		name := fs.String("name", "示范区", "the district's `NAME`, for its CA")
		logJSON := fs.Bool("log-json", false, "log JSON lines")
		consoleAddr := fs.String("console", "", "the `ADDRESS` to serve the staff console on, such as 127.0.0.1:8080 behind a TLS proxy (none when empty)")
		documents := fs.String("documents", "none", "the certificates residents print at the terminals: none, or sample (the sample catalog's, made-up records marked as samples: demos only)")
		issuerName := fs.String("document-issuer", "", "the issuing office at the head of each document (`NAME`; the district's name and 政务服务中心 when empty)")
		var hosts hostList
		fs.Var(&hosts, "host", "a `NAME` or address terminals reach the district by (repeat)")
		return func(words []string) error {
			if len(words) != 0 {
				// Words were ignored before: name them, and the likely slip
				// (a host without its --host, in DISTRICTD_HOSTS).
				return fmt.Errorf("%w: serve takes no words, got %q: each host name goes after a --host of its own (DISTRICTD_HOSTS in /etc/default/yizhan-districtd)", errUsage, words)
			}
			var h slog.Handler = slog.NewTextHandler(stderr, nil)
			if *logJSON {
				h = slog.NewJSONHandler(stderr, nil)
			}
			log := slog.New(h)
			if host, _, err := net.SplitHostPort(*listen); err == nil && host != "" {
				hosts = append(hosts, host)
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			opt := district.Options{Dir: *data, Name: *name, Hosts: hosts, Log: log}
			switch *documents {
			case "none":
			case "sample":
				issuer := *issuerName
				if issuer == "" {
					issuer = *name + "政务服务中心"
				}
				sample, err := sampleIssuer(*data, issuer, log)
				if err != nil {
					return err
				}
				opt.Issuer = sample
			default:
				return fmt.Errorf("%w: --documents is none or sample, not %q", errUsage, *documents)
			}
			return serveDistrict(ctx, opt, listeners{sync: *listen, console: *consoleAddr})
		}
	}
}

// initDistrict declares init's flags and returns what makes a new
// district in the data folder — its CA (named --name) and its keys — as
// serve's first start would; it refuses a folder that already holds one.
func initDistrict(stdout io.Writer) func(fs *flag.FlagSet) func([]string) error {
	return func(fs *flag.FlagSet) func([]string) error {
		data := fs.String("data", defaultData, "the district's data folder (`DIR`)")
		name := fs.String("name", "示范区", "the district's `NAME`, for its CA")
		store := fs.String("store", "", "keep the district in this PostgreSQL database (a connection string, `DSN`: postgres://user:password@host/db), not in the folder; it is written to DIR/store, the service user's alone")
		return func(words []string) error {
			if len(words) != 0 {
				return fmt.Errorf("%w: init takes no words, got %q", errUsage, words)
			}
			return makeDistrict(*data, *name, *store, stdout)
		}
	}
}

func makeDistrict(dir, name, store string, stdout io.Writer) error {
	if hasDistrict(dir) {
		return fmt.Errorf("%s already holds a district", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if store != "" {
		if err := district.WriteStoreFile(dir, store); err != nil {
			return err
		}
	}
	d, err := district.Open(district.Options{Dir: dir, Name: name})
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(stdout, "a new district in %s; its CA's pin: %s\n", dir, protocol.CAPin(d.CA()))
	return nil
}

// hasDistrict reports whether dir holds a district's store, or names the
// database that holds it.
func hasDistrict(dir string) bool {
	for _, name := range []string{"district.db", district.StoreFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return true
		}
	}
	return false
}

// sealFile is the district's seal in its data folder, for the documents.
const sealFile = "seal.png"

// sampleIssuer issues the sample catalog's certificates, with the seal in
// the data folder if there is one (a drawn specimen seal otherwise).
func sampleIssuer(dir, issuer string, log *slog.Logger) (*certificate.Sample, error) {
	s := &certificate.Sample{District: issuer}
	data, err := os.ReadFile(filepath.Join(dir, sealFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		log.Info("no seal in the data folder: documents carry a drawn specimen seal", "file", filepath.Join(dir, sealFile))
	case err != nil:
		return nil, err
	default:
		if s.Seal, err = certificate.SealFrom(data); err != nil {
			return nil, err
		}
	}
	log.Warn("issuing the sample certificates, made-up records marked as samples: for demonstrations only")
	return s, nil
}

// serveDistrict runs a district until ctx ends: the protocol on listen, the staff
// socket in the data folder, and a watch for terminals gone quiet. ready,
// when not nil, receives the address once it is listening.
// listeners are where serveDistrict listens: the terminals' protocol, and
// the staff console unless console is empty. ready, when not nil,
// receives the protocol's address once it listens, consoleReady the
// console's.
type listeners struct {
	sync, console       string
	ready, consoleReady func(addr string)
}

func serveDistrict(ctx context.Context, opt district.Options, at listeners) error {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return err
	}
	d, err := district.Open(opt)
	if err != nil {
		return err
	}
	defer d.Close()
	ln, err := net.Listen("tcp", at.sync)
	if err != nil {
		return err
	}
	var consoleLn net.Listener
	if at.console != "" {
		if consoleLn, err = net.Listen("tcp", at.console); err != nil {
			ln.Close()
			return fmt.Errorf("console: %w", err)
		}
	}
	admin, err := listenAdmin(opt.Dir)
	if err != nil {
		ln.Close()
		if consoleLn != nil {
			consoleLn.Close()
		}
		return err
	}
	opt.Log.Info("districtd serving", "listen", ln.Addr().String(), "data", opt.Dir)
	if at.ready != nil {
		at.ready(ln.Addr().String())
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var adminErr, consoleErr error
	wg.Go(func() { adminErr = serveAdmin(ctx, admin, d) })
	wg.Go(func() { watchQuiet(ctx, d, opt.Log) })
	if consoleLn != nil {
		opt.Log.Info("staff console serving", "listen", consoleLn.Addr().String())
		if at.consoleReady != nil {
			at.consoleReady(consoleLn.Addr().String())
		}
		wg.Go(func() {
			consoleErr = console.New(console.Options{District: d, Log: opt.Log}).Serve(ctx, consoleLn)
			cancel() // a console that failed stops the district: its staff would see nothing
		})
	}
	err = d.Serve(ctx, ln)
	cancel()
	wg.Wait()
	return errors.Join(err, adminErr, consoleErr)
}

// listenAdmin opens the staff socket, replacing one a crashed districtd
// left behind, for the districtd user only.
func listenAdmin(dir string) (net.Listener, error) {
	path := filepath.Join(dir, "admin.sock")
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, fmt.Errorf("another districtd serves %s", dir)
	}
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func serveAdmin(ctx context.Context, ln net.Listener, d *district.District) error {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req request
		if err := json.NewDecoder(io.LimitReader(r.Body, 16<<20)).Decode(&req); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(reply{Error: err.Error()})
			return
		}
		rep, err := execute(d, req)
		if err != nil {
			rep = reply{Error: err.Error()}
		}
		json.NewEncoder(w).Encode(rep)
	})}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// watchQuiet logs each terminal that goes quiet, once, and when it is back.
func watchQuiet(ctx context.Context, d *district.District, log *slog.Logger) {
	quiet := map[string]bool{}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		terms, err := d.Terminals()
		if err != nil {
			log.Error("terminals", "err", err)
			continue
		}
		for _, tm := range terms {
			if tm.Quiet != quiet[tm.ID] {
				if tm.Quiet {
					log.Warn("terminal went quiet", "terminal", tm.ID, "last_seen", tm.LastSeen)
				} else {
					log.Info("terminal back", "terminal", tm.ID)
				}
				quiet[tm.ID] = tm.Quiet
			}
		}
	}
}
