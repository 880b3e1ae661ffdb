package main

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

func TestLoadConfigDemoDefaults(t *testing.T) {
	cfg, err := loadConfig(flags{demo: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Language != "zh" || cfg.DataDir != "var/demo" || cfg.Idle.Timeout.Duration != 90*time.Second {
		t.Fatalf("demo config = %+v", cfg)
	}
}

func TestLoadConfigLangFlag(t *testing.T) {
	cfg, err := loadConfig(flags{demo: true, lang: "en"})
	if err != nil || cfg.Language != "en" {
		t.Fatalf("-lang en: %v, language %q", err, cfg.Language)
	}
	_, err = loadConfig(flags{demo: true, lang: "fr"})
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "language" {
		t.Fatalf("-lang fr: err = %v, want a language error", err)
	}
}

func TestLoadConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(path, []byte("terminal_id = \"BANK-12\"\ndistrict = \"某区\"\n[idle]\ntimeout = \"2m\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(flags{config: path})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TerminalID != "BANK-12" || cfg.DataDir != "/var/lib/yizhan" || cfg.Idle.Timeout.Duration != 2*time.Minute {
		t.Fatalf("config = %+v", cfg)
	}
	// The same file in demo mode keeps the demo's data folder.
	cfg, err = loadConfig(flags{config: path, demo: true})
	if err != nil || cfg.DataDir != "var/demo" {
		t.Fatalf("demo with file: %v, data %q", err, cfg.DataDir)
	}
}

func TestLoadConfigMissingFileSaysWhatToDo(t *testing.T) {
	_, err := loadConfig(flags{config: filepath.Join(t.TempDir(), "none.toml")})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}

func TestParseSize(t *testing.T) {
	if s, err := parseSize("1080x1920"); err != nil || s.Width != 1080 || s.Height != 1920 {
		t.Fatalf("parseSize(1080x1920) = %v, %v", s, err)
	}
	for _, bad := range []string{"", "1080", "x", "100x100", "axb", "1920x-1"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}

func TestOpenOutbox(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := config.Demo()
	cfg.DataDir = t.TempDir()
	cfg.Outbox.DistrictKeys = filepath.Join(cfg.DataDir, "district.pub")

	// Not provisioned: no outbox, and no error.
	s, err := openOutbox(cfg, false, log)
	if err != nil || s != nil {
		t.Fatalf("unprovisioned: %v, %v", s, err)
	}
	// Demo: a district key is made, only its public half kept.
	s, err = openOutbox(cfg, true, log)
	if err != nil || s == nil {
		t.Fatalf("demo: %v", err)
	}
	s.Close()
	key, _ := os.ReadFile(cfg.Outbox.DistrictKeys)
	if !strings.HasPrefix(string(key), "age1") || strings.Contains(string(key), "AGE-SECRET-KEY") {
		t.Fatalf("demo key file holds %q", key)
	}
	// Provisioned: it opens with the key that is there.
	s, err = openOutbox(cfg, false, log)
	if err != nil || s == nil {
		t.Fatalf("provisioned: %v", err)
	}
	s.Close()
	os.WriteFile(cfg.Outbox.DistrictKeys, []byte("not a key"), 0o644)
	if _, err := openOutbox(cfg, false, log); err == nil {
		t.Fatal("a bad key file was accepted")
	}
}
