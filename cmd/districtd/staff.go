package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command"
	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/kiosk/voice"
	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

const defaultData = "/var/lib/districtd"

// A staff command is parsed into a request where it is typed, and
// executed where the store is open: in this process, or in the running
// districtd through its admin socket. Both print the same reply.
type request struct {
	Op      string        `json:"op"`
	ID      string        `json:"id,omitempty"`
	Site    string        `json:"site,omitempty"`
	State   string        `json:"state,omitempty"`
	Message string        `json:"message,omitempty"`
	Dir     string        `json:"dir,omitempty"`
	Expires time.Duration `json:"expires,omitempty"`
	Bad     bool          `json:"bad,omitempty"`
	Body    []byte        `json:"body,omitempty"`
	// Role and Password are a staff account's: the password crosses only
	// the admin socket, which the districtd user alone may open.
	Role     string `json:"role,omitempty"`
	Password string `json:"password,omitempty"`
	After    uint64 `json:"after,omitempty"`  // audit list: the events after this one
	Scopes   string `json:"scopes,omitempty"` // api token add: events,records
	// Version, Ring and Force are a release's: release promote, and
	// terminals ring (Ring alone).
	Version string `json:"version,omitempty"`
	Ring    string `json:"ring,omitempty"`
	Force   bool   `json:"force,omitempty"`
}

type reply struct {
	Text  string          `json:"text"`
	Value json.RawMessage `json:"value,omitempty"`
	Error string          `json:"error,omitempty"`
}

const (
	opToken        = "token"
	opCA           = "ca"
	opTerminals    = "terminals"
	opRevoke       = "revoke"
	opAppsList     = "apps-list"
	opAppsShow     = "apps-show"
	opSetStatus    = "set-status"
	opRatings      = "ratings"
	opComplaints   = "complaints"
	opAnswer       = "answer"
	opImport       = "import"
	opCatalog      = "catalog"
	opConfig       = "config"
	opStaffAdd     = "staff-add"
	opStaffPasswd  = "staff-passwd"
	opStaffDisable = "staff-disable"
	opStaffList    = "staff-list"
	opAuditList    = "audit-list"
	opAuditVerify  = "audit-verify"
	opAPIAdd       = "api-token-add"
	opAPIRevoke    = "api-token-revoke"
	opAPIList      = "api-token-list"
	opRulesShow    = "rules-show"
	opRulesSet     = "rules-set"
	opTwoStepOff   = "staff-two-step-off"
	// The district's releases (release.go). opReleaseName is no command:
	// release init asks it for the district's name.
	opReleaseName   = "release-name"
	opPromote       = "release-promote"
	opReleaseStatus = "release-status"
	opTerminalRing  = "terminal-ring"
	// The district's recordings of the spoken prompts.
	opVoiceAdd    = "voice-add"
	opVoiceRemove = "voice-remove"
	opVoiceList   = "voice-list"
	// A document issued at a terminal, checked by its number.
	opDocumentCheck = "document-check"
)

// staffCommand declares the flags of the staff command name (among --site,
// --terminal, --expires, --message, --state, --bad, --attachments, --after,
// --scope, --role, --ring, --force, --json; --data always) and returns
// what runs it with its words.
func staffCommand(name, op string, need int, flags []string, stdin io.Reader, stdout, stderr io.Writer) func(fs *flag.FlagSet) func([]string) error {
	return func(fs *flag.FlagSet) func([]string) error {
		data := fs.String("data", defaultData, "the district's data folder (`DIR`)")
		req := request{Op: op}
		asJSON := new(bool)
		for _, f := range flags {
			switch f {
			case "json":
				fs.BoolVar(asJSON, "json", false, "print JSON")
			case "site":
				fs.StringVar(&req.Site, "site", "", "the hall or bank branch the terminal stands in (`NAME`)")
			case "terminal":
				fs.StringVar(&req.ID, "terminal", "", "the one terminal `ID` the token may enroll (needed to enroll an enrolled terminal again)")
			case "expires":
				fs.DurationVar(&req.Expires, "expires", 24*time.Hour, "how long the token stays valid")
			case "message":
				fs.StringVar(&req.Message, "message", "", "the district's words for the resident (`TEXT`)")
			case "state":
				fs.StringVar(&req.State, "state", "", "the complaint's state after the answer (done)")
			case "bad":
				fs.BoolVar(&req.Bad, "bad", false, "only bad ratings (1–2 of 5)")
			case "attachments":
				fs.StringVar(&req.Dir, "attachments", "", "write the opened attachments into this folder (`DIR`)")
			case "after":
				fs.Uint64Var(&req.After, "after", 0, "show the events after the one numbered `N` (a page at a time: 200)")
			case "scope":
				fs.StringVar(&req.Scopes, "scope", district.ScopeEvents, "what the client may read, comma-separated `SCOPES`: events (the feed, nothing personal), records (records opened)")
			case "role":
				fs.StringVar(&req.Role, "role", string(district.RoleStaff), "the account's `ROLE`: staff (窗口人员), supervisor (科室负责人) or admin (管理员)")
			case "ring":
				fs.StringVar(&req.Ring, "ring", "", "the `RING` whose terminals install the version: "+strings.Join(district.Rings, ", ")+" (in that order)")
			case "force":
				fs.BoolVar(&req.Force, "force", false, "promote even though the rings before it do not name the version yet (the audit trail says so)")
			default:
				panic("districtd: no staff flag " + f) // the table in program names only those above
			}
		}
		return func(words []string) error {
			if len(words) != need {
				return fmt.Errorf("%w: %s takes %d word(s), got %d (districtd %s --help)", errUsage, name, need, len(words), name)
			}
			if op == opStaffAdd || op == opStaffPasswd {
				pw, err := readNewPassword(words[0], stdin, stderr)
				if err != nil {
					return err
				}
				req.Password = pw
			}
			return runStaff(*data, req, words, *asJSON, stdout)
		}
	}
}

// runStaff completes req from the command's words, runs it and prints.
func runStaff(data string, req request, words []string, asJSON bool, stdout io.Writer) error {
	var err error
	switch req.Op {
	case opToken:
		if req.Site == "" {
			return fmt.Errorf("%w: token new needs --site", errUsage)
		}
	case opRevoke, opAppsShow, opAnswer, opStaffAdd, opStaffPasswd, opStaffDisable, opAPIAdd, opAPIRevoke, opTwoStepOff:
		req.ID = words[0]
		if req.Op == opAnswer && req.Message == "" {
			return fmt.Errorf("%w: complaints answer needs --message", errUsage)
		}
	case opSetStatus:
		req.ID, req.State = words[0], words[1]
	case opPromote:
		req.Version = words[0]
		if req.Ring == "" {
			return fmt.Errorf("%w: release promote needs --ring RING (%s)", errUsage, strings.Join(district.Rings, ", "))
		}
	case opTerminalRing:
		req.ID, req.Ring = words[0], words[1]
	case opImport:
		req.Dir, err = filepath.Abs(words[0])
	case opCatalog, opConfig, opRulesSet:
		req.Body, err = os.ReadFile(words[0])
	case opVoiceAdd:
		req.ID = words[0]
		req.Body, err = os.ReadFile(words[1])
	case opVoiceRemove, opDocumentCheck:
		req.ID = words[0]
	}
	if err != nil {
		return err
	}
	if req.Dir != "" && req.Op == opAppsShow {
		if req.Dir, err = filepath.Abs(req.Dir); err != nil {
			return err
		}
	}
	rep, err := send(data, req)
	if err != nil {
		return err
	}
	if rep.Error != "" {
		return errors.New(rep.Error)
	}
	if asJSON && rep.Value != nil {
		var buf bytes.Buffer
		json.Indent(&buf, rep.Value, "", "  ")
		buf.WriteByte('\n')
		_, err = stdout.Write(buf.Bytes())
		return err
	}
	_, err = io.WriteString(stdout, rep.Text)
	return err
}

// send runs the request in the districtd that serves dir, or here when
// none does.
func send(dir string, req request) (reply, error) {
	sock := filepath.Join(dir, "admin.sock")
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	body, _ := json.Marshal(req)
	resp, err := hc.Post("http://districtd/op", "application/json", bytes.NewReader(body))
	if err == nil {
		defer resp.Body.Close()
		var rep reply
		if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
			return reply{}, fmt.Errorf("admin socket: %w", err)
		}
		return rep, nil
	}
	if !errors.Is(err, syscall.ENOENT) && !errors.Is(err, syscall.ECONNREFUSED) {
		return reply{}, fmt.Errorf("admin socket: %w", err)
	}
	if !hasDistrict(dir) {
		return reply{}, fmt.Errorf("no district in %s (districtd init --data %s makes one, as does serve's first start)", dir, dir)
	}
	d, err := district.Open(district.Options{Dir: dir})
	if err != nil {
		return reply{}, err
	}
	defer d.Close()
	return execute(d, req)
}

// execute runs a staff request against the store.
func execute(d *district.District, req request) (reply, error) {
	var text strings.Builder
	tw := tabwriter.NewWriter(&text, 0, 4, 2, ' ', 0)
	var value any
	switch req.Op {
	case opToken:
		tok, err := d.NewTokenFor(req.Site, req.ID, req.Expires)
		if err != nil {
			return reply{}, err
		}
		value = map[string]string{"token": tok, "site": req.Site}
		fmt.Fprintf(tw, "%s\n", tok)
		who := "a new terminal"
		if req.ID != "" {
			who = "terminal " + req.ID
		}
		fmt.Fprintf(tw, "one use, for %s at %s, valid %s: kioskctl provision --backend https://… --token %s\n", who, req.Site, req.Expires, tok)
	case opCA:
		value = map[string]string{"pin": protocol.CAPin(d.CA())}
		pem.Encode(tw, &pem.Block{Type: "CERTIFICATE", Bytes: d.CA()})
	case opTerminals:
		terms, err := d.Terminals()
		if err != nil {
			return reply{}, err
		}
		value = terms
		printTerminals(tw, terms)
	case opRevoke:
		if err := d.Revoke(req.ID); err != nil {
			return reply{}, err
		}
		fmt.Fprintf(tw, "terminal %s revoked: it is refused until enrolled again\n", req.ID)
	case opAppsList, opRatings, opComplaints:
		kind := map[string]string{opAppsList: "application", opRatings: "rating", opComplaints: "complaint"}[req.Op]
		rows, err := listRecords(d, kind, req.Bad)
		if err != nil {
			return reply{}, err
		}
		value = rows
		printRows(tw, kind, rows)
	case opAppsShow:
		ref, err := district.ParseRecordRef(req.ID)
		if err != nil {
			return reply{}, err
		}
		v, err := showRecord(d, ref, req.Dir, tw)
		if err != nil {
			return reply{}, err
		}
		value = v
	case opSetStatus, opAnswer:
		ref, err := district.ParseRecordRef(req.ID)
		if err != nil {
			return reply{}, err
		}
		s, err := d.Record(ref)
		if err != nil {
			return reply{}, err
		}
		state := req.State
		if req.Op == opAnswer {
			if s.Record.Kind != "complaint" {
				return reply{}, fmt.Errorf("%s is a %s, not a complaint", ref, s.Record.Kind)
			}
			if state == "" {
				state = "done"
			}
		}
		if req.Op == opAnswer && state == "done" {
			// The answer is the complaint's case's step, as on the console.
			_, err = d.CaseStep(district.Staff{Name: district.CommandLine, Role: district.RoleAdmin}, "", district.CaseComplaint+":"+s.Ref().String(), district.StepAnswer, req.Message)
		} else {
			err = d.SetStatus(district.CommandLine, "", s.Ref(), state, req.Message)
		}
		if err != nil {
			return reply{}, err
		}
		fmt.Fprintf(tw, "%s is now %s; terminal %s gets it at its next sync\n", ref.ID, state, s.Terminal)
	case opImport:
		rep, err := d.Import(req.Dir)
		if err != nil {
			return reply{}, err
		}
		value = rep
		fmt.Fprintf(tw, "from terminal %s: %d new, %d already here, %d rejected\n", rep.Terminal, rep.Accepted, rep.Duplicate, len(rep.Rejected))
		for _, r := range rep.Rejected {
			fmt.Fprintf(tw, "  rejected %s: %s\n", r.ID, r.Reason)
		}
	case opCatalog:
		// Terminals read the catalog with the same parser: one they would
		// refuse is not published.
		if _, err := catalog.Parse(req.Body); err != nil {
			return reply{}, err
		}
		v, err := d.PublishCatalog(req.Body)
		if err != nil {
			return reply{}, err
		}
		value = map[string]uint64{"version": v}
		fmt.Fprintf(tw, "catalog version %d signed and published\n", v)
	case opVoiceAdd, opVoiceRemove:
		if _, ok := voice.Lookup(req.ID); !ok {
			return reply{}, fmt.Errorf("no prompt %q (districtd voice list names them)", req.ID)
		}
		var wav []byte
		if req.Op == opVoiceAdd {
			if _, err := voice.ParseWAV(req.Body); err != nil {
				return reply{}, err
			}
			wav = req.Body
		}
		v, err := d.SetRecording(req.ID, wav)
		if err != nil {
			return reply{}, err
		}
		value = map[string]uint64{"version": v}
		fmt.Fprintf(tw, "recordings version %d signed: the terminals play it with their next sync\n", v)
	case opDocumentCheck:
		doc, found, err := d.IssuedDocument(req.ID)
		if err != nil {
			return reply{}, err
		}
		if !found {
			return reply{}, fmt.Errorf("document %s: this district issued no document of that number: the paper is not one of its", req.ID)
		}
		value = doc
		fmt.Fprintf(tw, "document %s: %s (%s), issued %s at terminal %s, %d page(s), PDF SHA-256 %s\n", doc.ID, doc.Title, doc.Service,
			doc.At.Local().Format("2006-01-02 15:04"), doc.Terminal, doc.Pages, doc.SHA256)
	case opVoiceList:
		rec, _, err := d.Recordings()
		if err != nil {
			return reply{}, err
		}
		type row struct {
			ID       string `json:"id"`
			Words    string `json:"words"`
			District bool   `json:"district"`
			Seconds  string `json:"seconds,omitempty"`
		}
		var rows []row
		fmt.Fprintf(tw, "PROMPT\tRECORDING\tWORDS\n")
		for _, p := range voice.Prompts {
			r := row{ID: p.ID, Words: p.Text}
			what := "the package's (espeak-ng)"
			if wav, ok := rec.Prompts[p.ID]; ok {
				r.District = true
				if w, err := voice.ParseWAV(wav); err == nil {
					r.Seconds = fmt.Sprintf("%.1f", float64(len(w.Samples))/float64(w.Rate*w.Channels))
				}
				what = "the district's, " + r.Seconds + " s"
			}
			rows = append(rows, r)
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.ID, what, p.Text)
		}
		value = map[string]any{"version": rec.Version, "prompts": rows}
	case opConfig:
		var cfg protocol.TerminalConfig
		dec := json.NewDecoder(bytes.NewReader(req.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return reply{}, fmt.Errorf("configuration file: %w", err)
		}
		v, err := d.PublishConfig(cfg)
		if err != nil {
			return reply{}, err
		}
		value = map[string]uint64{"version": v}
		fmt.Fprintf(tw, "configuration version %d published\n", v)
	case opStaffAdd:
		role, err := district.ParseRole(req.Role)
		if err != nil {
			return reply{}, err
		}
		if err := d.AddStaff(district.CommandLine, req.ID, role, req.Password); err != nil {
			return reply{}, err
		}
		fmt.Fprintf(tw, "staff account %s added (%s)\n", req.ID, role)
	case opStaffPasswd:
		if err := d.SetStaffPassword(district.CommandLine, req.ID, req.Password); err != nil {
			return reply{}, err
		}
		fmt.Fprintf(tw, "password of %s set; its lock, if any, lifted\n", req.ID)
	case opStaffDisable:
		if err := d.DisableStaff(district.CommandLine, req.ID); err != nil {
			return reply{}, err
		}
		fmt.Fprintf(tw, "staff account %s disabled\n", req.ID)
	case opTwoStepOff:
		if err := d.DisableTOTP(district.CommandLine, req.ID); err != nil {
			return reply{}, err
		}
		fmt.Fprintf(tw, "two-step login of %s turned off: the password alone logs in until it is turned on again\n", req.ID)
	case opStaffList:
		list, err := d.StaffList()
		if err != nil {
			return reply{}, err
		}
		value = list
		fmt.Fprintln(tw, "NAME\tROLE\tSTATE\tTWO-STEP\tPASSWORD SET")
		for _, s := range list {
			state := "active"
			switch {
			case s.Disabled:
				state = "disabled"
			case s.LockedUntil.After(time.Now()):
				state = "locked until " + s.LockedUntil.Local().Format("15:04")
			}
			twoStep := "off"
			if s.TwoStep {
				twoStep = "on"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.Name, s.Role, state, twoStep, s.PasswordChanged.Local().Format("2006-01-02"))
		}
	case opAuditList:
		trail, err := d.AuditTrail(req.After, 200)
		if err != nil {
			return reply{}, err
		}
		value = trail
		fmt.Fprintln(tw, "SEQ\tTIME\tSTAFF\tACTION\tOBJECT\tDETAIL\tFROM")
		for _, ev := range trail {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.Seq, ev.At.Local().Format("2006-01-02 15:04:05"), ev.Staff, ev.Action, ev.Object, ev.Detail, ev.From)
		}
		if len(trail) == 200 {
			fmt.Fprintf(tw, "more: districtd audit list --after %d\n", trail[len(trail)-1].Seq)
		}
	case opAuditVerify:
		if err := d.VerifyAuditTrail(); err != nil {
			return reply{}, err
		}
		fmt.Fprintln(tw, "the audit trail is whole: every event in order, each chained to the one before")
	case opAPIAdd:
		token, err := d.NewAPIToken(district.CommandLine, req.ID, strings.Split(req.Scopes, ","))
		if err != nil {
			return reply{}, err
		}
		value = map[string]string{"name": req.ID, "token": token}
		fmt.Fprintf(tw, "%s\n(the token of API client %s, shown this once: the district keeps only its hash)\n", token, req.ID)
	case opAPIRevoke:
		if err := d.RevokeAPIToken(district.CommandLine, req.ID); err != nil {
			return reply{}, err
		}
		fmt.Fprintf(tw, "the token of API client %s revoked\n", req.ID)
	case opAPIList:
		clients, err := d.APIClients()
		if err != nil {
			return reply{}, err
		}
		value = clients
		fmt.Fprintln(tw, "NAME\tSCOPES\tISSUED\tSTATE")
		for _, c := range clients {
			state := "active"
			if c.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, strings.Join(c.Scopes, ","), c.Created.Local().Format("2006-01-02"), state)
		}
	case opRulesShow:
		rules, err := d.Rules()
		if err != nil {
			return reply{}, err
		}
		value = rules
		fmt.Fprintf(tw, "bad ratings\t%d working days\ncomplaints\t%d working days\nunrated, finished\t基本满意 after %d days\nholidays\t%s\n",
			rules.BadRatingDays, rules.ComplaintDays, rules.AutoRatingDays, strings.Join(rules.Holidays, " "))
	case opReleaseName, opPromote, opReleaseStatus, opTerminalRing:
		v, err := executeRelease(d, req, tw)
		if err != nil {
			return reply{}, err
		}
		value = v
	case opRulesSet:
		var rules district.Rules
		dec := json.NewDecoder(bytes.NewReader(req.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rules); err != nil {
			return reply{}, fmt.Errorf("rules file: %w", err)
		}
		if err := d.SetRules(district.CommandLine, rules); err != nil {
			return reply{}, err
		}
		fmt.Fprintln(tw, "rules set: deadlines counted from now on use them")
	default:
		return reply{}, fmt.Errorf("unknown operation %q", req.Op)
	}
	tw.Flush()
	rep := reply{Text: text.String()}
	if value != nil {
		data, err := json.Marshal(value)
		if err != nil {
			return reply{}, err
		}
		rep.Value = data
	}
	return rep, nil
}

// printTerminals is the terminals table: one line each, the last
// update's outcome last, where its reason may run long.
func printTerminals(w io.Writer, terms []district.Terminal) {
	fmt.Fprintln(w, "TERMINAL\tSITE\tRING\tVERSION\tLAST SEEN\tQUEUE\tOLDEST\tDISK\tDEVICES\tFLAGS\tLAST UPDATE")
	for _, t := range terms {
		seen := "never"
		if !t.LastSeen.IsZero() {
			seen = t.LastSeen.Local().Format("01-02 15:04:05")
		}
		ring := t.Ring
		if ring == "" {
			ring = district.DefaultRing
		}
		queue, oldest, disk, devs, version, update := "-", "-", "-", "-", "-", "-"
		var flags []string
		if hb := t.LastHeartbeat; hb != nil {
			// The version running, as the ring's count takes it: the
			// updater's word when it has reported, else the kiosk's.
			version = dash(hb.Software)
			if u := hb.Update; u != nil {
				version = dash(u.Running)
				update = updateOutcome(u)
			}
			queue = fmt.Sprint(hb.Queue.Depth)
			oldest = (time.Duration(hb.Queue.OldestSeconds) * time.Second).String()
			if hb.Queue.DiskBudget > 0 {
				disk = fmt.Sprintf("%d%%", hb.Queue.DiskUsed*100/hb.Queue.DiskBudget)
			}
			var parts []string
			for k, v := range hb.Devices {
				parts = append(parts, k+"="+v)
			}
			slices.Sort(parts)
			devs = strings.Join(parts, " ")
			if hb.Queue.DiskNear {
				flags = append(flags, "DISK-NEAR-BUDGET")
			}
			if hb.StoreRecovered != "" {
				flags = append(flags, "STORE-RECOVERED")
			}
			if hb.Queue.Rejected > 0 {
				flags = append(flags, fmt.Sprintf("%d-REJECTED", hb.Queue.Rejected))
			}
			if hb.StaffCalls > 0 {
				flags = append(flags, fmt.Sprintf("%d-STAFF-CALLS", hb.StaffCalls))
			}
		}
		if t.Revoked {
			flags = append(flags, "REVOKED")
		} else if t.Quiet {
			flags = append(flags, "QUIET")
		}
		staffPrintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Site, ring, version, seen, queue, oldest, disk, dash(devs), dash(strings.Join(flags, " ")), update)
	}
	if len(terms) == 0 {
		fmt.Fprintln(w, "(none enrolled)")
	}
}

// readNewPassword reads a staff member's new password twice from stdin,
// without echo at a terminal, and checks it before the second prompt.
func readNewPassword(name string, stdin io.Reader, prompt io.Writer) (string, error) {
	in := bufio.NewReader(stdin)
	pw, err := command.ReadSecret(in, stdin, prompt, "new password for "+name+" (10 or more characters, letters and digits): ")
	if err != nil {
		return "", fmt.Errorf("no password read: %w", err)
	}
	if err := district.CheckPassword(name, pw); err != nil {
		return "", err
	}
	again, err := command.ReadSecret(in, stdin, prompt, "the same password again: ")
	if err != nil {
		return "", fmt.Errorf("no password read: %w", err)
	}
	if again != pw {
		return "", errors.New("the two passwords differ; nothing was changed")
	}
	return pw, nil
}
