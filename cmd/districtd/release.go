package main

// The district's releases: the signed repository its terminals update
// from (sync/release) and the rings a version goes through
// (sync/district). release init and release add work on the repository's
// folder in this process, as the service user, and run GnuPG and aptly
// here, not in the serving districtd; promote, status and terminals ring
// are staff operations on the store like the others.

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/yizhan-kiosk/yizhan/sync/district"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/release"
)

// serviceUser is the packaged service's user, whose files the release
// repository's must be.
const serviceUser = "yizhan-district"

// releaseInit declares release init's flags and returns what makes the
// district's release repository and its key, named after the district.
func releaseInit(stdout io.Writer) func(fs *flag.FlagSet) func([]string) error {
	return func(fs *flag.FlagSet) func([]string) error {
		data := fs.String("data", defaultData, "the district's data folder (`DIR`)")
		return func(words []string) error {
			if len(words) != 0 {
				return fmt.Errorf("%w: release init takes no words, got %q", errUsage, words)
			}
			// The district's name is its CA's, which the store holds:
			// asked of the running districtd, or of the store. A folder
			// with no district fails here, before any key is made.
			name, err := askDistrictName(*data)
			if err != nil {
				return err
			}
			dir := district.ReleaseDir(*data)
			if _, err := release.Open(dir); err == nil {
				return fmt.Errorf("%s holds the district's release repository already: a second key would make every terminal refuse it (districtd release status shows what it holds)", dir)
			}
			_, statErr := os.Stat(dir)
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			repo, err := release.Init(ctx, dir, name)
			if err != nil {
				if errors.Is(statErr, os.ErrNotExist) {
					// What a failed init leaves (a key, half a repository)
					// would make the next one fail: it made the folder,
					// it takes it away.
					os.RemoveAll(dir)
				}
				return fmt.Errorf("no release repository made in %s: %w", dir, err)
			}
			fpr, err := repo.Fingerprint(ctx)
			if err != nil {
				return fmt.Errorf("the release repository in %s was made, but its key's fingerprint could not be read: %w", dir, err)
			}
			_, err = fmt.Fprintf(stdout, `a release repository for %s in %s, signed with the district's own release key:
  fingerprint %s
the district serves the key's public half to its terminals, over their mutual TLS; a technician compares its
fingerprint with this one. Keep %s as safe as the district's CA: a new key makes every terminal refuse the repository.
next, as %s:
  districtd release add yizhan_VERSION_amd64.deb --data %s      a terminal release, in the repository
  districtd terminals ring ID canary --data %s                   a few terminals to try each release first
  districtd release promote VERSION --ring canary --data %s      then early, then all
`, name, dir, fpr, filepath.Join(dir, "gnupg"), serviceUser, *data, *data, *data)
			return err
		}
	}
}

// askDistrictName is the district's name, from the district in dir.
func askDistrictName(dir string) (string, error) {
	rep, err := send(dir, request{Op: opReleaseName})
	if err != nil {
		return "", err
	}
	if rep.Error != "" {
		return "", errors.New(rep.Error)
	}
	var v struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(rep.Value, &v); err != nil || v.Name == "" {
		return "", fmt.Errorf("the district's name: none in its answer (%q)", rep.Value)
	}
	return v.Name, nil
}

// districtName is the name the district was made with (init --name,
// serve --name on its first start): its CA certificate's organization.
func districtName(d *district.District) (string, error) {
	cert, err := x509.ParseCertificate(d.CA())
	if err != nil {
		return "", fmt.Errorf("the district's CA: %w", err)
	}
	if o := cert.Subject.Organization; len(o) > 0 && o[0] != "" {
		return o[0], nil
	}
	if n, ok := strings.CutSuffix(cert.Subject.CommonName, " 一站 CA"); ok && n != "" {
		return n, nil
	}
	return "", fmt.Errorf("the district's CA (%s) names no district", cert.Subject)
}

// releaseAdd declares release add's flags and returns what adds a
// terminal package to the repository.
func releaseAdd(stdout io.Writer) func(fs *flag.FlagSet) func([]string) error {
	return func(fs *flag.FlagSet) func([]string) error {
		data := fs.String("data", defaultData, "the district's data folder (`DIR`)")
		asJSON := fs.Bool("json", false, "print JSON")
		return func(words []string) error {
			if len(words) != 1 {
				return fmt.Errorf("%w: release add takes one word, the package FILE.deb, got %d (districtd release add --help)", errUsage, len(words))
			}
			deb := words[0]
			dir := district.ReleaseDir(*data)
			repo, err := release.Open(dir)
			if errors.Is(err, release.ErrNoRepository) {
				return fmt.Errorf("no release repository in %s: districtd release init --data %s makes one", dir, *data)
			} else if err != nil {
				return err
			}
			if _, err := os.Stat(deb); err != nil {
				return fmt.Errorf("nothing added: %w", err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			version, err := repo.Add(ctx, deb)
			if err != nil {
				return fmt.Errorf("%s not added: %w", filepath.Base(deb), err)
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(map[string]string{"version": version, "repository": dir})
			}
			_, err = fmt.Fprintf(stdout, "version %s added to the release repository in %s and published, signed; no terminal installs it until a ring names it:\n  districtd release promote %s --ring %s --data %s\n",
				version, dir, version, district.Rings[0], *data)
			return err
		}
	}
}

// releaseStatus is what release status shows.
type releaseStatus struct {
	// Repository is the repository's folder; "" while the district has
	// none.
	Repository string `json:"repository"`
	// Versions are the versions in it, oldest first.
	Versions []string        `json:"versions"`
	Rings    []district.Ring `json:"rings"`
}

// executeRelease runs the staff operations on the district's releases
// and writes their text to w.
func executeRelease(d *district.District, req request, w io.Writer) (any, error) {
	switch req.Op {
	case opReleaseName:
		name, err := districtName(d)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(w, name)
		return map[string]string{"name": name}, nil
	case opPromote:
		if err := d.Promote(district.CommandLine, "", req.Ring, req.Version, req.Force); err != nil {
			return nil, fmt.Errorf("version %s not promoted to ring %s: %w", req.Version, req.Ring, err)
		}
		rings, err := d.RingStates()
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(rings, func(r district.Ring) bool { return r.Name == req.Ring })
		if i < 0 {
			return nil, fmt.Errorf("ring %s promoted, but missing from the rings' states", req.Ring)
		}
		r := rings[i]
		switch r.Terminals {
		case 0:
			staffPrintf(w, "ring %s now names version %s; it holds no terminal yet (districtd terminals ring ID %s puts one in)\n", r.Name, r.Version, r.Name)
		case 1:
			staffPrintf(w, "ring %s now names version %s: its terminal installs it in its next maintenance window\n", r.Name, r.Version)
		default:
			staffPrintf(w, "ring %s now names version %s: its %d terminals install it in their next maintenance window\n", r.Name, r.Version, r.Terminals)
		}
		if req.Force {
			fmt.Fprintln(w, "(forced: the rings before it were not checked; the audit trail says so)")
		}
		switch {
		case i+1 == len(rings):
		case r.Terminals == 0:
			staffPrintf(w, "next: districtd release promote %s --ring %s\n", r.Version, rings[i+1].Name)
		default:
			staffPrintf(w, "once they run it (districtd release status): districtd release promote %s --ring %s\n", r.Version, rings[i+1].Name)
		}
		return r, nil
	case opReleaseStatus:
		st := releaseStatus{Versions: []string{}}
		repo, err := d.Releases()
		switch {
		case errors.Is(err, release.ErrNoRepository):
		case err != nil:
			return nil, err
		default:
			st.Repository = repo.Dir()
			vs, err := repo.Versions()
			if err != nil {
				return nil, err
			}
			st.Versions = append(st.Versions, vs...)
			slices.SortFunc(st.Versions, release.CompareVersions)
		}
		if st.Rings, err = d.RingStates(); err != nil {
			return nil, err
		}
		printReleaseStatus(w, st)
		return st, nil
	case opTerminalRing:
		if err := d.AssignRing(district.CommandLine, "", req.ID, req.Ring); err != nil {
			return nil, fmt.Errorf("terminal %s not put in ring %s: %w", req.ID, req.Ring, err)
		}
		target, ok, err := d.ReleaseTarget(req.ID)
		if err != nil {
			return nil, err
		}
		if ok {
			staffPrintf(w, "terminal %s is in ring %s now: it installs version %s, which the ring names, in its next maintenance window (unless it runs it already)\n", req.ID, req.Ring, target.Version)
		} else {
			staffPrintf(w, "terminal %s is in ring %s now; the ring names no version yet (districtd release promote VERSION --ring %s)\n", req.ID, req.Ring, req.Ring)
		}
		return target, nil
	}
	return nil, fmt.Errorf("unknown operation %q", req.Op)
}

func printReleaseStatus(w io.Writer, st releaseStatus) {
	switch {
	case st.Repository == "":
		fmt.Fprintln(w, "no release repository yet: districtd release init makes one")
	case len(st.Versions) == 0:
		staffPrintf(w, "release repository %s: no version in it yet (districtd release add FILE.deb)\n", st.Repository)
	default:
		staffPrintf(w, "release repository %s: versions %s\n", st.Repository, strings.Join(st.Versions, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "RING\tVERSION\tTERMINALS\tRUNNING IT\tROLLED BACK")
	for _, r := range st.Rings {
		running := "-"
		if r.Version != "" {
			running = fmt.Sprint(r.Running)
		}
		staffPrintf(w, "%s\t%s\t%d\t%s\t%s\n", r.Name, dash(r.Version), r.Terminals, running, dash(strings.Join(r.RolledBack, " ")))
	}
}

// updateOutcome is a terminal's last update in a few words: "1→2
// installed 12-07 02:14", "1→2 rolled back 12-07 02:14: self-test failed".
func updateOutcome(u *protocol.UpdateReport) string {
	s := u.Version
	if u.From != "" && u.From != u.Version {
		s = u.From + "→" + u.Version
	}
	result := strings.ReplaceAll(u.Result, "_", " ")
	s += " " + dash(result)
	if !u.At.IsZero() {
		s += " " + u.At.Local().Format("01-02 15:04")
	}
	if u.Reason != "" {
		// The whole reason is in --json; the table keeps a line a
		// terminal.
		reason := []rune(u.Reason)
		if len(reason) > 100 {
			reason = append(reason[:100], '…')
		}
		s += ": " + string(reason)
	}
	return s
}
