package idcard_test

import (
	"context"
	"encoding/binary"
	"path/filepath"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/devices/idcard/idcardsim"
)

func readReply(b *testing.B) []byte {
	c := idcard.SampleCards()[0]
	text, err := c.TextBlock()
	if err != nil {
		b.Fatal(err)
	}
	var d []byte
	d = binary.BigEndian.AppendUint16(d, idcard.TextLen)
	d = binary.BigEndian.AppendUint16(d, idcard.PhotoLen)
	d = append(d, text...)
	d = append(d, c.Photo...)
	return idcard.EncodeReply(idcard.StatusOK, d)
}

// BenchmarkDecodeReadReply decodes the 1295-byte reply to a read and
// parses the card in it.
func BenchmarkDecodeReadReply(b *testing.B) {
	frame := readReply(b)
	if len(frame) != 1295 {
		b.Fatalf("read reply is %d bytes, want 1295", len(frame))
	}
	b.SetBytes(int64(len(frame)))
	var d idcard.Decoder
	for b.Loop() {
		d.Write(frame)
		r, ok, err := d.Next()
		if !ok || err != nil {
			b.Fatal(ok, err)
		}
		if _, err := idcard.ParseRead(r.Data, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullReadAt115200 runs find, select and read through the real
// serial transport against the simulator on a pseudo-terminal that sends
// its replies at 115200 baud, and reports the time spent beyond what the
// reply bytes need on the wire.
func BenchmarkFullReadAt115200(b *testing.B) {
	sim := idcardsim.New()
	sim.Pace(115200)
	p, err := idcardsim.ServePTY(sim, filepath.Join(b.TempDir(), "idcard"))
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	tr, err := idcard.OpenSerial(p.Path(), 115200)
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	card := idcard.SampleCards()[0]
	replyBytes := 15 + 19 + 1295 // find, select, read replies
	wire := time.Duration(replyBytes) * 10 * time.Second / 115200

	step := func(c idcard.Command) idcard.Reply {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r, err := tr.Exchange(ctx, c.Encode())
		if err != nil || r.Err() != nil {
			b.Fatalf("%s: %v %v", c, err, r.Err())
		}
		return r
	}
	for b.Loop() {
		sim.Place(card)
		step(idcard.CmdFind)
		step(idcard.CmdSelect)
		r := step(idcard.CmdRead)
		if _, err := idcard.ParseRead(r.Data, false); err != nil {
			b.Fatal(err)
		}
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(wire)/1e6, "wire-ms/op")
	b.ReportMetric(float64(perOp-wire)/1e6, "above-wire-ms/op")
}
