package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/scanner/scannersim"
)

func TestScannerRead(t *testing.T) {
	sim, err := scannersim.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	go func() {
		time.Sleep(100 * time.Millisecond)
		sim.Scan("20261207-0001")
		sim.Send("\x00garbage\r")
		sim.Scan("https://zwfw.example.gov.cn/r?n=20261207-0002")
	}()
	var out, errOut bytes.Buffer
	if err := run([]string{"scanner", "read", "--device", "serial:" + sim.Path(), "--count", "2", "--timeout", "5s"}, nil, &out, &errOut); err != nil {
		t.Fatalf("%v (%s)", err, errOut.String())
	}
	if out.String() != "20261207-0001\nhttps://zwfw.example.gov.cn/r?n=20261207-0002\n" {
		t.Errorf("printed %q", out.String())
	}
	if !strings.Contains(errOut.String(), "not a code the terminal reads") {
		t.Errorf("the garbage was not said: %q", errOut.String())
	}
	// Nothing scanned: the time-out says so.
	err = run([]string{"scanner", "read", "--device", "serial:" + sim.Path(), "--timeout", "300ms"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no code within") {
		t.Errorf("nothing scanned: %v", err)
	}
	if err := run([]string{"scanner", "read", "--device", "usb:1234:5678"}, nil, &out, &errOut); err == nil {
		t.Error("a device of no scanner grammar was taken")
	}
}
