package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/jpeg"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
	"github.com/yizhan-kiosk/yizhan/devices/camera/cameras"
	"github.com/yizhan-kiosk/yizhan/devices/camera/camerasim"
	"github.com/yizhan-kiosk/yizhan/devices/camera/v4l2"
)

// openCamera opens a camera by id: a simulated one for "sim:…" (so the
// commands can be tried on a machine without cameras), else a V4L2 camera.
func openCamera(s string) (camera.Device, error) {
	id, err := camera.ParseID(s)
	if err != nil {
		return nil, fmt.Errorf("%w: --camera: %v", errUsage, err)
	}
	return cameras.Open(id)
}

// cameraJSON is a camera as "camera list --json" prints it: the formats
// grouped by pixel format, the sizes written WIDTHxHEIGHT.
type cameraJSON struct {
	ID        string              `json:"id"`
	Name      string              `json:"name"`
	Bus       string              `json:"bus"`
	Path      string              `json:"path"`
	Simulated bool                `json:"simulated"`
	Formats   map[string][]string `json:"formats"`
}

// formatGroup is the sizes a camera offers in one pixel format.
type formatGroup struct {
	pixel string
	sizes []string
}

// groupFormats groups formats by pixel format, in the order the camera
// first lists each.
func groupFormats(formats []camera.Format) []formatGroup {
	var groups []formatGroup
	for _, f := range formats {
		pix := f.Pixel.String()
		i := slices.IndexFunc(groups, func(g formatGroup) bool { return g.pixel == pix })
		if i < 0 {
			groups = append(groups, formatGroup{pixel: pix})
			i = len(groups) - 1
		}
		groups[i].sizes = append(groups[i].sizes, f.Size.String())
	}
	return groups
}

// listedCamera is a camera in "camera list".
type listedCamera struct {
	info      camera.Info
	simulated bool
}

func cameraList(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	asJSON := fs.Bool("json", false, "print one JSON array")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		found, listErr := v4l2.List()
		var cams []listedCamera
		for _, in := range found {
			cams = append(cams, listedCamera{in, false})
		}
		for _, id := range camerasim.IDs() {
			dev, err := openCamera(id)
			if err != nil {
				return err
			}
			cams = append(cams, listedCamera{dev.Info(), true})
			dev.Close()
		}
		if listErr != nil {
			// Cameras that could not be opened (no permission) are named;
			// the others are still listed.
			fmt.Fprintf(stderr, "kioskctl: %v\n", listErr)
		}

		if *asJSON {
			out := []cameraJSON{}
			for _, c := range cams {
				j := cameraJSON{ID: c.info.ID, Name: c.info.Name, Bus: c.info.Bus, Path: c.info.Path,
					Simulated: c.simulated, Formats: map[string][]string{}}
				for _, g := range groupFormats(c.info.Formats) {
					j.Formats[g.pixel] = append(j.Formats[g.pixel], g.sizes...)
				}
				out = append(out, j)
			}
			enc := json.NewEncoder(stdout)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		if len(found) == 0 {
			fmt.Fprintln(stdout, "no V4L2 cameras found")
		}
		for _, c := range cams {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", c.info.ID, c.info.Name, c.info.Bus, c.info.Path)
			groups := groupFormats(c.info.Formats)
			if len(groups) == 0 {
				fmt.Fprintln(stdout, "\t(no MJPEG or YUYV formats: not usable here)")
			}
			for _, g := range groups {
				fmt.Fprintf(stdout, "\t%s\t%s\n", g.pixel, strings.Join(g.sizes, " "))
			}
		}
		return nil
	}
}

func cameraSnap(fs *flag.FlagSet, stdin io.Reader, stdout, stderr io.Writer) func(words []string) error {
	id := fs.String("camera", "", "the camera `ID` as camera list shows it (or /dev/videoN, sim:face, sim:document)")
	out := fs.String("out", "", "the JPEG `FILE` to write")
	sizeText := fs.String("size", "", "the size to capture at and fit the picture in, `WxH` (default: the camera's largest)")
	quality := fs.Int("quality", 90, "JPEG quality, 1–100")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for each frame")
	skip := fs.Int("skip", 5, "frames to let pass first while the exposure settles")
	return func(words []string) error {
		if err := noWords(words); err != nil {
			return err
		}
		switch {
		case *id == "":
			return fmt.Errorf("%w: --camera is required", errUsage)
		case *out == "":
			return fmt.Errorf("%w: --out is required", errUsage)
		case *quality < 1 || *quality > 100:
			return fmt.Errorf("%w: --quality %d: want 1–100", errUsage, *quality)
		case *timeout <= 0:
			return fmt.Errorf("%w: --timeout must be positive", errUsage)
		case *skip < 0:
			return fmt.Errorf("%w: --skip must not be negative", errUsage)
		}
		var size camera.Size
		if *sizeText != "" {
			s, err := camera.ParseSize(*sizeText)
			if err != nil {
				return fmt.Errorf("%w: --size: %v", errUsage, err)
			}
			size = s
		}

		dev, err := openCamera(*id)
		if errors.Is(err, errUsage) {
			return err
		}
		if err != nil {
			return cameraError(*id, *timeout, err)
		}
		defer dev.Close()
		format, err := camera.Negotiate(dev.Info().Formats, camera.Want{Size: size})
		if err != nil {
			return fmt.Errorf("camera %s: %w", *id, err)
		}
		if err := dev.Start(format); err != nil {
			return cameraError(*id, *timeout, err)
		}
		var f camera.Frame
		for range *skip + 1 {
			if f, err = dev.Frame(*timeout); err != nil {
				return cameraError(*id, *timeout, err)
			}
		}
		// The frame is valid until the next call: made into a still before
		// anything else touches the device.
		still, err := camera.Still(f, size, *quality)
		if err != nil {
			return fmt.Errorf("camera %s: frame %d: %w", *id, f.Seq, err)
		}
		if err := writeOutput(*out, still); err != nil {
			return err
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(still))
		if err != nil {
			return fmt.Errorf("%s: %w", *out, err)
		}
		fmt.Fprintf(stdout, "captured frame %d from %s (%s) at %v\nwrote %s: %dx%d JPEG, quality %d, %d bytes\n",
			f.Seq, *id, dev.Info().Name, format, *out, cfg.Width, cfg.Height, *quality, len(still))
		return nil
	}
}

// cameraError says what a failed camera means for the technician.
func cameraError(id string, timeout time.Duration, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("camera %s not found: is it plugged in? (\"kioskctl camera list\" shows the cameras there are)", id)
	case errors.Is(err, camera.ErrGone):
		return fmt.Errorf("camera %s went away: was it unplugged? (%v)", id, err)
	case errors.Is(err, camera.ErrTimeout):
		return fmt.Errorf("camera %s sent no frame within %v: it is stalled, or another program is using it", id, timeout)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("camera %s: %v (is this user in the video group?)", id, err)
	}
	return fmt.Errorf("camera %s: %w", id, err)
}
