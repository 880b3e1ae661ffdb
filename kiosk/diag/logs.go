package diag

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// journalLines is how much of the kiosk's journal the bundle carries:
// enough for the hours before a fault, small enough to mail.
const journalLines = 2000

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
	var out, errOut capped
	out.max, errOut.max = 32<<20, 64<<10
	cmd := exec.CommandContext(ctx, path, "-u", "yizhan-kiosk", "-n", fmt.Sprint(journalLines), "--no-pager", "-o", "short-iso")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 2 * time.Second // a killed journalctl must not hold the pipes
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("journalctl: %v: %s", err, strings.TrimSpace(errOut.String()))
	}
	return out.Bytes(), nil
}

// capped keeps the first max bytes written to it and drops the rest,
// never failing the writer: a runaway journalctl must not fill the
// memory the bundle is made in.
type capped struct {
	bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); room > 0 {
		c.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// logs is the kiosk's recent journal, every line scrubbed.
func logs(ctx context.Context, journal func(context.Context) ([]byte, error)) []byte {
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
