package command

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

// ran records what a test program's commands were run with.
type ran struct {
	name  string
	words []string
	json  bool
	dir   string
}

func testProgram(got *ran) Program {
	cmd := func(name, synopsis string, withDir bool) Command {
		return Command{Name: name, Synopsis: synopsis, Summary: "does " + name,
			Setup: func(fs *flag.FlagSet) func([]string) error {
				asJSON := fs.Bool("json", false, "print JSON")
				dir := new(string)
				if withDir {
					fs.StringVar(dir, "attachments", "", "write them into `DIR`")
				}
				return func(words []string) error {
					*got = ran{name: name, words: words, json: *asJSON, dir: *dir}
					return nil
				}
			}}
	}
	return Program{Name: "districtd", Notes: "every command takes --data", Commands: []Command{
		cmd("terminals", "[--json]", false),
		cmd("terminals revoke", "ID", false),
		cmd("apps list", "[--json]", false),
		cmd("apps show", "ID [--attachments DIR]", true),
	}}
}

func TestCommandsRunWithTheirFlagsAnywhere(t *testing.T) {
	var got ran
	p := testProgram(&got)
	for _, tc := range []struct {
		args []string
		want ran
	}{
		{[]string{"terminals"}, ran{name: "terminals"}},
		{[]string{"terminals", "--json"}, ran{name: "terminals", json: true}},
		{[]string{"terminals", "revoke", "T1"}, ran{name: "terminals revoke", words: []string{"T1"}}},
		{[]string{"apps", "show", "A1", "--attachments", "out", "-json"}, ran{name: "apps show", words: []string{"A1"}, json: true, dir: "out"}},
		{[]string{"apps", "show", "--json", "A1"}, ran{name: "apps show", words: []string{"A1"}, json: true}},
		{[]string{"apps", "show", "--", "-A1"}, ran{name: "apps show", words: []string{"-A1"}}},
	} {
		got = ran{}
		var out strings.Builder
		if err := p.Run(tc.args, &out); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if got.name != tc.want.name || !slices.Equal(got.words, tc.want.words) || got.json != tc.want.json || got.dir != tc.want.dir {
			t.Errorf("%q ran %+v, want %+v", tc.args, got, tc.want)
		}
		if out.Len() != 0 {
			t.Errorf("%q printed %q", tc.args, out.String())
		}
	}
}

func TestEveryCommandAnswersHelpWithItsOwnFlags(t *testing.T) {
	var got ran
	p := testProgram(&got)
	for _, c := range p.Commands {
		for _, h := range []string{"-h", "--help", "-help"} {
			args := append(strings.Fields(c.Name), "A1", h)
			var out strings.Builder
			if err := p.Run(args, &out); err != nil {
				t.Fatalf("%q: %v", args, err)
			}
			if got.name != "" {
				t.Fatalf("%q ran the command", args)
			}
			help := out.String()
			if !strings.HasPrefix(help, "usage: districtd "+c.Name+" ") || !strings.Contains(help, "does "+c.Name) {
				t.Errorf("%q printed:\n%s", args, help)
			}
			if strings.Contains(help, "--attachments") != (c.Name == "apps show") {
				t.Errorf("%q shows flags not its own:\n%s", args, help)
			}
		}
	}
}

func TestGroupsAndTheProgramListTheirCommands(t *testing.T) {
	var got ran
	p := testProgram(&got)
	for _, tc := range []struct {
		args       []string
		lists      []string // commands the output names
		notListed  string
		usageError string // "" when the help is asked for
	}{
		{[]string{"--help"}, []string{"terminals revoke", "apps show"}, "", ""},
		{[]string{"-h"}, []string{"terminals revoke", "apps show"}, "", ""},
		{[]string{"help"}, []string{"apps list"}, "", ""},
		{[]string{"apps", "--help"}, []string{"apps list", "apps show"}, "terminals", ""},
		{nil, []string{"apps list", "terminals"}, "", "no command given"},
		{[]string{"frob"}, []string{"apps list", "terminals"}, "", `unknown command "frob"`},
		{[]string{"apps"}, []string{"apps list", "apps show"}, "terminals", `"apps" needs one more word`},
		{[]string{"apps", "frob", "--help"}, []string{"apps list"}, "terminals", `unknown command "apps frob"`},
	} {
		var out strings.Builder
		err := p.Run(tc.args, &out)
		text := out.String()
		if tc.usageError == "" {
			if err != nil {
				t.Fatalf("%q: %v", tc.args, err)
			}
		} else {
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tc.usageError) {
				t.Fatalf("%q: error %v, want a usage error %q", tc.args, err, tc.usageError)
			}
			if text != "" {
				t.Errorf("%q printed on stdout: %q", tc.args, text)
			}
			text = err.Error()
		}
		for _, name := range tc.lists {
			if !strings.Contains(text, "districtd "+name+" ") {
				t.Errorf("%q does not list %q:\n%s", tc.args, name, text)
			}
		}
		if tc.notListed != "" && strings.Contains(text, "districtd "+tc.notListed) {
			t.Errorf("%q lists %q, not in its group:\n%s", tc.args, tc.notListed, text)
		}
		if got.name != "" {
			t.Fatalf("%q ran %s", tc.args, got.name)
		}
	}
}

func TestBadFlagsAreUsageErrors(t *testing.T) {
	var got ran
	p := testProgram(&got)
	err := p.Run([]string{"apps", "list", "--attachments", "x"}, new(strings.Builder))
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "usage: districtd apps list [--json]") {
		t.Fatalf("a flag of another command: %v", err)
	}
	if got.name != "" {
		t.Fatal("ran with a bad flag")
	}
}

func TestFlagsNamesWhatACommandDeclares(t *testing.T) {
	var got ran
	p := testProgram(&got)
	if f := p.Flags(p.Commands[3]); !slices.Equal(f, []string{"attachments", "json"}) {
		t.Fatalf("apps show flags %q", f)
	}
}

func TestARootCommandIsTheProgram(t *testing.T) {
	var got []string
	demo := false
	p := Program{Name: "kiosk", Commands: []Command{{Summary: "the terminal", Setup: func(fs *flag.FlagSet) func([]string) error {
		fs.BoolVar(&demo, "demo", false, "simulated devices")
		return func(w []string) error { got = w; return nil }
	}}}}
	var out strings.Builder
	if err := p.Run([]string{"--help"}, &out); err != nil || !strings.HasPrefix(out.String(), "usage: kiosk\n") || !strings.Contains(out.String(), "-demo") {
		t.Fatalf("kiosk --help: %v\n%s", err, out.String())
	}
	if err := p.Run([]string{"-demo"}, &out); err != nil || !demo || len(got) != 0 {
		t.Fatalf("kiosk -demo: %v demo=%v words=%q", err, demo, got)
	}
}
