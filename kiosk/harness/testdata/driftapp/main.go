// Command driftapp is a window with one button that tells the journey
// harness where the button is — truly, or (with -drift N) N pixels below
// where it is drawn, as a screen whose drawing and touch areas have come
// apart would; with -grow, two seconds after a tap it asks for more room than
// the screen has, as a screen too wide for its panel does. The harness's
// own tests tap it.
package main

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/inspect"
)

func main() {
	sock := flag.String("socket", "inspect.sock", "the inspection socket")
	drift := flag.Int("drift", 0, "report the button this many pixels below where it is drawn")
	grow := flag.Bool("grow", false, "two seconds after a tap, ask for a content wider than the screen")
	size := flag.String("size", "", "a window of WIDTHxHEIGHT instead of full screen, as the kiosk's -windowed")
	flag.Parse()

	var touches atomic.Int32
	a := app.NewWithID("cn.yizhan.harness.driftapp")
	w := a.NewWindow("driftapp")
	wide := canvas.NewRectangle(color.Transparent)
	b := widget.NewButton("tap me", func() {
		touches.Add(1)
		if *grow {
			time.AfterFunc(2*time.Second, func() {
				fyne.Do(func() {
					wide.SetMinSize(fyne.NewSize(w.Canvas().Size().Width+200, 1))
					w.SetContent(w.Content()) // laid out anew, as the kiosk's screens are
				})
			})
		}
	})
	b.Importance = widget.HighImportance
	big := container.NewGridWrap(fyne.NewSize(400, 120), b)
	w.SetContent(container.NewBorder(wide, nil, nil, nil, container.NewCenter(big)))
	w.SetPadded(false)
	var sw, sh float32
	if _, err := fmt.Sscanf(*size, "%fx%f", &sw, &sh); err == nil {
		w.Resize(fyne.NewSize(sw, sh))
	} else {
		w.SetFullScreen(true)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		err := inspect.Serve(ctx, *sock, func() (s inspect.Snapshot, err error) {
			fyne.DoAndWait(func() {
				c := w.Canvas()
				cw, ch := c.PixelCoordinateForPosition(fyne.NewPos(c.Size().Width, c.Size().Height))
				pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
				x, y := c.PixelCoordinateForPosition(pos)
				x2, y2 := c.PixelCoordinateForPosition(pos.Add(b.Size()))
				fill := a.Settings().Theme().Color(theme.ColorNamePrimary, theme.VariantLight)
				r, g, bl, _ := fill.RGBA()
				s = inspect.Snapshot{Screen: "home", Canvas: inspect.Size{W: cw, H: ch}, Touches: int(touches.Load()),
					Tappables: []inspect.Tappable{{ID: "button", Label: b.Text, Kind: "button",
						Rect: inspect.Rect{X: x, Y: y + *drift, W: x2 - x, H: y2 - y},
						Fill: "#" + hex2(r>>8) + hex2(g>>8) + hex2(bl>>8)}}}
			})
			return s, nil
		}, slog.Default())
		if err != nil {
			log.Print(err)
		}
	}()
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
}

func hex2(v uint32) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[v>>4&0xf], digits[v&0xf]})
}
