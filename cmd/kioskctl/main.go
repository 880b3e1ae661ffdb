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
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command"
)

// errUsage marks a mistake in the command line: exit status 2.
var errUsage = command.ErrUsage

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

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return program(stdin, stdout, stderr).Run(args, stdout)
}

// setup declares a command's flags and returns what runs it. kioskctl's
// commands take flags only: each refuses words (noWords).
type setup func(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error

// program is kioskctl's commands; the manual page (docs/man/kioskctl.1.md)
// is checked against it.
func program(stdin io.Reader, stdout, stderr io.Writer) command.Program {
	cmd := func(name, synopsis, summary string, s setup) command.Command {
		return command.Command{Name: name, Synopsis: synopsis, Summary: summary,
			Setup: func(fs *flag.FlagSet) func([]string) error { return s(fs, stdin, stdout, stderr) }}
	}
	return command.Program{
		Name:  "kioskctl",
		Notes: "DEV: usb, usb:VID:PID, serial:PATH[:BAUD], file:PATH, tcp:HOST:PORT, png:PATH (docs/receipt.md)",
		Commands: []command.Command{
			cmd("idcard read", "--port PATH [--baud 115200] | --usb VID:PID [--timeout 15s] [--json] [--unmasked] [--photo-decoder PROGRAM [--photo-out FILE.png]]",
				"read one card and print it, masked unless --unmasked", idcardRead),
			cmd("idcard sim", "[--card FILE]... [--link PATH]", "a simulated card reader on a pseudo-terminal, driven from stdin", idcardSim),
			cmd("printer list", "", "the receipt printers this machine has", printerList),
			cmd("printer status", "--device DEV [--profile 80mm] [--json]", "ask a printer its status", printerStatus),
			cmd("printer test", "--device DEV [--profile 80mm] [--terminal ID]", "print the test page", printerTest),
			cmd("print", "--device DEV --receipt FILE.json [--profile 80mm]", "print a receipt from its JSON (docs/receipt.md)", printReceipt),
			cmd("scanner read", "--device DEV [--count 1] [--timeout 30s]", "print the codes a 2D-code scanner reads", scannerRead),
			cmd("scanner sim", "[--link PATH]", "a simulated serial scanner on a pseudo-terminal: each line of stdin is scanned", scannerSim),
			cmd("a4 status", "--device DEV [--json]", "how the A4 printer stands, through its print system (CUPS)", a4Status),
			cmd("a4 print", "--device DEV [--file FILE.pdf] [--terminal ID] [--patience 3m]", "print a PDF, or the test page, on the A4 printer and follow the job to its end", a4Print),
			cmd("a4 sim", "[--dir DIR] [--listen 127.0.0.1:8631] [--queue NAME] [--out DIR]", "a virtual A4 printer: a private cupsd whose queue keeps what it prints (root)", a4Sim),
			cmd("voice make", "--out DIR [--voice cmn] [--speed 160]", "record every spoken prompt with espeak-ng", voiceMake),
			cmd("voice play", "[--prompt ID] [--device default] [--volume 80] [--dir DIR] [--data DIR]", "play one spoken prompt as the terminal would", voicePlay),
			cmd("camera list", "[--json]", "the cameras and what they can do", cameraList),
			cmd("camera snap", "--camera ID --out FILE.jpg [--size WxH] [--quality 90] [--timeout 5s] [--skip 5]", "take one picture", cameraSnap),
			cmd("devices scan", "[--json] [--probe] [--write-config]", "find the card reader, printer and cameras plugged in", devicesScan),
			cmd("queue stats", "[--data DIR] [--json]", "how many records wait, by state and kind", queueStats),
			cmd("queue list", "[--data DIR] [--json]", "every record in the queue (no personal data)", queueList),
			cmd("queue export", "--to DIR [--data DIR]", "copy the waiting records, sealed, to a folder (a USB stick)", queueExport),
			cmd("provision", "--backend URL --token TOKEN [--ca FILE] [--config FILE | --demo] [--force]", "enroll this terminal with its district", provision),
			cmd("sync status", "[--data DIR] [--json]", "the link to the district and what waits", syncStatus),
			cmd("sync now", "[--data DIR] [--json] [--timeout 2m]", "sync at once (through the running terminal, if any)", syncNow),
			cmd("selftest", "[--config FILE | --demo] [--data DIR] [--json] [--no-print]", "test every device and the link", selftestCmd),
			cmd("diag", "--out FILE.tar.gz [--config FILE] [--data DIR] [--no-selftest]", "write a diagnostic bundle, scrubbed of personal data", diag),
			cmd("update run", "[--now] [--config FILE] [--state DIR] [--settle 45s] [--check-timeout 5m]", "install the version the district's ring names, inside the window, and check it (yizhan-update.timer runs it)", updateRun),
			cmd("update status", "[--state DIR] [--json]", "the updater's last outcome and the versions it refuses", updateStatus),
			cmd("pin set", "[--data DIR]", "set the maintenance PIN (read from stdin)", pinSet),
		},
	}
}

// noWords refuses the words given to a command that takes flags only.
func noWords(words []string) error {
	if len(words) > 0 {
		return fmt.Errorf("%w: unexpected %q (flags only; --help lists them)", errUsage, words[0])
	}
	return nil
}
