package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/yizhan-kiosk/yizhan/devices"
	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/camera/cameras"
	"github.com/yizhan-kiosk/yizhan/devices/uevent"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/facematch"
	"github.com/yizhan-kiosk/yizhan/kiosk/ui"
)

// previewSize is what both cameras stream for the live preview.
var previewSize = camera.Size{Width: 640, Height: 480}

// startCameras runs a monitor for each configured camera and returns what
// the photo screens need. A camera not configured is reported missing and
// left out. A camera streams only while a photo step (or a technician)
// watches it; otherwise it is closed and checked now and then
// (camera.Monitor).
func startCameras(ctx context.Context, wg *sync.WaitGroup, cfg config.Config, reg *devices.Registry, log *slog.Logger) (ui.Cameras, error) {
	c := cfg.Camera
	faceSize, err := camera.ParseSize(c.FaceSize)
	if err != nil {
		return ui.Cameras{}, err
	}
	cams := ui.Cameras{
		FaceWant: camera.Want{Size: faceSize},
		Quality:  c.Quality,
		Matcher:  facematch.Matcher{Program: c.Matcher, Timeout: c.MatcherTimeout.Duration, Threshold: c.MatchThreshold},
	}
	if c.DocumentSize != "" {
		if cams.DocumentWant.Size, err = camera.ParseSize(c.DocumentSize); err != nil {
			return ui.Cameras{}, err
		}
	}
	for _, cam := range []struct {
		kind devices.Kind
		id   string
		into *ui.LiveCamera
	}{{devices.FaceCamera, c.Face, &cams.Face}, {devices.DocumentCamera, c.Document, &cams.Document}} {
		if cam.id == "" {
			reg.Report(devices.Status{Kind: cam.kind, State: devices.NoDevice, Actor: devices.Technician, Reason: "not configured"})
			continue
		}
		open, id, err := cameras.Opener(cam.id)
		if err != nil {
			return ui.Cameras{}, err // the configuration's check reads ids the same way
		}
		m := camera.NewMonitor(cam.kind, open, camera.Want{Size: previewSize}, reg, log.With("device", string(cam.kind)))
		if !id.Simulated() {
			// A camera plugged in or out is looked at once; without the
			// kernel's word (some containers), at the monitor's next probe.
			if l, err := uevent.Listen(); err != nil {
				log.Info("no hot-plug events: cameras are checked every 10 minutes", "device", string(cam.kind), "err", err)
			} else {
				m.Plugged = uevent.Watch(ctx, l, "video4linux")
			}
		}
		wg.Go(func() { m.Run(ctx) })
		*cam.into = m
	}
	return cams, nil
}
