package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command/commandtest"
	"github.com/yizhan-kiosk/yizhan/kiosk/harness"
)

// TestMain runs a bare Fyne window instead of the tests when the idle
// benchmark starts this binary as its yardstick, and the terminal's main
// for the command-line test.
func TestMain(m *testing.M) {
	commandtest.Main(main)
	if os.Getenv("YIZHAN_BARE_FYNE") == "1" {
		a := app.New()
		w := a.NewWindow("bare")
		w.SetContent(widget.NewLabel("一站 Yizhan"))
		w.SetFullScreen(true)
		w.ShowAndRun()
		return
	}
	os.Exit(m.Run())
}

// Idle measurement: settle after the first frame, then the CPU time spent
// over the window that follows.
const (
	idleSettle = 10 * time.Second
	idleWindow = 30 * time.Second
)

// BenchmarkIdle runs, one after the other, the terminal (kiosk -demo, full
// screen, enrolled with a district on loopback as make run is, on its
// home screen, nobody touching it) and a bare Fyne window of the same
// size, each on its own Xvfb at 1920×1080, and reports for each: the CPU
// seconds it spends over 30 s of rest after 10 s to settle, its PSS then,
// and how long from its start to its first frame. The two
// alternate when each run is its own go test -count 1 (make bench-idle
// runs ten): benchstat -col /program sets them side by side, with
// medians, spreads and whether the difference is more than chance. YIZHAN_IDLE_KIOSK
// names another kiosk binary to measure (an earlier build, to compare).
//
//	make bench-idle
func BenchmarkIdle(b *testing.B) {
	harness.Xvfb(b)
	kiosk := os.Getenv("YIZHAN_IDLE_KIOSK")
	if kiosk == "" {
		kiosk = harness.Build(b)
	}
	b.Run("program=kiosk", func(b *testing.B) {
		for b.Loop() {
			idleRound(b, func(work string) *exec.Cmd {
				ctx, cancel := context.WithCancel(context.Background())
				b.Cleanup(cancel)
				d, url := harness.StartDistrict(ctx, b)
				harness.EnrollDemo(ctx, b, d, url, work)
				return exec.Command(kiosk, "-demo")
			})
		}
	})
	b.Run("program=bare-fyne", func(b *testing.B) {
		for b.Loop() {
			idleRound(b, func(string) *exec.Cmd {
				cmd := exec.Command(os.Args[0])
				cmd.Env = []string{"YIZHAN_BARE_FYNE=1"}
				return cmd
			})
		}
	})
}

// idleRound starts the program prepare makes on a fresh display and
// measures it.
func idleRound(b *testing.B, prepare func(work string) *exec.Cmd) {
	b.StopTimer()
	defer b.StartTimer()
	d := harness.StartDisplay(b, 1920, 1080)
	work := b.TempDir()
	cmd := prepare(work)
	cmd.Dir = work
	cmd.Env = append(append(os.Environ(), cmd.Env...), "DISPLAY="+d.Name, "LANG=C", "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	empty, err := d.Screenshot() // the screen before anything is drawn
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}()
	var first time.Duration
	for {
		if img, err := d.Screenshot(); err == nil && drawn(empty, img) {
			first = time.Since(start)
			break
		}
		if time.Since(start) > time.Minute {
			b.Fatalf("no first frame within a minute:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(idleSettle)
	pss := pssKiB(b, cmd.Process.Pid)
	before := cpuTicks(b, cmd.Process.Pid)
	time.Sleep(idleWindow)
	spent := float64(cpuTicks(b, cmd.Process.Pid)-before) / clockTicks
	b.ReportMetric(spent, "cpu-s/30s")
	b.ReportMetric(float64(pss)/1024, "PSS-MiB")
	b.ReportMetric(float64(first.Milliseconds()), "first-frame-ms")
}

// drawn reports whether a tenth of the screen differs from before.
func drawn(before, now *image.RGBA) bool {
	changed := 0
	for i := 0; i < len(now.Pix); i += 4 {
		if now.Pix[i] != before.Pix[i] || now.Pix[i+1] != before.Pix[i+1] || now.Pix[i+2] != before.Pix[i+2] {
			changed++
		}
	}
	return changed > len(now.Pix)/4/10
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on Linux
// for every architecture the terminal runs on.
const clockTicks = 100

// cpuTicks is the process's user and system time so far, in clock ticks.
func cpuTicks(b *testing.B, pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The command name (field 2) may hold spaces; fields count from the
	// closing parenthesis: utime and stime are fields 14 and 15.
	rest := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, err1 := strconv.ParseInt(rest[11], 10, 64)
	stime, err2 := strconv.ParseInt(rest[12], 10, 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("/proc/%d/stat: %q", pid, data)
	}
	return utime + stime
}

// pssKiB is the process's proportional set size.
func pssKiB(b *testing.B, pid int) int {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err == nil {
				return n
			}
		}
	}
	b.Fatalf("no Pss in /proc/%d/smaps_rollup", pid)
	return 0
}
