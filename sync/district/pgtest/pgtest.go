// Package pgtest runs a throwaway PostgreSQL cluster for tests: Debian's
// own server (package postgresql), initialised in a temporary folder,
// run as the user postgres when the tests run as root (PostgreSQL refuses
// root), listening on a unix socket in that folder and on no TCP port. The
// server is a child of the test binary that the kernel kills with it, so
// none outlives a test run, even one killed. Each test gets a database of
// its own, dropped when it ends.
//
// When the server is not installed the tests that need it are skipped —
// or fail, when YIZHAN_REQUIRE_POSTGRES is set (make test sets it and
// installs the package).
package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	once    sync.Once
	running *cluster
	failed  error
	dbs     atomic.Int64
)

type cluster struct {
	dir    string // the data folder's parent, holding the socket
	cmd    *exec.Cmd
	exited chan struct{}
}

// Database makes an empty database for the test on the shared throwaway
// cluster and returns its connection string.
func Database(tb testing.TB) string {
	tb.Helper()
	c := start(tb)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbs.Add(1))
	admin := c.dsn("postgres")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, admin); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	return c.dsn(name)
}

func (c *cluster) dsn(db string) string {
	return fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable", c.dir, db)
}

// start starts the cluster the first time a test asks for it.
func start(tb testing.TB) *cluster {
	tb.Helper()
	once.Do(func() { running, failed = startCluster() })
	if failed != nil {
		if os.Getenv("YIZHAN_REQUIRE_POSTGRES") != "" {
			tb.Fatalf("pgtest: %v (install Debian's postgresql: make test-deps)", failed)
		}
		tb.Skipf("pgtest: %v", failed)
	}
	return running
}

// binDir is the newest installed server's programs.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("no PostgreSQL server in /usr/lib/postgresql")
}

func version(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func startCluster() (*cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and no user postgres to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
	}
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
		return cmd
	}
	data := filepath.Join(dir, "data")
	if out, err := run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	cmd := run("postgres", "-D", data, "-k", dir, "-c", "listen_addresses=", "-c", "max_connections=300",
		"-c", "shared_buffers=128MB", "-c", "log_min_messages=warning")
	cmd.Stderr = &logTail{}
	// The kernel's signal at the parent's death is sent when the thread
	// that started the child ends: this one is kept for the server's life.
	started, exited := make(chan error), make(chan struct{})
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	c := &cluster{dir: dir, cmd: cmd, exited: exited}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.dsn("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return c, nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return nil, fmt.Errorf("postgres did not start: %v\n%s", err, cmd.Stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the cluster and removes its folder; a package's TestMain
// calls it after its tests (the kernel kills the server anyway when the
// test binary ends).
func Stop() {
	if running == nil {
		return
	}
	running.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-running.exited:
	case <-time.After(10 * time.Second):
		running.cmd.Process.Kill()
		<-running.exited
	}
	os.RemoveAll(running.dir)
	running = nil
}

// logTail keeps the server's last messages, for a failure's report.
type logTail struct {
	mu  sync.Mutex
	buf []byte
}

func (l *logTail) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	if len(l.buf) > 8<<10 {
		l.buf = l.buf[len(l.buf)-8<<10:]
	}
	return len(p), nil
}

func (l *logTail) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.buf)
}
