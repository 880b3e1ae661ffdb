package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupstest"
)

// The technician's A4 commands against the real print system: the status,
// the test page printed and read back, and a stopped queue said so.
func TestA4Commands(t *testing.T) {
	c := cupstest.Start(t)
	var out, errOut bytes.Buffer
	if err := run([]string{"a4", "status", "--device", c.URI}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "online") {
		t.Fatalf("a4 status: %v %q %q", err, out.String(), errOut.String())
	}
	out.Reset()
	if err := run([]string{"a4", "print", "--device", c.URI, "--terminal", "HALL-0007"}, nil, &out, &errOut); err != nil {
		t.Fatalf("a4 print: %v %q", err, errOut.String())
	}
	if c.Jobs() != 1 {
		t.Fatalf("%d documents printed", c.Jobs())
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = bytes.NewReader(c.Printed(1))
	text, err := cmd.Output()
	if err != nil {
		t.Skipf("pdftotext: %v", err)
	}
	if !strings.Contains(string(text), "YIZHAN A4 TEST PAGE") || !strings.Contains(string(text), "HALL-0007") {
		t.Fatalf("the test page reads %q", text)
	}
	c.Run("cupsdisable", cupstest.Queue)
	out.Reset()
	if err := run([]string{"a4", "status", "--device", c.URI}, nil, &out, &errOut); err == nil || !strings.Contains(out.String(), "technician") {
		t.Fatalf("a stopped queue: %v %q", err, out.String())
	}
}
