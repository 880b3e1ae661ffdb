// Command districtd is the reference district backend: it enrolls
// terminals, takes their records over mutual TLS, keeps each once, and
// serves statuses, the signed catalog and the configuration back. Staff
// use the same command to work the records.
//
//	districtd serve --data DIR [--listen 127.0.0.1:8443] [--name 示范区] [--host NAME]...
//	districtd init --data DIR [--name 示范区]
//	districtd token new --site NAME [--terminal ID] [--expires 24h]
//	districtd ca
//	districtd terminals [--json]
//	districtd terminals revoke ID
//	districtd apps list [--json]
//	districtd apps show [TERMINAL/]ID [--attachments DIR]
//	districtd apps set-status [TERMINAL/]ID STATE [--message TEXT]
//	districtd ratings list [--bad] [--json]
//	districtd complaints list [--json]
//	districtd complaints answer [TERMINAL/]ID --message TEXT [--state done]
//	districtd import DIR
//	districtd catalog publish FILE.json
//	districtd config publish FILE.json
//
// A record is named by its id, or TERMINAL/ID when more than one terminal
// sent that id (each terminal's records are its own).
// Every command but serve takes --data DIR (default /var/lib/districtd).
// A new district — its CA and sealing keys — is made by serve's first start
// or by init; no other command makes one, so a mistyped --data fails
// instead of starting a second district.
// While serve runs it holds the store; the staff commands then go through
// its admin socket (admin.sock in the data folder, for the districtd user
// only), and open the store themselves when it does not run.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

var errUsage = errors.New("usage")

const usage = `usage:
  districtd serve --data DIR [--listen 127.0.0.1:8443] [--name NAME] [--host NAME]...
  districtd init --data DIR [--name NAME]                 make a new district (serve's first start does too)
  districtd token new --site NAME [--terminal ID] [--expires 24h]
  districtd ca
  districtd terminals [--json]
  districtd terminals revoke ID
  districtd apps list [--json]
  districtd apps show [TERMINAL/]ID [--attachments DIR]
  districtd apps set-status [TERMINAL/]ID STATE [--message TEXT]     STATE: received accepted processing done rejected
  districtd ratings list [--bad] [--json]
  districtd complaints list [--json]
  districtd complaints answer [TERMINAL/]ID --message TEXT [--state done]
  districtd import DIR
  districtd catalog publish FILE.json
  districtd config publish FILE.json
a record is named by its id, or TERMINAL/ID when more than one terminal sent that id
every command but serve also takes --data DIR (default /var/lib/districtd)`

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "districtd:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "districtd:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w\n%s", errUsage, usage)
	}
	one := args[0]
	two := one
	if len(args) > 1 {
		two = one + " " + args[1]
	}
	switch {
	case one == "serve":
		return serve(args[1:], stderr)
	case one == "init":
		return initDistrict(args[1:], stdout, stderr)
	case two == "token new":
		return staffCommand(opToken, args[2:], stdout, stderr)
	case one == "ca":
		return staffCommand(opCA, args[1:], stdout, stderr)
	case two == "terminals revoke":
		return staffCommand(opRevoke, args[2:], stdout, stderr)
	case one == "terminals":
		return staffCommand(opTerminals, args[1:], stdout, stderr)
	case two == "apps list":
		return staffCommand(opAppsList, args[2:], stdout, stderr)
	case two == "apps show":
		return staffCommand(opAppsShow, args[2:], stdout, stderr)
	case two == "apps set-status":
		return staffCommand(opSetStatus, args[2:], stdout, stderr)
	case two == "ratings list":
		return staffCommand(opRatings, args[2:], stdout, stderr)
	case two == "complaints list":
		return staffCommand(opComplaints, args[2:], stdout, stderr)
	case two == "complaints answer":
		return staffCommand(opAnswer, args[2:], stdout, stderr)
	case one == "import":
		return staffCommand(opImport, args[1:], stdout, stderr)
	case two == "catalog publish":
		return staffCommand(opCatalog, args[2:], stdout, stderr)
	case two == "config publish":
		return staffCommand(opConfig, args[2:], stdout, stderr)
	}
	return fmt.Errorf("%w: unknown command %q\n%s", errUsage, two, usage)
}
