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
//	districtd terminals ring ID RING
//	districtd apps list [--json]
//	districtd apps show [TERMINAL/]ID [--attachments DIR]
//	districtd apps set-status [TERMINAL/]ID STATE [--message TEXT]
//	districtd ratings list [--bad] [--json]
//	districtd complaints list [--json]
//	districtd complaints answer [TERMINAL/]ID --message TEXT [--state done]
//	districtd import DIR
//	districtd catalog publish FILE.json
//	districtd config publish FILE.json
//	districtd release init
//	districtd release add FILE.deb [--json]
//	districtd release promote VERSION --ring RING [--force]
//	districtd release status [--json]
//
// A record is named by its id, or TERMINAL/ID when more than one terminal
// sent that id (each terminal's records are its own).
// Every command but serve takes --data DIR (default /var/lib/districtd).
// A new district — its CA and sealing keys — is made by serve's first start
// or by init; no other command makes one, so a mistyped --data fails
// instead of starting a second district.
// The district's release repository (release init, release add) is a
// folder of its own in the data folder, signed with the district's own
// key; the commands that change it run GnuPG and aptly themselves, as the
// service user. Terminals install the version their ring (canary, early,
// all) names, and a version goes through the rings in that order.
// While serve runs it holds the store; the staff commands then go through
// its admin socket (admin.sock in the data folder, for the districtd user
// only), and open the store themselves when it does not run.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command"
	"github.com/yizhan-kiosk/yizhan/sync/district"
)

var errUsage = command.ErrUsage

func main() {
	err := runWith(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
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
	return runWith(args, strings.NewReader(""), stdout, stderr)
}

// runWith runs a command line with stdin for what it asks (a password).
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return program(stdin, stdout, stderr).Run(args, stdout)
}

// program is districtd's commands; the manual page (docs/man/districtd.1.md)
// is checked against it.
func program(stdin io.Reader, stdout, stderr io.Writer) command.Program {
	staff := func(name, synopsis, summary, op string, words int, flags ...string) command.Command {
		return command.Command{Name: name, Synopsis: synopsis, Summary: summary, Setup: staffCommand(name, op, words, flags, stdin, stdout, stderr)}
	}
	return command.Program{
		Name: "districtd",
		Notes: `a record is named by its id, or TERMINAL/ID when more than one terminal sent that id
every command but serve and init works on a district made already: --data DIR (default /var/lib/districtd)`,
		Commands: []command.Command{
			{Name: "serve", Synopsis: "[--data DIR] [--listen 127.0.0.1:8443] [--name NAME] [--host NAME]... [--console ADDRESS] [--log-json]",
				Summary: "serve the terminals over mutual TLS (a new district on its first start)", Setup: serve(stderr)},
			{Name: "init", Synopsis: "[--data DIR] [--name NAME] [--store DSN]",
				Summary: "make a new district: its CA and keys", Setup: initDistrict(stdout)},
			{Name: "migrate", Synopsis: "--from bbolt --to DSN [--data DIR] [--json]",
				Summary: "move a stopped district from its folder's district.db to PostgreSQL", Setup: migrateDistrict(stdout, stderr)},
			staff("token new", "--site NAME [--terminal ID] [--expires 24h] [--json]",
				"a one-time token that enrolls a terminal", opToken, 0, "site", "terminal", "expires", "json"),
			staff("ca", "[--json]", "the pin of the district's CA, for provisioning", opCA, 0, "json"),
			staff("terminals", "[--json]", "the enrolled terminals and their last heartbeat", opTerminals, 0, "json"),
			staff("terminals revoke", "ID", "revoke a terminal's certificate", opRevoke, 1),
			staff("terminals ring", "ID RING", "put a terminal in an update ring (RING: "+strings.Join(district.Rings, ", ")+"; all unless put in another)", opTerminalRing, 2),
			staff("apps list", "[--json]", "the applications the terminals sent", opAppsList, 0, "json"),
			staff("apps show", "[TERMINAL/]ID [--attachments DIR] [--json]",
				"one application, opened; its attachments written into DIR", opAppsShow, 1, "attachments", "json"),
			staff("apps set-status", "[TERMINAL/]ID STATE [--message TEXT]",
				"move an application on (STATE: received accepted processing done rejected)", opSetStatus, 2, "message"),
			staff("ratings list", "[--bad] [--json]", "the residents' ratings", opRatings, 0, "bad", "json"),
			staff("complaints list", "[--json]", "the residents' complaints and consultations", opComplaints, 0, "json"),
			staff("complaints answer", "[TERMINAL/]ID --message TEXT [--state done]",
				"answer a complaint; the terminal shows the answer", opAnswer, 1, "message", "state"),
			staff("import", "DIR [--json]", "take the records a terminal exported to a folder (kioskctl queue export)", opImport, 1, "json"),
			staff("catalog publish", "FILE.json [--json]", "sign and publish a new service catalog", opCatalog, 1, "json"),
			staff("config publish", "FILE.json [--json]", "publish the terminals' configuration (service hours, announcements)", opConfig, 1, "json"),
			staff("documents check", "NUMBER [--json]", "check a certificate a terminal printed by the number on it (its QR code holds it)", opDocumentCheck, 1, "json"),
			staff("voice add", "PROMPT FILE.wav [--json]", "make FILE.wav (16-bit PCM) the district's recording of a spoken prompt, for every terminal", opVoiceAdd, 2, "json"),
			staff("voice remove", "PROMPT [--json]", "take the district's recording of a prompt back: the package's plays again", opVoiceRemove, 1, "json"),
			staff("voice list", "[--json]", "the spoken prompts, their words, and which the district recorded", opVoiceList, 0, "json"),
			{Name: "release init", Synopsis: "[--data DIR]",
				Summary: "make the district's release repository and its signing key, once; run as the service user (sudo -u " + serviceUser + ")", Setup: releaseInit(stdout)},
			{Name: "release add", Synopsis: "FILE.deb [--data DIR] [--json]",
				Summary: "add a terminal release (the yizhan package) to the repository, signed; run as the service user (sudo -u " + serviceUser + "), like the other commands", Setup: releaseAdd(stdout)},
			staff("release promote", "VERSION --ring RING [--force]",
				"make VERSION the one a ring's terminals install, in their maintenance window; the rings in order: "+strings.Join(district.Rings, ", "), opPromote, 1, "ring", "force"),
			staff("release status", "[--json]", "the versions in the repository, and each ring's version and how its terminals run it", opReleaseStatus, 0, "json"),
			staff("staff add", "NAME [--role staff|supervisor|admin]", "add a staff account for the console; its password is read from stdin", opStaffAdd, 1, "role"),
			staff("staff passwd", "NAME", "set a staff member's password (read from stdin) and lift a lock", opStaffPasswd, 1),
			staff("staff disable", "NAME", "stop a staff account from logging in (it stays in the audit trail)", opStaffDisable, 1),
			staff("staff two-step-off", "NAME", "turn a staff member's two-step login off (a lost phone); they turn it on again on the console", opTwoStepOff, 1),
			staff("staff list", "[--json]", "the staff accounts, their roles and states", opStaffList, 0, "json"),
			staff("audit list", "[--after N] [--json]", "the audit trail: logins, account changes, views of personal data", opAuditList, 0, "after", "json"),
			staff("audit verify", "", "check that nobody edited the audit trail", opAuditVerify, 0),
			staff("api token add", "NAME [--scope events,records] [--json]", "a token another system reads the district's API with (docs/integration.md), shown once", opAPIAdd, 1, "scope", "json"),
			staff("api token revoke", "NAME", "stop an API client's token", opAPIRevoke, 1),
			staff("api token list", "[--json]", "the API clients, their scopes and states", opAPIList, 0, "json"),
			staff("rules show", "[--json]", "the deadlines (working days) and holidays bad ratings and complaints are counted by", opRulesShow, 0, "json"),
			staff("rules set", "FILE.json", "set the deadlines and holidays: {\"bad_rating_days\":5,\"complaint_days\":15,\"auto_rating_days\":7,\"holidays\":[\"2026-10-01\"]}", opRulesSet, 1),
		},
	}
}
