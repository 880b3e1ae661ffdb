package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
)

func simReader(t *testing.T) (*idcardsim.Sim, string) {
	t.Helper()
	sim := idcardsim.New()
	p, err := idcardsim.ServePTY(sim, filepath.Join(t.TempDir(), "idcard"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return sim, p.Path()
}

func TestIdcardReadJSON(t *testing.T) {
	sim, port := simReader(t)
	cards := idcard.SampleCards()
	for _, tc := range []struct {
		card     idcard.Card
		unmasked bool
	}{{cards[0], false}, {cards[0], true}, {cards[3], true}, {cards[4], true}, {cards[5], false}} {
		sim.Place(tc.card)
		args := []string{"idcard", "read", "--port", port, "--json", "--timeout", "5s"}
		if tc.unmasked {
			args = append(args, "--unmasked")
		}
		var out, errOut bytes.Buffer
		if err := run(args, nil, &out, &errOut); err != nil {
			t.Fatalf("%s: %v (%s)", tc.card.Type, err, errOut.String())
		}
		var got map[string]any
		if err := json.Unmarshal(out.Bytes(), &got); err != nil {
			t.Fatalf("not one JSON object: %q", out.String())
		}
		for _, k := range []string{"card_type", "name", "gender", "birth", "id_number", "valid_from", "valid_to", "photo_wlt_bytes"} {
			if _, ok := got[k]; !ok {
				t.Errorf("%s: JSON lacks %q: %s", tc.card.Type, k, out.String())
			}
		}
		if got["card_type"] != string(tc.card.Type) || got["photo_wlt_bytes"] != float64(1024) {
			t.Errorf("%s: %s", tc.card.Type, out.String())
		}
		name, id := got["name"].(string), got["id_number"].(string)
		if tc.unmasked != (name == tc.card.Name) || tc.unmasked != (id == tc.card.IDNumber) {
			t.Errorf("%s unmasked=%v: name %q id %q", tc.card.Type, tc.unmasked, name, id)
		}
		sim.Remove()
		time.Sleep(50 * time.Millisecond)
	}
}

func TestIdcardReadErrors(t *testing.T) {
	_, port := simReader(t)
	var out, errOut bytes.Buffer
	start := time.Now()
	err := run([]string{"idcard", "read", "--port", port, "--timeout", "600ms"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no card within") {
		t.Fatalf("no card: err = %v", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %v for a 600 ms timeout", time.Since(start))
	}
	start = time.Now()
	err = run([]string{"idcard", "read", "--port", filepath.Join(t.TempDir(), "none"), "--timeout", "10s"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no reader") || time.Since(start) > 3*time.Second {
		t.Fatalf("missing reader: err = %v after %v; want a quick 'no reader'", err, time.Since(start))
	}
	for _, args := range [][]string{
		{"idcard", "read"},
		{"idcard", "read", "--port", "x", "--usb", "1:2"},
		{"idcard", "read", "--usb", "zz"},
		{"idcard", "frob"},
		{"idcard"},
	} {
		if err := run(args, nil, &out, &errOut); !errors.Is(err, errUsage) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
}

func TestIdcardReadDamagedCard(t *testing.T) {
	sim, port := simReader(t)
	sim.Inject(idcardsim.Transient, 2) // the read fails twice: no card data
	sim.Place(idcard.SampleCards()[1])
	var out, errOut bytes.Buffer
	err := run([]string{"idcard", "read", "--port", port, "--timeout", "5s"}, nil, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "could not be read") || out.Len() != 0 {
		t.Fatalf("err = %v, out %q", err, out.String())
	}
}

func TestSimCommands(t *testing.T) {
	sim := idcardsim.New()
	p, err := idcardsim.ServePTY(sim, filepath.Join(t.TempDir(), "idcard"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var out bytes.Buffer
	cards := idcard.SampleCards()
	for _, line := range []string{"list", "place 2", "place 99", "fault noise 3", "fault bogus", "clear noise", "pace 115200", "remove", "unplug", "plug", "what"} {
		if simCommand(&out, sim, p, cards, line) {
			t.Fatalf("%q quit", line)
		}
	}
	for _, want := range []string{"2\tresident\t李*", "placed card 2", "no card 99", "fault noise on", "faults:", "cleared noise", "pacing at 115200", "removed", "unplugged", "plugged in at", "commands:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("simulator output lacks %q:\n%s", want, out.String())
		}
	}
	if !simCommand(&out, sim, p, cards, "quit") {
		t.Error("quit did not quit")
	}
}
