package idcard

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/gousb"

	"github.com/yizhan-kiosk/yizhan/devices/usbdev"
)

// The USB variant of the module splits each frame over two bulk pipes each
// way: the preamble and length on one, the rest on the other.
const (
	usbHeaderOut = 0x02 // host → module: preamble and length
	usbBodyOut   = 0x06 // host → module: CMD Para Data CHK
	usbHeaderIn  = 0x81 // module → host: preamble and length
	usbBodyIn    = 0x85 // module → host: SW1 SW2 SW3 Data CHK
)

// bulkOut and bulkIn are the parts of gousb's endpoints the transport uses;
// tests put a simulated module behind them.
type bulkOut interface {
	WriteContext(ctx context.Context, b []byte) (int, error)
}

type bulkIn interface {
	ReadContext(ctx context.Context, b []byte) (int, error)
}

type usbTransport struct {
	headerOut, bodyOut bulkOut
	headerIn, bodyIn   bulkIn
	close              func() error
	buf                []byte
}

// OpenUSB opens the USB variant of the reader module by vendor and product
// id.
func OpenUSB(vid, pid uint16) (t Transport, err error) {
	ctx, err := usbdev.NewContext()
	if err != nil {
		return nil, fmt.Errorf("idcard: %w", err)
	}
	closers := &usbdev.Closers{}
	defer func() {
		if err != nil {
			closers.Close()
		}
	}()
	closers.Add(ctx.Close)

	dev, err := ctx.OpenDeviceWithVIDPID(gousb.ID(vid), gousb.ID(pid))
	if dev == nil {
		if err == nil {
			err = ErrUnplugged
		}
		return nil, fmt.Errorf("idcard: usb %04x:%04x: %w", vid, pid, err)
	}
	closers.Add(dev.Close)
	if err := dev.SetAutoDetach(true); err != nil {
		return nil, fmt.Errorf("idcard: usb detach: %w", err)
	}
	intf, done, err := dev.DefaultInterface()
	if err != nil {
		return nil, fmt.Errorf("idcard: usb interface: %w", err)
	}
	closers.Add(func() error { done(); return nil })

	ut := &usbTransport{close: closers.Close, buf: make([]byte, 4096)}
	if ut.headerOut, err = intf.OutEndpoint(usbHeaderOut & 0x0F); err != nil {
		return nil, fmt.Errorf("idcard: usb endpoint %#x: %w", usbHeaderOut, err)
	}
	if ut.bodyOut, err = intf.OutEndpoint(usbBodyOut & 0x0F); err != nil {
		return nil, fmt.Errorf("idcard: usb endpoint %#x: %w", usbBodyOut, err)
	}
	if ut.headerIn, err = intf.InEndpoint(usbHeaderIn & 0x0F); err != nil {
		return nil, fmt.Errorf("idcard: usb endpoint %#x: %w", usbHeaderIn, err)
	}
	if ut.bodyIn, err = intf.InEndpoint(usbBodyIn & 0x0F); err != nil {
		return nil, fmt.Errorf("idcard: usb endpoint %#x: %w", usbBodyIn, err)
	}
	return ut, nil
}

func (u *usbTransport) Exchange(ctx context.Context, cmd []byte) (Reply, error) {
	if len(cmd) < headerLen {
		return Reply{}, errors.New("idcard: command frame too short")
	}
	if _, err := u.headerOut.WriteContext(ctx, cmd[:headerLen]); err != nil {
		return Reply{}, usbErr("write header", ctx, err)
	}
	if _, err := u.bodyOut.WriteContext(ctx, cmd[headerLen:]); err != nil {
		return Reply{}, usbErr("write body", ctx, err)
	}
	n, err := u.headerIn.ReadContext(ctx, u.buf[:64])
	if err != nil {
		return Reply{}, usbErr("read header", ctx, err)
	}
	if n < headerLen || string(u.buf[:len(preamble)]) != string(preamble) {
		return Reply{}, fmt.Errorf("idcard: usb header % X is not a frame header", u.buf[:n])
	}
	frame := append([]byte(nil), u.buf[:headerLen]...)
	want := int(frame[5])<<8 | int(frame[6])
	if want < minFrameLen || want > maxFrameLen {
		return Reply{}, fmt.Errorf("idcard: usb frame length %d", want)
	}
	for len(frame) < headerLen+want {
		n, err := u.bodyIn.ReadContext(ctx, u.buf)
		if err != nil {
			return Reply{}, usbErr("read body", ctx, err)
		}
		frame = append(frame, u.buf[:n]...)
	}
	if len(frame) != headerLen+want {
		return Reply{}, fmt.Errorf("idcard: usb frame of %d bytes, header says %d", len(frame), headerLen+want)
	}
	return DecodeReply(frame)
}

// usbErr maps a transfer error: a deadline is no reply, a vanished device
// is unplugged.
func usbErr(what string, ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return ErrNoReply
	case errors.Is(err, gousb.ErrorNoDevice):
		return fmt.Errorf("idcard: usb %s: %w", what, ErrUnplugged)
	}
	return fmt.Errorf("idcard: usb %s: %w", what, err)
}

func (u *usbTransport) Close() error { return u.close() }
