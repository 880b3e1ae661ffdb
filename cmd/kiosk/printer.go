package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
)

// receiptPrinter is the terminal's printer and, in demo mode, the virtual
// printer behind it.
type receiptPrinter struct {
	printer *printer.Printer
	profile printer.Profile
	virtual *printer.PNGPort // demo only
}

// startPrinter makes the configured printer's driver, or returns nil when
// the terminal has none.
func startPrinter(cfg config.Config, reg *devices.Registry, log *slog.Logger) (*receiptPrinter, error) {
	pc := cfg.Printer
	if pc.Device == "" {
		reg.Report(devices.Status{Kind: devices.ReceiptPrinter, State: devices.NoDevice, Actor: devices.NoOne, Reason: "no printer configured: receipts are shown on screen"})
		return nil, nil
	}
	dev, err := printer.ParseDevice(pc.Device)
	if err != nil {
		return nil, err
	}
	prof, err := printer.ProfileByName(pc.Profile)
	if err != nil {
		return nil, err
	}
	prof.NativeQR = pc.NativeQR
	rp := &receiptPrinter{profile: prof}
	open := func(ctx context.Context) (printer.Port, error) { return dev.Open(ctx, prof.Dots) }
	if dev.Kind == "png" {
		rp.virtual = printer.OpenPNG(dev.Path, prof.Dots)
		open = func(context.Context) (printer.Port, error) { return rp.virtual, nil }
	}
	rp.printer = printer.New(printer.Config{
		Open:    open,
		Profile: prof,
		Report:  func(s devices.Status) { reg.Report(s) },
		Log:     log,
	})
	return rp, nil
}

func (rp *receiptPrinter) run(ctx context.Context, wg *sync.WaitGroup) {
	wg.Go(func() { rp.printer.Run(ctx) })
}

// printSample prints the demo's sample receipt on the virtual printer and
// returns its picture.
func (rp *receiptPrinter) printSample(ctx context.Context, terminal string) (image.Image, error) {
	if rp.virtual == nil {
		return nil, errors.New("no virtual printer")
	}
	return rp.print(ctx, sampleReceipt(terminal, time.Now()))
}

// print prints a receipt and returns its picture when the printer is the
// virtual one (nil otherwise).
func (rp *receiptPrinter) print(ctx context.Context, r printer.Receipt) (image.Image, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := rp.printer.Print(ctx, r); err != nil {
		return nil, err
	}
	if rp.virtual == nil {
		return nil, nil
	}
	img := rp.virtual.Last()
	if img == nil {
		return nil, fmt.Errorf("the virtual printer kept no receipt")
	}
	return img, nil
}

// sampleReceipt is what a resident takes home after applying, with made-up
// contents, marked as a sample.
func sampleReceipt(terminal string, now time.Time) printer.Receipt {
	no := fmt.Sprintf("S%s-%04d", now.Format("20060102"), now.Second()*100+now.Nanosecond()/1e7%100)
	return printer.Receipt{Blocks: []printer.Block{
		printer.Title("受理回执"),
		printer.Text("（示例凭条）").Aligned(printer.Center),
		printer.Separator(),
		printer.Row("受理编号", no),
		printer.Row("办理事项", "养老保险待遇资格认证"),
		printer.Row("申请人", "张*华"),
		printer.Row("受理时间", now.Format("2006-01-02 15:04")),
		printer.Row("办好时间", now.AddDate(0, 0, 14).Format("2006年1月2日")),
		printer.Row("终端", terminal),
		printer.Separator(),
		printer.QR("https://zwfw.example.gov.cn/q/" + no),
		printer.Text("扫码查询办理进度").Aligned(printer.Center),
		printer.Cut(),
	}}
}
