package idcard

import (
	"context"
	"errors"
)

// Transport carries one command frame to the reader module and brings back
// its reply. The serial line and the USB variant of the module implement it.
type Transport interface {
	Exchange(ctx context.Context, cmd []byte) (Reply, error)
	Close() error
}

// ErrNoReply means the module did not answer before the step's deadline.
var ErrNoReply = errors.New("idcard: no reply from the reader")

// ErrUnplugged means the reader's port has gone away.
var ErrUnplugged = errors.New("idcard: reader unplugged")
