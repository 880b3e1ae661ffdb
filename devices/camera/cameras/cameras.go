// Package cameras opens a camera by its id, simulated or V4L2: the one
// place that choice is made, for the terminal, kioskctl and the self-test.
// It stands apart from package camera because it needs both drivers, and
// both need package camera.
package cameras

import (
	"fmt"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/camera/camerasim"
	"github.com/yizhan-kiosk/yizhan/devices/camera/v4l2"
)

// Open opens the camera id names (camera.ParseID), anew at each call: a
// re-plugged camera is found under its new /dev/videoN.
func Open(id camera.ID) (camera.Device, error) {
	var d camera.Device
	var err error
	if id.Simulated() {
		d, err = camerasim.Open(id)
	} else {
		d, err = v4l2.Open(id)
	}
	if err != nil {
		return nil, fmt.Errorf("camera %s: %w", id, err)
	}
	return d, nil
}

// Opener parses s and returns what opens that camera, for a
// camera.Monitor.
func Opener(s string) (camera.Opener, camera.ID, error) {
	id, err := camera.ParseID(s)
	if err != nil {
		return nil, camera.ID{}, err
	}
	return func() (camera.Device, error) { return Open(id) }, id, nil
}
