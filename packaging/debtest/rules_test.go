package debtest

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A syntax check of udev rules, for machines whose udevadm has no
// "verify" (systemd before 254, Debian 12's included). It knows the keys
// and operators of udev 252 and refuses what that udev refuses or
// ignores: an unknown key, an operator a key does not take (SYMLINK-= is
// one, found the hard way), a value without quotes, a GOTO without its
// LABEL, a MODE that is not octal, a GROUP that does not exist. The install
// test also runs the rules through the real udevadm where it can.

type udevPair struct {
	key, attr, op, value string
}

type udevRule struct {
	line  int
	pairs []udevPair
}

// Which operators each key takes: m for == and !=, a for = and :=, + for
// +=, - for -=. Keys with {attr} are marked by attr.
var udevKeys = map[string]struct {
	ops  string
	attr bool
}{
	"ACTION": {"m", false}, "DEVPATH": {"m", false}, "KERNEL": {"m", false}, "KERNELS": {"m", false},
	"SUBSYSTEM": {"m", false}, "SUBSYSTEMS": {"m", false}, "DRIVER": {"m", false}, "DRIVERS": {"m", false},
	"TAGS": {"m", false}, "RESULT": {"m", false}, "ATTRS": {"m", true}, "CONST": {"m", true},
	"TEST": {"m", true}, "NAME": {"ma", false}, "SYMLINK": {"ma+", false}, "TAG": {"ma+-", false},
	"ENV": {"ma+", true}, "ATTR": {"ma", true}, "SYSCTL": {"ma", true}, "PROGRAM": {"m", false},
	"OWNER": {"a", false}, "GROUP": {"a", false}, "MODE": {"a", false}, "OPTIONS": {"a+", false},
	"LABEL": {"a", false}, "GOTO": {"a", false}, "IMPORT": {"a", true}, "RUN": {"a+", true},
	"SECLABEL": {"a+", true},
}

var (
	udevPairRE = regexp.MustCompile(`^([A-Z_]+)(\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"`)
	udevModeRE = regexp.MustCompile(`^0?[0-7]{3}$`)
)

// parseUdevRules checks one rules file. groupExists, when not nil, says
// whether a GROUP= name exists on the target system.
func parseUdevRules(name string, data []byte, groupExists func(string) bool) ([]udevRule, []error) {
	var rules []udevRule
	var errs []error
	bad := func(line int, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, a...)))
	}
	lines := strings.Split(string(data), "\n")
	labels := map[string]bool{}
	type gotoAt struct {
		label string
		line  int
	}
	var gotos []gotoAt
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		text := lines[i]
		for strings.HasSuffix(text, "\\") && i+1 < len(lines) { // continued lines
			i++
			text = strings.TrimSuffix(text, "\\") + lines[i]
		}
		text = strings.TrimSpace(text)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		rule := udevRule{line: lineNo}
		rest := text
		for rest != "" {
			m := udevPairRE.FindStringSubmatch(rest)
			if m == nil {
				bad(lineNo, "cannot read %q (KEY, optional {attr}, operator, \"value\")", rest)
				break
			}
			p := udevPair{key: m[1], attr: m[3], op: m[4], value: m[5]}
			rule.pairs = append(rule.pairs, p)
			rest = strings.TrimLeft(rest[len(m[0]):], " \t")
			if rest != "" {
				if rest[0] != ',' {
					bad(lineNo, "expected a comma after %s", m[0])
					break
				}
				rest = strings.TrimLeft(rest[1:], " \t")
				if rest == "" {
					bad(lineNo, "trailing comma")
				}
			}
		}
		matches := 0
		for _, p := range rule.pairs {
			k, ok := udevKeys[p.key]
			if !ok {
				bad(lineNo, "unknown key %s", p.key)
				continue
			}
			if k.attr != (p.attr != "") && p.key != "TEST" && p.key != "RUN" && p.key != "IMPORT" {
				bad(lineNo, "%s: attribute braces wrong", p.key)
			}
			var class string
			switch p.op {
			case "==", "!=":
				class = "m"
				matches++
			case "=", ":=":
				class = "a"
			case "+=":
				class = "+"
			case "-=":
				class = "-"
			}
			if !strings.Contains(k.ops, class) {
				bad(lineNo, "%s does not take the operator %s", p.key, p.op)
			}
			switch {
			case p.key == "MODE" && !udevModeRE.MatchString(p.value):
				bad(lineNo, "MODE %q is not an octal mode", p.value)
			case p.key == "GROUP" && groupExists != nil && !groupExists(p.value):
				bad(lineNo, "GROUP %q does not exist (udev would ignore it)", p.value)
			case p.key == "SYMLINK" && class != "m" && (strings.HasPrefix(p.value, "/") || strings.ContainsAny(p.value, " \t")):
				bad(lineNo, "SYMLINK %q: a name relative to /dev, without spaces", p.value)
			case p.key == "OPTIONS" && strings.HasPrefix(p.value, "link_priority="):
				if _, err := strconv.Atoi(strings.TrimPrefix(p.value, "link_priority=")); err != nil {
					bad(lineNo, "OPTIONS %q: link_priority takes a number", p.value)
				}
			case p.key == "LABEL":
				labels[p.value] = true
			case p.key == "GOTO":
				gotos = append(gotos, gotoAt{p.value, lineNo})
			}
		}
		// A rule of assignments alone applies to every device on the
		// machine: never what a device rule means.
		if matches == 0 && len(rule.pairs) > 0 && rule.pairs[0].key != "LABEL" {
			bad(lineNo, "a rule without a match key applies to every device")
		}
		rules = append(rules, rule)
	}
	for _, g := range gotos {
		if !labels[g.label] {
			bad(g.line, "GOTO=%q has no LABEL in this file", g.label)
		}
	}
	return rules, errs
}

// uncommentRules turns the example's commented rules ("#SUBSYSTEM...")
// into rules, so the examples are checked as a technician will use them.
func uncommentRules(data []byte) []byte {
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(data), "\n") {
		if strings.HasPrefix(l, "#") && len(l) > 1 && l[1] >= 'A' && l[1] <= 'Z' {
			l = l[1:]
		}
		b.WriteString(l)
	}
	return []byte(b.String())
}

// TestUdevRulesSyntax checks the package's rules and the local example,
// on any machine.
func TestUdevRulesSyntax(t *testing.T) {
	groups := func(g string) bool { return g == "yizhan" || g == "video" }
	for _, f := range []string{"packaging/udev/60-yizhan.rules", "packaging/udev/59-yizhan-local.rules.example"} {
		data, err := os.ReadFile(repoPath(t, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, ".example") {
			data = uncommentRules(data)
		}
		rules, errs := parseUdevRules(f, data, groups)
		for _, err := range errs {
			t.Error(err)
		}
		if len(rules) < 5 {
			t.Errorf("%s: only %d rules read", f, len(rules))
		}
	}
}

// TestUdevRulesChecker makes sure the checker above refuses what udev
// refuses, so that a clean result means something.
func TestUdevRulesChecker(t *testing.T) {
	bad := map[string]string{
		"unknown key":        `SUBSYSTEM=="tty", FOO=="x"`,
		"SYMLINK -=":         `SUBSYSTEM=="tty", SYMLINK-="yizhan/idcard"`,
		"match on GROUP":     `SUBSYSTEM=="tty", GROUP=="yizhan"`,
		"assign to KERNEL":   `KERNEL="ttyS0", MODE="0660"`,
		"no quotes":          `SUBSYSTEM==tty, MODE="0660"`,
		"no comma":           `SUBSYSTEM=="tty" MODE="0660"`,
		"GOTO without LABEL": `SUBSYSTEM!="tty", GOTO="nowhere"`,
		"bad MODE":           `SUBSYSTEM=="tty", MODE="rw"`,
		"unknown GROUP":      `SUBSYSTEM=="tty", GROUP="nosuchgroup"`,
		"no match":           `GROUP="yizhan", MODE="0660"`,
		"absolute SYMLINK":   `SUBSYSTEM=="tty", SYMLINK+="/dev/yizhan/idcard"`,
		"ATTRS without attr": `ATTRS=="1a86", MODE="0660"`,
	}
	groups := func(g string) bool { return g == "yizhan" }
	for name, rule := range bad {
		if _, errs := parseUdevRules("t.rules", []byte(rule+"\n"), groups); len(errs) == 0 {
			t.Errorf("%s: %s was accepted", name, rule)
		}
	}
	good := `ACTION=="remove", GOTO="end"
SUBSYSTEM=="tty", ATTRS{idVendor}=="1a86", ENV{YIZHAN_ROLE}=="", ENV{YIZHAN_ROLE}="idcard"
ENV{YIZHAN_ROLE}=="idcard", GROUP="yizhan", MODE="0660", SYMLINK+="yizhan/idcard", OPTIONS+="link_priority=10"
LABEL="end"
`
	if _, errs := parseUdevRules("t.rules", []byte(good), groups); len(errs) > 0 {
		t.Errorf("good rules refused: %v", errs)
	}
}
