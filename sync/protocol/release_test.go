package protocol

import (
	"strings"
	"testing"
)

func TestUpdateReportAndTargetValidate(t *testing.T) {
	good := UpdateReport{ID: "9f2c", Version: "2", From: "1", Result: UpdateRolledBack, Reason: "self-test failed", Running: "1", Refused: []string{"2"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, f := range map[string]func(*UpdateReport){
		"result":         func(u *UpdateReport) { u.Result = "exploded" },
		"version":        func(u *UpdateReport) { u.Version = "--reinstall" },
		"no version":     func(u *UpdateReport) { u.Version = "" },
		"running":        func(u *UpdateReport) { u.Running = "1 2" },
		"long reason":    func(u *UpdateReport) { u.Reason = strings.Repeat("x", 601) },
		"refused":        func(u *UpdateReport) { u.Refused = []string{"ok", "-x"} },
		"refused length": func(u *UpdateReport) { u.Refused = make([]string, 33) },
	} {
		u := good
		f(&u)
		if err := u.Validate(); err == nil {
			t.Errorf("%s: accepted %+v", name, u)
		}
		hb := Heartbeat{Update: &u}
		if hb.Validate() == nil {
			t.Errorf("%s: a heartbeat with it accepted", name)
		}
	}
	for _, v := range []string{"1", "1.4.0", "2:1.0~rc1-3+b1", "0.3+git12.gabc1234"} {
		if r := (ReleaseTarget{Ring: "canary", Version: v}); r.Validate() != nil {
			t.Errorf("version %q refused", v)
		}
	}
	for _, r := range []ReleaseTarget{{"canary", ""}, {"canary", "a1"}, {"canary", "1;rm"}, {"Canary", "1"}, {"", "1"}} {
		if r.Validate() == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

func TestReleaseRepositoryIsAnHTTPSFolder(t *testing.T) {
	for _, s := range []string{"https://mirror.example.gov.cn/yizhan/", "https://10.0.0.5:8443/repo/"} {
		if c := (TerminalConfig{Version: 1, ReleaseRepository: s}); c.Validate() != nil {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{"http://mirror.example/yizhan/", "https://mirror.example/yizhan", "https:///x/",
		"https://u:p@mirror.example/", "https://mirror.example/a b/", "https://mirror.example/?x=1/", "https://m.example/[x]/"} {
		if c := (TerminalConfig{Version: 1, ReleaseRepository: s}); c.Validate() == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func FuzzParseWindow(f *testing.F) {
	f.Add("22:00-06:00")
	f.Add("00:00-24:00")
	f.Fuzz(func(t *testing.T, s string) {
		from, to, ok := ParseWindow(s)
		if !ok {
			return
		}
		if from < 0 || from > 1440 || to < 0 || to > 1440 || from%1440 == to%1440 {
			t.Fatalf("%q → %d-%d", s, from, to)
		}
	})
}
