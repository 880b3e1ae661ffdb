package ptyharness

import (
	"bytes"
	"testing"
	"time"
)

func TestRawAndCloseEndsRead(t *testing.T) {
	m, s, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Bytes that a cooked terminal would change pass unchanged both ways.
	frame := []byte{0x0D, 0x0A, 0x03, 0x7F, 0x11, 0x13, 0xAA}
	if _, err := s.Write(frame); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 16)
	n, err := m.Read(got)
	if err != nil || !bytes.Equal(got[:n], frame) {
		t.Fatalf("slave to master: % X, %v", got[:n], err)
	}
	if _, err := m.Write(frame); err != nil {
		t.Fatal(err)
	}
	n, err = s.Read(got)
	if err != nil || !bytes.Equal(got[:n], frame) {
		t.Fatalf("master to slave: % X, %v (echo or translation?)", got[:n], err)
	}
	// A Read blocked on the master ends when the master is closed, though
	// the slave stays open.
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Read(got)
	}()
	time.Sleep(50 * time.Millisecond)
	m.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Read on the master did not end with Close")
	}
}
