package usbdev

import (
	"errors"
	"testing"
)

func TestClosersLastFirst(t *testing.T) {
	var order []int
	var c Closers
	for i := 1; i <= 3; i++ {
		c.Add(func() error {
			order = append(order, i)
			if i == 2 {
				return errors.New("two")
			}
			return nil
		})
	}
	err := c.Close()
	if len(order) != 3 || order[0] != 3 || order[2] != 1 {
		t.Fatalf("closed in order %v", order)
	}
	if err == nil || err.Error() != "two" {
		t.Fatalf("err = %v", err)
	}
	if c.Close() != nil || len(order) != 3 {
		t.Fatal("a second Close closed again")
	}
}

func TestNewContextNeverPanics(t *testing.T) {
	ctx, err := NewContext()
	if err == nil {
		ctx.Close()
	}
}

func TestParseID(t *testing.T) {
	if v, p, err := ParseID("0400:C35a"); err != nil || v != 0x0400 || p != 0xc35a {
		t.Fatalf("ParseID = %x %x %v", v, p, err)
	}
	for _, bad := range []string{"", "0400", "zz:11", "0400:", "10000:1", "0400:c35a:1", "1:2", "+400:c35a"} {
		if _, _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) accepted", bad)
		}
	}
}
