// Command kioskctl is the technician's tool: it talks to the terminal's
// devices directly, without the kiosk running, and never shows a resident's
// personal data unless asked to.
//
//	kioskctl idcard read --port PATH [--baud 115200] [--usb VID:PID] [--timeout 15s] [--json] [--unmasked]
//	                     [--photo-decoder PROGRAM [--photo-out FILE.png]]
//	kioskctl idcard sim [--card FILE]... [--link PATH]
//	kioskctl printer list
//	kioskctl printer status --device DEV [--profile 80mm] [--json]
//	kioskctl printer test --device DEV [--profile 80mm] [--terminal ID]
//	kioskctl print --device DEV --receipt FILE.json [--profile 80mm]
//	kioskctl camera list [--json]
//	kioskctl camera snap --camera ID --out FILE.jpg [--size WxH] [--quality 90] [--timeout 5s] [--skip 5]
//	kioskctl devices scan [--json] [--probe] [--write-config]
//	kioskctl queue stats|list [--data /var/lib/yizhan] [--json]
//	kioskctl queue export --to DIR [--data /var/lib/yizhan]
//	kioskctl provision --backend URL --token TOKEN [--ca FILE] [--config FILE | --demo] [--force]
//	kioskctl sync status|now [--data /var/lib/yizhan] [--json]
//	kioskctl selftest [--config FILE | --demo] [--data DIR] [--json] [--no-print]
//	kioskctl diag --out FILE.tar.gz [--config FILE] [--data DIR] [--no-selftest]
//	kioskctl pin set [--data /var/lib/yizhan]
//
// DEV is usb, usb:VID:PID, serial:PATH[:BAUD], file:PATH, tcp:HOST:PORT or
// png:PATH (the virtual printer: the receipt as a picture).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// errUsage marks a mistake in the command line: exit status 2.
var errUsage = errors.New("usage")

func main() {
	err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "kioskctl:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "kioskctl:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  kioskctl idcard read --port PATH [--baud 115200] [--usb VID:PID] [--timeout 15s] [--json] [--unmasked]
                       [--photo-decoder PROGRAM [--photo-out FILE.png]]
  kioskctl idcard sim [--card FILE]... [--link PATH]
  kioskctl printer list
  kioskctl printer status --device DEV [--profile 80mm] [--json]
  kioskctl printer test --device DEV [--profile 80mm] [--terminal ID]
  kioskctl print --device DEV --receipt FILE.json [--profile 80mm]
  kioskctl camera list [--json]
  kioskctl camera snap --camera ID --out FILE.jpg [--size WxH] [--quality 90] [--timeout 5s] [--skip 5]
  kioskctl devices scan [--json] [--probe] [--write-config]
  kioskctl queue stats|list [--data /var/lib/yizhan] [--json]
  kioskctl queue export --to DIR [--data /var/lib/yizhan]
  kioskctl provision --backend URL --token TOKEN [--ca FILE] [--config FILE | --demo] [--force]
  kioskctl sync status|now [--data /var/lib/yizhan] [--json]
  kioskctl selftest [--config FILE | --demo] [--data DIR] [--json] [--no-print]
  kioskctl diag --out FILE.tar.gz [--config FILE] [--data DIR] [--no-selftest]
  kioskctl pin set [--data /var/lib/yizhan]
DEV: usb, usb:VID:PID, serial:PATH[:BAUD], file:PATH, tcp:HOST:PORT, png:PATH`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) >= 1 && args[0] == "print" {
		return printReceipt(args[1:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "provision" {
		return provision(args[1:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "selftest" {
		return selftestCmd(args[1:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "diag" {
		return diag(args[1:], stdout, stderr)
	}
	if len(args) < 2 {
		return fmt.Errorf("%w\n%s", errUsage, usage)
	}
	switch args[0] + " " + args[1] {
	case "queue stats":
		return queueStats(args[2:], stdout, stderr)
	case "queue list":
		return queueList(args[2:], stdout, stderr)
	case "queue export":
		return queueExport(args[2:], stdout, stderr)
	case "sync status":
		return syncStatus(args[2:], stdout, stderr)
	case "sync now":
		return syncNow(args[2:], stdout, stderr)
	case "printer list":
		return printerList(args[2:], stdout, stderr)
	case "printer status":
		return printerStatus(args[2:], stdout, stderr)
	case "printer test":
		return printerTest(args[2:], stdout, stderr)
	case "idcard read":
		return idcardRead(args[2:], stdout, stderr)
	case "idcard sim":
		return idcardSim(args[2:], stdin, stdout, stderr)
	case "camera list":
		return cameraList(args[2:], stdout, stderr)
	case "camera snap":
		return cameraSnap(args[2:], stdout, stderr)
	case "devices scan":
		return devicesScan(args[2:], stdout, stderr)
	case "pin set":
		return pinSet(args[2:], stdin, stdout, stderr)
	}
	return fmt.Errorf("%w: unknown command %q\n%s", errUsage, args[0]+" "+args[1], usage)
}
