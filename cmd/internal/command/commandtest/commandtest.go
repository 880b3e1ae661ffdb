// Package commandtest checks a program's command line as a technician
// meets it: the program's own binary, run with each command and -h or
// --help, and with no command or an unknown one.
package commandtest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/yizhan-kiosk/yizhan/cmd/internal/command"
)

// AsProgram is the variable that makes a test binary run its program's
// main instead of the tests (see Main).
const AsProgram = "YIZHAN_RUN_AS_PROGRAM"

// Main runs main instead of the tests when the test binary was started
// by Check; call it first in TestMain.
func Main(main func()) {
	if os.Getenv(AsProgram) == "1" {
		main()
		os.Exit(0)
	}
}

// result is what one run of the program gave.
type result struct {
	stdout, stderr string
	code           int
}

func runProgram(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), AsProgram+"=1")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	return result{out.String(), errOut.String(), code}
}

// flagLine is a flag as a command's help shows it.
var flagLine = regexp.MustCompile(`(?m)^  --?([a-z0-9-]+)`)

// Check asks every command of p for -h, then --help: each must succeed
// (exit 0) and print its usage and exactly its own flags — the first
// command through the test binary run as the program (its TestMain calls
// Main), the others in this process, through the same table. The program alone, or with --help, or a
// group's first word with --help lists commands; no command or an unknown
// one exits 2.
func Check(t *testing.T, p command.Program) {
	t.Helper()
	groups := map[string]bool{}
	for _, c := range p.Commands {
		words := strings.Fields(c.Name)
		for n := 1; n < len(words); n++ {
			groups[strings.Join(words[:n], " ")] = true
		}
		for _, h := range []string{"-h", "--help"} {
			args := append(words, h)
			// In this process (a test binary under the race detector
			// takes most of a second to start), and for the first
			// command also through the real binary.
			var out strings.Builder
			r := result{code: 0}
			if err := p.Run(args, &out); err != nil {
				r.code, r.stderr = 2, err.Error()
			}
			r.stdout = out.String()
			if c.Name == p.Commands[0].Name {
				r = runProgram(t, args...)
			}
			line := strings.Join(append([]string{"usage:", p.Name}, words...), " ")
			if r.code != 0 || !strings.HasPrefix(r.stdout, line) {
				t.Errorf("%s %s: exit %d, stdout:\n%s\nstderr:\n%s", p.Name, strings.Join(args, " "), r.code, r.stdout, r.stderr)
				continue
			}
			var shown []string
			for _, m := range flagLine.FindAllStringSubmatch(r.stdout, -1) {
				shown = append(shown, m[1])
			}
			sort.Strings(shown)
			if want := p.Flags(c); !slices.Equal(shown, want) {
				t.Errorf("%s %s shows the flags %q, its own are %q", p.Name, strings.Join(args, " "), shown, want)
			}
		}
	}
	if len(p.Commands) == 1 && p.Commands[0].Name == "" {
		return // a program that is one command
	}
	lists := func(what string, text string, prefix string) {
		for _, c := range p.Commands {
			under := prefix == "" || c.Name == prefix || strings.HasPrefix(c.Name, prefix+" ")
			if has := strings.Contains(text, strings.TrimSpace(p.Name+" "+c.Name)+" ") || strings.Contains(text, strings.TrimSpace(p.Name+" "+c.Name)+"\n"); has != under {
				t.Errorf("%s: lists %q: %v, want %v:\n%s", what, c.Name, has, under, text)
			}
		}
	}
	for _, h := range []string{"-h", "--help"} {
		r := runProgram(t, h)
		if r.code != 0 {
			t.Errorf("%s %s: exit %d", p.Name, h, r.code)
		}
		lists(p.Name+" "+h, r.stdout, "")
	}
	r := runProgram(t)
	if r.code != 2 {
		t.Errorf("%s alone: exit %d, want 2", p.Name, r.code)
	}
	lists(p.Name+" alone", r.stderr, "")
	r = runProgram(t, "no-such-command")
	if r.code != 2 || !strings.Contains(r.stderr, `unknown command "no-such-command"`) {
		t.Errorf("%s no-such-command: exit %d:\n%s", p.Name, r.code, r.stderr)
	}
	lists(p.Name+" no-such-command", r.stderr, "")
	for g := range groups {
		if slices.ContainsFunc(p.Commands, func(c command.Command) bool { return c.Name == g }) {
			continue // "terminals" is a command of its own as well as a group
		}
		r := runProgram(t, append(strings.Fields(g), "--help")...)
		if r.code != 0 {
			t.Errorf("%s %s --help: exit %d", p.Name, g, r.code)
		}
		lists(p.Name+" "+g+" --help", r.stdout, g)
	}
}

// manualHeading is a heading of a manual page's Markdown source.
var manualHeading = regexp.MustCompile(`(?m)^#{1,3} +(.+?) *$`)

// manualFlag is a flag as a manual page lists it: **--name** at the start
// of a line, its argument and text following.
var manualFlag = regexp.MustCompile(`(?m)^\*\*--?([a-z0-9-]+)\*\*`)

// CheckManual checks the Markdown source of p's manual page against p: a
// section for each command, headed "PROGRAM COMMAND" (for a program that is
// one command, OPTIONS), listing exactly the flags the command declares,
// and no section for a command p does not have.
func CheckManual(t *testing.T, p command.Program, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	sections := map[string][]string{} // command name → flags listed
	heads := manualHeading.FindAllStringSubmatchIndex(text, -1)
	for i, h := range heads {
		title := text[h[2]:h[3]]
		end := len(text)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		var name string
		switch {
		case strings.HasPrefix(title, p.Name+" "):
			name = strings.TrimPrefix(title, p.Name+" ")
		case title == "OPTIONS" && len(p.Commands) == 1 && p.Commands[0].Name == "":
			name = ""
		default:
			continue
		}
		if _, dup := sections[name]; dup {
			t.Errorf("%s: two sections for %q", path, title)
		}
		var flags []string
		for _, m := range manualFlag.FindAllStringSubmatch(text[h[1]:end], -1) {
			if m[1] != "h" && m[1] != "help" { // every command has those
				flags = append(flags, m[1])
			}
		}
		sort.Strings(flags)
		sections[name] = flags
	}
	for _, c := range p.Commands {
		listed, ok := sections[c.Name]
		if !ok {
			t.Errorf("%s: no section for %q", path, strings.TrimSpace(p.Name+" "+c.Name))
			continue
		}
		if want := p.Flags(c); !slices.Equal(listed, want) {
			t.Errorf("%s: %q lists the flags %q; the command has %q", path, strings.TrimSpace(p.Name+" "+c.Name), listed, want)
		}
		delete(sections, c.Name)
	}
	for name := range sections {
		t.Errorf("%s: a section for %q, which is no command", path, p.Name+" "+name)
	}
}
