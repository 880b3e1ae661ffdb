package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/a4printer/cupstest"
	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/harness"
	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
)

// TestJourneyCertificate: a resident prints their 户籍证明 at the terminal
// — the card, the face matched, the purpose, the copies, the review, then
// "issue and print": the district issues the document (the sample
// issuer, over real TLS), the terminal prints it on its A4 printer
// through a real cupsd (a private one, with a backend that keeps what it
// prints), and the printed PDF says whose it is. Then the rating, and
// home. At every panel with make journeys, elderly too.
func TestJourneyCertificate(t *testing.T) {
	// Elderly mode at 1920×1080, and at every panel with make journeys.
	elderlyAt := func(panel string) bool { return panel == "1920x1080" || withMakeJourneys(panel) }
	everyPanel(t, "certificate", harness.Options{Windowed: true, A4: true}, elderlyAt, certificateJourney)
}

func certificateJourney(t *testing.T, k *harness.Kiosk) {
	k.WaitScreen("home", "")
	k.Tap("tile.apply")
	k.WaitScreen("apply", "")
	tapService(t, k, "户籍证明开具")
	k.WaitScreen("guide", "")
	k.Tap("guide.start")
	k.WaitScreen("applying", "card")
	k.Key(harness.KeyF2)
	k.WaitScreen("applying", "face")
	k.Tap("capture.agree")
	streaming(k, "the face photo", "face")
	k.Tap("capture.take")
	k.Tap("capture.use")
	k.WaitScreen("applying", "form")
	k.TapLabel("入学")
	typeDigits(t, k, "field:copies", "1")
	k.Tap("apply.next")
	photographMaterials(k) // the 户口簿, if the terminal photographs it
	// The first try: the printer runs out of paper. The screen says so
	// and who must act; the resident stops waiting and is back at the
	// review, nothing printed, and tries again once staff refilled it.
	k.A4.SetMode(cupstest.ModePaperOut)
	k.Tap("apply.issue")
	k.Wait("paper out said", 60*time.Second, func(s inspect.Snapshot) bool {
		return s.Step == "issuing" && hasText(s, "缺纸")
	})
	k.Tap("certificate.stop_waiting")
	k.Wait("back at the review", 30*time.Second, func(s inspect.Snapshot) bool {
		return s.Step == "review" && hasText(s, tr(t, "zh", "certificate.print_canceled"))
	})
	k.A4.SetMode(cupstest.ModeOK)
	time.Sleep(time.Second) // the cancelled job would print now, were it not cancelled
	if n := k.A4.Jobs(); n != 0 {
		t.Fatalf("a cancelled certificate printed (%d documents)", n)
	}
	k.Tap("apply.retry_issue")
	k.Wait("the certificate printed", 60*time.Second, func(s inspect.Snapshot) bool { return s.Step == "printed" })
	if n := k.A4.Jobs(); n != 1 {
		t.Fatalf("%d documents printed", n)
	}
	pdf := k.A4.Printed(2)
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		cmd := exec.Command(pdftotext, "-", "-")
		cmd.Stdin = bytes.NewReader(pdf)
		out, err := cmd.Output()
		text := strings.Join(strings.Fields(string(out)), "")
		card := idcard.SampleCards()[0]
		if err != nil || !strings.Contains(text, "户籍证明") || !strings.Contains(text, card.Name) || !strings.Contains(text, card.IDNumber) || !strings.Contains(text, "入学") {
			t.Fatalf("the printed certificate reads %q (%v)", text, err)
		}
	}
	k.Tap("apply.rate_it")
	k.WaitScreen("applying", "rating")
	k.Tap("rating.5")
	k.WaitScreen("home", "")
}
