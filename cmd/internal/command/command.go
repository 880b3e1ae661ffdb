// Package command runs a program's commands from one table: each command
// declares its own flags, answers -h and --help with its own usage and
// exits 0, and a word that names no command lists those there are and
// exits 2. The table is also what the manual pages are checked against.
//
// Flags may come before, between and after a command's words
// ("apps show ID --attachments DIR"); after "--" every word is a word.
package command

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
)

// ErrUsage marks a mistake in the command line: the program exits 2.
var ErrUsage = errors.New("usage")

// A Command is one thing a program does.
type Command struct {
	// Name is the words that name it after the program's name ("apps list");
	// "" for a program that is one command.
	Name string
	// Synopsis is what follows the name in its usage line: its words and
	// flags ("[TERMINAL/]ID [--attachments DIR]").
	Synopsis string
	// Summary says in one line what it does.
	Summary string
	// Setup declares the command's flags on fs and returns what runs it
	// with the words left after them.
	Setup func(fs *flag.FlagSet) func(words []string) error
}

// Program is a program's commands.
type Program struct {
	Name     string
	Commands []Command
	// Notes follow the list of commands in the program's usage (what a
	// DEV is, the default data folder).
	Notes string
}

// Run finds the command args name and runs it. A request for help prints
// to stdout and returns nil; a mistake prints nothing and returns an error
// wrapping ErrUsage that carries the usage to show.
func (p Program) Run(args []string, stdout io.Writer) error {
	c, rest, ok := p.find(args)
	if !ok {
		group := p.groupOf(args) // "", or the words of several commands: "apps"
		n := len(strings.Fields(group))
		switch {
		case n < len(args) && isHelp(args[n]): // "--help", "apps --help"
			_, err := io.WriteString(stdout, p.Usage(group))
			return err
		case n < len(args):
			return fmt.Errorf("%w: unknown command %q\n%s", ErrUsage, strings.Join(args[:n+1], " "), p.Usage(group))
		case group == "":
			return fmt.Errorf("%w: no command given\n%s", ErrUsage, p.Usage(group))
		default:
			return fmt.Errorf("%w: %q needs one more word\n%s", ErrUsage, group, p.Usage(group))
		}
	}
	fs := p.FlagSet(c)
	runIt := c.Setup(fs)
	words, err := parse(fs, rest)
	switch {
	case errors.Is(err, flag.ErrHelp):
		_, err := io.WriteString(stdout, p.Help(c, fs))
		return err
	case err != nil:
		return fmt.Errorf("%w: %v\nusage: %s", ErrUsage, err, p.line(c))
	}
	return runIt(words)
}

// FlagSet returns the empty flag set of c, quiet: Run prints usage itself.
func (p Program) FlagSet(c Command) *flag.FlagSet {
	fs := flag.NewFlagSet(strings.TrimSpace(p.Name+" "+c.Name), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// Flags returns the names of the flags c declares, sorted.
func (p Program) Flags(c Command) []string {
	fs := p.FlagSet(c)
	c.Setup(fs)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	return names
}

// Help is c's usage, summary and flags, as -h prints them.
func (p Program) Help(c Command, fs *flag.FlagSet) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s\n", p.line(c))
	if c.Summary != "" {
		fmt.Fprintf(&b, "\n%s\n", c.Summary)
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if first {
			b.WriteString("\nflags:\n")
			first = false
		}
		arg, text := flag.UnquoteUsage(f)
		dashes := "--"
		if len(f.Name) == 1 {
			dashes = "-" // -v, -h: one letter, one dash
		}
		fmt.Fprintf(&b, "  %s%s", dashes, f.Name)
		if arg != "" {
			fmt.Fprintf(&b, " %s", arg)
		}
		fmt.Fprintf(&b, "\n        %s", text)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			fmt.Fprintf(&b, " (default %s)", f.DefValue)
		}
		b.WriteString("\n")
	})
	return b.String()
}

// Usage lists the commands whose names start with the words of prefix
// (all of them for ""), one usage line and summary each.
func (p Program) Usage(prefix string) string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, c := range p.Commands {
		if !under(c.Name, prefix) {
			continue
		}
		fmt.Fprintf(&b, "  %s\n", p.line(c))
		if c.Summary != "" {
			fmt.Fprintf(&b, "      %s\n", c.Summary)
		}
	}
	if p.Notes != "" && prefix == "" {
		fmt.Fprintf(&b, "%s\n", strings.TrimRight(p.Notes, "\n"))
	}
	fmt.Fprintf(&b, "%s ... --help shows a command's flags\n", strings.TrimSpace(p.Name+" "+prefix))
	return b.String()
}

func (p Program) line(c Command) string {
	return strings.Join(strings.Fields(strings.Join([]string{p.Name, c.Name, c.Synopsis}, " ")), " ")
}

// find returns the command with the longest name that args begin with,
// and the args after its name.
func (p Program) find(args []string) (Command, []string, bool) {
	best, n := -1, -1
	for i, c := range p.Commands {
		name := strings.Fields(c.Name)
		if len(name) > n && len(name) <= len(args) && slices.Equal(name, args[:len(name)]) {
			best, n = i, len(name)
		}
	}
	if best < 0 {
		return Command{}, nil, false
	}
	return p.Commands[best], args[n:], true
}

// groupOf returns the longest run of args' first words that begins the
// name of more than one command, or of a longer one ("apps" of "apps
// list"), or "".
func (p Program) groupOf(args []string) string {
	group := ""
	for n := 1; n <= len(args); n++ {
		prefix := strings.Join(args[:n], " ")
		if !slices.ContainsFunc(p.Commands, func(c Command) bool { return under(c.Name, prefix) && c.Name != prefix }) {
			break
		}
		group = prefix
	}
	return group
}

// under reports whether name is prefix or begins with its words.
func under(name, prefix string) bool {
	return prefix == "" || name == prefix || strings.HasPrefix(name, prefix+" ")
}

func isHelp(s string) bool {
	return s == "-h" || s == "--help" || s == "-help" || s == "help"
}

// parse parses fs's flags wherever they stand among args and returns the
// words, in order.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return words, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(words, rest...), nil
		}
		words = append(words, rest[0])
		args = rest[1:]
	}
}
