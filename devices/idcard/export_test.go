package idcard

import "context"

// NewUSBTransportForTest builds the USB transport over endpoints the test
// provides.
func NewUSBTransportForTest(headerOut, bodyOut interface {
	WriteContext(context.Context, []byte) (int, error)
}, headerIn, bodyIn interface {
	ReadContext(context.Context, []byte) (int, error)
}) Transport {
	return &usbTransport{headerOut: headerOut, bodyOut: bodyOut, headerIn: headerIn, bodyIn: bodyIn,
		close: func() error { return nil }, buf: make([]byte, 4096)}
}
