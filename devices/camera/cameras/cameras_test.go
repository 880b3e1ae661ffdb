package cameras

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// A simulated id opens the simulator, which streams; an id of a V4L2
// camera that is not there is fs.ErrNotExist; a bad id opens nothing.
func TestOpenChoosesTheDriverByTheID(t *testing.T) {
	open, id, err := Opener("sim:face")
	if err != nil || !id.Simulated() {
		t.Fatalf("sim:face: %+v, %v", id, err)
	}
	d, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Info().ID != "sim:face" {
		t.Fatalf("opened %q", d.Info().ID)
	}
	if err := d.Start(d.Info().Formats[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Frame(5 * time.Second); err != nil {
		t.Fatalf("no frame from the simulated camera: %v", err)
	}

	open, _, err = Opener("usb:dead:beef")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open(); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a USB camera not plugged in: %v", err)
	}
	if _, _, err := Opener("sim:door"); err == nil {
		t.Fatal("a camera id nothing reads was taken")
	}
	if _, err := Open(camera.ID{}); err == nil {
		t.Fatal("an empty id opened a camera")
	}
}
