package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
)

func idcardRead(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	port := fs.String("port", "", "the reader's serial port `PATH` (/dev/ttyUSB0, /dev/yizhan/idcard)")
	baud := fs.Int("baud", 115200, "the line's `BAUD` rate")
	usb := fs.String("usb", "", "read the USB variant of the module instead, by its `VID:PID`")
	timeout := fs.Duration("timeout", 15*time.Second, "how long to wait for a card")
	asJSON := fs.Bool("json", false, "print one JSON object")
	unmasked := fs.Bool("unmasked", false, "print every field in full (personal data!)")
	decoder := fs.String("photo-decoder", "", "the `PROGRAM` that decodes the WLT photo (checks a decoder)")
	photoOut := fs.String("photo-out", "", "with --photo-decoder: write the decoded photo to `FILE.png`")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		if *photoOut != "" && *decoder == "" {
			return fmt.Errorf("%w: --photo-out needs --photo-decoder", errUsage)
		}
		open, err := readerOpener(*port, *baud, *usb)
		if err != nil {
			return err
		}

		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()

		// A reader that cannot be opened, or whose SAM failed, ends the wait at
		// once: there is no point waiting for a card.
		fault := make(chan devices.Status, 1)
		r := idcard.NewReader(idcard.ReaderConfig{
			Open: open,
			Report: func(s devices.Status) {
				if s.State == devices.NoDevice || s.State == devices.HardwareError {
					select {
					case fault <- s:
					default:
					}
				}
			},
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		done := make(chan struct{})
		go func() {
			defer close(done)
			r.Run(ctx)
		}()
		defer func() {
			cancel()
			<-done
		}()

		select {
		case ev := <-r.Events():
			if ev.Err != nil {
				return fmt.Errorf("card could not be read: %v", ev.Err)
			}
			if !*asJSON {
				fmt.Fprintf(stdout, "SAM\t%s\n", r.SAMID())
			}
			if err := printCard(stdout, ev.Card, *asJSON, *unmasked); err != nil {
				return err
			}
			if *decoder != "" {
				return writePhoto(ctx, ev.Card.Photo, *decoder, *photoOut)
			}
			return nil
		case s := <-fault:
			if s.State == devices.NoDevice {
				return fmt.Errorf("no reader: %s", s.Reason)
			}
			return fmt.Errorf("reader fault, a technician must act: %s", s.Reason)
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("no card within %v", *timeout)
			}
			return errors.New("interrupted")
		}
	}
}

// writePhoto decodes the card's photo with the decoder program and, when
// out is given, writes it as PNG: a technician's check of the decoder.
func writePhoto(ctx context.Context, wlt []byte, program, out string) error {
	img, err := idcard.PhotoDecoder{Program: program}.Decode(ctx, wlt)
	if err != nil {
		return err
	}
	if out == "" {
		return nil
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readerOpener(port string, baud int, usb string) (func() (idcard.Transport, error), error) {
	open, err := idcard.Source{Port: port, Baud: baud, USB: usb}.Opener()
	switch {
	case errors.Is(err, idcard.ErrNoSource):
		return nil, fmt.Errorf("%w: --port or --usb is required", errUsage)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return open, nil
}

var cardTypeNames = map[idcard.CardType]string{
	idcard.Resident: "居民身份证",
	idcard.PermitJ:  "港澳台居民居住证",
	idcard.ForeignI: "外国人永久居留身份证（2017）",
	idcard.ForeignY: "外国人永久居留身份证（2023）",
}

var genderNames = map[idcard.Gender]string{idcard.Male: "男", idcard.Female: "女", idcard.Unknown: "未知"}

func printCard(w io.Writer, c idcard.Card, asJSON, unmasked bool) error {
	j := c.JSON(unmasked)
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(j)
	}
	validTo := j.ValidTo
	if c.LongTerm {
		validTo = "长期"
	}
	if c.Expired(idcard.DateOf(time.Now())) {
		validTo += "（已过期）"
	}
	rows := [][2]string{
		{"类型", cardTypeNames[c.Type]},
		{"姓名", j.Name},
		{"英文姓名", j.EnglishName},
		{"性别", genderNames[c.Gender]},
		{"民族", j.Nation},
		{"国籍", j.Nationality},
		{"出生", j.Birth},
		{"住址", j.Address},
		{"证件号码", j.IDNumber},
		{"通行证号码", j.PassNumber},
		{"签发次数", j.IssueCount},
		{"签发机关", j.Issuer},
		{"有效期限", j.ValidFrom + " – " + validTo},
		{"照片", fmt.Sprintf("%d 字节 WLT", j.PhotoBytes)},
	}
	for _, r := range rows {
		if r[1] != "" {
			if _, err := fmt.Fprintf(w, "%s\t%s\n", r[0], r[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

func idcardSim(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	var files multiFlag
	fs.Var(&files, "card", "a JSON `FILE` of card fixtures (repeat; default: the built-in sample cards)")
	link := fs.String("link", "", "the `PATH` of the simulated port (default: in a new temporary folder)")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		cards := idcard.SampleCards()
		if len(files) > 0 {
			cards = nil
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				cs, err := idcard.ReadFixtures(data)
				if err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				cards = append(cards, cs...)
			}
		}
		if *link == "" {
			dir, err := os.MkdirTemp("", "yizhan-idcard-sim-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			*link = filepath.Join(dir, "idcard")
		}
		sim := idcardsim.New()
		p, err := idcardsim.ServePTY(sim, *link)
		if err != nil {
			return err
		}
		defer p.Close()
		fmt.Fprintln(stdout, p.Path())

		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		lines := make(chan string)
		go func() {
			defer close(lines)
			sc := bufio.NewScanner(stdin)
			for sc.Scan() {
				lines <- sc.Text()
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return nil
			case line, ok := <-lines:
				if !ok {
					lines = nil // no more commands: serve until stopped
					continue
				}
				if quit := simCommand(stdout, sim, p, cards, line); quit {
					return nil
				}
			}
		}
	}
}

var faultNames = map[string]idcardsim.Fault{
	"noise": idcardsim.Noise, "split": idcardsim.Split, "checksum": idcardsim.CorruptChecksum,
	"transient": idcardsim.Transient, "sam": idcardsim.SAMFailure, "silence": idcardsim.Silence,
	"refind": idcardsim.Refind,
}

// simCommand carries out one line typed at the simulator.
func simCommand(w io.Writer, sim *idcardsim.Sim, p *idcardsim.PTY, cards []idcard.Card, line string) (quit bool) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return false
	}
	say := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }
	switch f[0] {
	case "list":
		for i, c := range cards {
			say("%d\t%s\t%s", i+1, c.Type, idcard.MaskName(c.Name))
		}
	case "place":
		n := 1
		if len(f) > 1 {
			n, _ = strconv.Atoi(f[1])
		}
		if n < 1 || n > len(cards) {
			say("no card %s: 1 to %d", strings.Join(f[1:], " "), len(cards))
			return false
		}
		sim.Place(cards[n-1])
		say("placed card %d", n)
	case "remove":
		sim.Remove()
		say("removed")
	case "fault", "clear":
		if len(f) < 2 || faultNames[f[1]] == 0 {
			say("faults: noise split checksum transient sam silence refind")
			return false
		}
		if f[0] == "clear" {
			sim.Clear(faultNames[f[1]])
			say("cleared %s", f[1])
			return false
		}
		count := -1
		if len(f) > 2 {
			count, _ = strconv.Atoi(f[2])
		}
		sim.Inject(faultNames[f[1]], count)
		say("fault %s on", f[1])
	case "pace":
		baud := 0
		if len(f) > 1 {
			baud, _ = strconv.Atoi(f[1])
		}
		sim.Pace(baud)
		say("pacing at %d baud", baud)
	case "unplug":
		p.Unplug()
		say("unplugged")
	case "plug":
		if err := p.Plug(); err != nil {
			say("plug: %v", err)
		} else {
			say("plugged in at %s", p.Path())
		}
	case "quit", "exit":
		return true
	default:
		say("commands: list, place N, remove, fault NAME [COUNT], clear NAME, pace BAUD, unplug, plug, quit")
	}
	return false
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
