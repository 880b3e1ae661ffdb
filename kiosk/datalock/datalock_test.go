package datalock

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTheLockIsExclusiveAndNamesItsHolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if _, held := Holder(dir); held {
		t.Fatal("held before anyone took it")
	}
	first, err := Take(dir)
	if err != nil {
		t.Fatal(err)
	}
	if pid, held := Holder(dir); !held || pid != os.Getpid() {
		t.Fatalf("holder %d (held %v), want %d", pid, held, os.Getpid())
	}
	if _, err := Take(dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second lock: err = %v, want in use", err)
	}
	first.Close()
	if _, held := Holder(dir); held {
		t.Fatal("held after its holder let go")
	}
	again, err := Take(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	again.Close()
}

// A terminal killed with SIGKILL leaves its pid in the file but no lock.
func TestAKilledHolderHoldsNothing(t *testing.T) {
	if os.Getenv("DATALOCK_HOLD") != "" {
		if _, err := Take(os.Getenv("DATALOCK_HOLD")); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Hour) // until killed (a bare select{} would be a deadlock the runtime ends)
		os.Exit(4)
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestAKilledHolderHoldsNothing$", "-test.timeout", "2h")
	cmd.Env = append(os.Environ(), "DATALOCK_HOLD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("the child did not take the lock: %q %v", buf, err)
	}
	if pid, held := Holder(dir); !held || pid != cmd.Process.Pid {
		t.Fatalf("holder %d (held %v), want the child %d", pid, held, cmd.Process.Pid)
	}
	cmd.Process.Kill()
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the child ended by itself (%v), not by SIGKILL", err)
	}
	if pid, held := Holder(dir); held {
		t.Fatalf("a killed terminal (pid %d) still counts as running", pid)
	}
}
