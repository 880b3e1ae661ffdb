package update

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/datalock"
)

// Systemd is Service through systemctl: the kiosk's unit (Type=notify, so
// "active" means it sent READY=1), the kiosk's data folder for
// InSessionFile, and kioskctl selftest.
type Systemd struct {
	Unit        string   // "yizhan-kiosk.service"
	DataDir     string   // the kiosk's data folder
	SelftestCmd []string // the self-test's command line
	// Settle is how long the kiosk must stay up, the same process, after
	// its READY (45 s, longer than the unit's 30 s watchdog): a kiosk that
	// crashes, or hangs, on its first minute of work fails the check too.
	Settle time.Duration
	// Poll is how often the unit is looked at (1 s).
	Poll time.Duration
}

// Busy reports whether a running kiosk says a resident is at it.
func (s *Systemd) Busy() bool {
	if _, err := os.Stat(filepath.Join(s.DataDir, InSessionFile)); err != nil {
		return false
	}
	_, held := datalock.Holder(s.DataDir)
	return held
}

// unitState is what systemctl show tells of the unit.
type unitState struct {
	Active, Sub, Result string
	Started, Ready      time.Time // left inactive; became active (READY)
	Invocation          string
}

func (s *Systemd) show(ctx context.Context) (unitState, error) {
	out, err := exec.CommandContext(ctx, "systemctl", "show", s.Unit, "--timestamp=unix",
		"-p", "ActiveState", "-p", "SubState", "-p", "Result", "-p", "InactiveExitTimestamp",
		"-p", "ActiveEnterTimestamp", "-p", "InvocationID").Output()
	if err != nil {
		return unitState{}, fmt.Errorf("systemctl show %s: %w", s.Unit, err)
	}
	return parseShow(string(out)), nil
}

// parseShow reads systemctl show's KEY=VALUE lines; timestamps are
// "@SECONDS" (--timestamp=unix), empty when never.
func parseShow(out string) unitState {
	var u unitState
	at := func(v string) time.Time {
		sec, err := strconv.ParseInt(strings.TrimPrefix(v, "@"), 10, 64)
		if err != nil || sec <= 0 {
			return time.Time{}
		}
		return time.Unix(sec, 0)
	}
	for _, l := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), "=")
		switch k {
		case "ActiveState":
			u.Active = v
		case "SubState":
			u.Sub = v
		case "Result":
			u.Result = v
		case "InactiveExitTimestamp":
			u.Started = at(v)
		case "ActiveEnterTimestamp":
			u.Ready = at(v)
		case "InvocationID":
			u.Invocation = v
		}
	}
	return u
}

// after reports whether t is at or after since, to systemd's whole
// seconds.
func after(t, since time.Time) bool { return !t.IsZero() && t.Unix() >= since.Unix() }

// Restarted restarts the kiosk unless it started after since (the
// package's postinst restarts a running kiosk itself).
func (s *Systemd) Restarted(ctx context.Context, since time.Time) error {
	u, err := s.show(ctx)
	if err != nil {
		return err
	}
	if after(u.Started, since) && (u.Active == "active" || u.Active == "activating") {
		return nil
	}
	// A kiosk that crashed its way to the unit's start limit (the failed
	// version) refuses every start, a manual one too, until this.
	exec.CommandContext(ctx, "systemctl", "reset-failed", s.Unit).Run()
	if out, err := exec.CommandContext(ctx, "systemctl", "restart", "--no-block", s.Unit).CombinedOutput(); err != nil {
		return fmt.Errorf("systemctl restart %s: %w: %s", s.Unit, err, bytes.TrimSpace(out))
	}
	return nil
}

// Ready waits for the unit to become active (READY=1) after since, then
// for Settle, and checks it is still the same, active process.
func (s *Systemd) Ready(ctx context.Context, since time.Time) error {
	poll := s.Poll
	if poll <= 0 {
		poll = time.Second
	}
	settle := s.Settle
	if settle <= 0 {
		settle = 45 * time.Second
	}
	var u unitState
	for {
		var err error
		if u, err = s.show(ctx); err != nil {
			return err
		}
		if u.Active == "active" && after(u.Ready, since) {
			break
		}
		// Failed since the restart; a failure from before it is what the
		// restart, still queued, is about to end.
		if u.Active == "failed" && after(u.Started, since) {
			return fmt.Errorf("the kiosk's unit failed (%s)", u.Result)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no READY from the kiosk in the time allowed (unit %s/%s)", u.Active, u.Sub)
		case <-time.After(poll):
		}
	}
	select {
	case <-ctx.Done():
		return errors.New("the check ran out of time while the kiosk settled")
	case <-time.After(settle):
	}
	v, err := s.show(ctx)
	if err != nil {
		return err
	}
	if v.Active != "active" || v.Invocation != u.Invocation {
		return fmt.Errorf("the kiosk stopped within %v of its READY (unit %s/%s, %s)", settle, v.Active, v.Sub, v.Result)
	}
	return nil
}

// Selftest runs the self-test (its --json report) and returns the checks
// that failed.
func (s *Systemd) Selftest(ctx context.Context) ([]string, error) {
	cmd := exec.CommandContext(ctx, s.SelftestCmd[0], append(s.SelftestCmd[1:], "--json")...)
	cmd.WaitDelay = 5 * time.Second
	var out, diag bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &diag
	runErr := cmd.Run()
	var rep struct {
		Results []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
			Detail string `json:"detail"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Results) == 0 {
		return nil, fmt.Errorf("no report (%v): %s", runErr, lastLines(diag.String()+out.String(), 3))
	}
	var failed []string
	for _, r := range rep.Results {
		if r.Status == "fail" {
			failed = append(failed, r.Name)
		}
	}
	return failed, nil
}
