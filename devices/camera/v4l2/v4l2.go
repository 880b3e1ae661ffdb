// Package v4l2 is the camera driver for Linux: UVC cameras (the face
// camera and the document camera, 高拍仪) through Video4Linux2, using
// github.com/blackjack/webcam (ioctls and mmap in pure Go). List finds the
// cameras; Open opens one by a stable id — the /dev/v4l/by-id name udev
// makes, or usb:VID:PID[:SERIAL] from sysfs — resolved to its /dev/videoN
// each time, so a re-plugged camera is found again under a new number.
//
// The parts that need a real camera are kept to a thin layer (opening a
// node and the library's ioctls behind the handle interface). The rest —
// reading ids from sysfs and the udev links, enumerating sizes from
// stepwise ranges, keeping MJPEG and YUYV, checking the format the driver
// chose, mapping errors, copying frames out of the mmap buffers — is
// tested against fake directory trees and a fake handle. The machine this
// was written on has no /dev/video* and cannot load a kernel module for a
// virtual camera (vivid, v4l2loopback), so the ioctls themselves, and how
// a given camera behaves, have not been exercised here: check a new camera
// model with "kioskctl camera list" and "kioskctl camera snap".
package v4l2

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/blackjack/webcam"

	"github.com/yizhan-kiosk/yizhan/devices/camera"
)

// handle is what the driver uses of an open node: a *webcam.Webcam on a
// terminal, a fake in tests.
type handle interface {
	GetName() (string, error)
	GetBusInfo() (string, error)
	GetSupportedFormats() map[webcam.PixelFormat]string
	GetSupportedFrameSizes(webcam.PixelFormat) []webcam.FrameSize
	SetImageFormat(f webcam.PixelFormat, width, height uint32) (webcam.PixelFormat, uint32, uint32, error)
	SetBufferCount(n uint32) error
	StartStreaming() error
	WaitForFrame(seconds uint32) error
	GetFrame() ([]byte, uint32, error)
	ReleaseFrame(index uint32) error
	StopStreaming() error
	Close() error
}

// openWebcam opens a node with the library. It refuses a node that does
// not claim video capture and streaming; a UVC camera's metadata node
// passes (the library checks the device's capabilities, not the node's)
// and is told apart later by offering no capture formats.
func openWebcam(path string) (handle, error) {
	w, err := webcam.Open(path)
	if err != nil {
		return nil, err
	}
	return w, nil
}

// system is where cameras are looked for: the root of the /dev and /sys
// trees ("/" on a terminal) and how a node is opened.
type system struct {
	root string
	open func(path string) (handle, error)
}

var host = system{root: "/", open: openWebcam}

// List describes every camera: each /dev/videoN that is a capture device
// offering formats, with its MJPEG and YUYV formats (a camera offering
// neither is listed with none). Its ID is its by-id name, else
// usb:VID:PID[:SERIAL], else its path; two cameras of one model without
// serial numbers would share that, and get their /dev/v4l/by-path names
// (their USB ports) instead. A node that cannot be opened (no permission:
// the kiosk user must be in the video group) is reported in the error,
// and the others are still listed.
func List() ([]camera.Info, error) { return host.list() }

// Open opens the camera id names (camera.ParseID): a /dev/v4l/by-id name, usb:VID:PID or
// usb:VID:PID:SERIAL, a /dev/v4l/by-path name, or a path (/dev/video2,
// /dev/v4l/by-id/…). The id is resolved anew at each call. A camera that
// is not there gives an error wrapping fs.ErrNotExist.
func Open(id camera.ID) (camera.Device, error) { return host.openCamera(id) }

// real is where a terminal path is under the root.
func (s system) real(path string) string { return filepath.Join(s.root, path) }

func (s system) list() ([]camera.Info, error) {
	nodes, err := scan(s.root)
	if err != nil {
		return nil, err
	}
	var infos []camera.Info
	var listed []node
	var errs []error
	for _, n := range nodes {
		h, err := s.open(s.real(n.path))
		if err != nil {
			if !skippable(err) {
				errs = append(errs, fmt.Errorf("v4l2: open %s: %w", n.path, err))
			}
			continue
		}
		info, ok := describe(h)
		h.Close()
		if !ok {
			continue
		}
		info.ID, info.Path = n.id(), n.path
		infos = append(infos, info)
		listed = append(listed, n)
	}
	// Two cameras of one model without serial numbers share their ids;
	// the by-path name (the USB port it is plugged into) tells them apart
	// and stays put as long as the cables do.
	seen := map[string]int{}
	for _, in := range infos {
		seen[strings.ToLower(in.ID)]++
	}
	for i, in := range infos {
		if seen[strings.ToLower(in.ID)] > 1 && len(listed[i].byPath) > 0 {
			infos[i].ID = listed[i].byPath[0]
		}
	}
	return infos, errors.Join(errs...)
}

// skippable are open errors that mean "not a camera to list": the node
// vanished while looking (unplugged), or the library refused it as no
// capture device (its own errors, not an errno). Permission and the like
// are errnos and are reported.
func skippable(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return true
	}
	return errno == syscall.ENOENT || errno == syscall.ENODEV || errno == syscall.ENXIO
}

// describe reads what a node is. ok is false for a node that offers no
// capture formats at all (a UVC camera's metadata node). A node whose
// formats are neither MJPEG nor YUYV is described with no formats, so it
// is seen but negotiation refuses it.
func describe(h handle) (info camera.Info, ok bool) {
	offered := h.GetSupportedFormats()
	if len(offered) == 0 {
		return camera.Info{}, false
	}
	info.Name, _ = h.GetName()
	info.Bus, _ = h.GetBusInfo()
	info.Formats = formatsOf(offered, h.GetSupportedFrameSizes)
	return info, true
}

func (s system) openCamera(id camera.ID) (camera.Device, error) {
	if id.Kind != camera.USBID && id.Kind != camera.LinkID && id.Kind != camera.PathID {
		return nil, fmt.Errorf("v4l2: %q is no V4L2 camera: %w", id, fs.ErrNotExist)
	}
	nodes, err := scan(s.root)
	if err != nil {
		return nil, err
	}
	candidates, err := match(s.root, nodes, id)
	if err != nil {
		return nil, err
	}
	var found []*device
	var errs []error
	var noFormats string
	for _, n := range candidates {
		h, err := s.open(s.real(n.path))
		if err != nil {
			if !skippable(err) {
				errs = append(errs, fmt.Errorf("v4l2: open %s: %w", n.path, err))
			}
			continue
		}
		info, ok := describe(h)
		if !ok {
			h.Close()
			noFormats = n.path
			continue
		}
		// The id the camera was asked for is the one it keeps, unless
		// that was a path, which is not stable.
		info.ID, info.Path = id.String(), n.path
		if id.Kind == camera.PathID {
			info.ID = n.id()
		}
		found = append(found, newDevice(h, info, s.real(n.path)))
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		var paths []string
		for _, d := range found {
			paths = append(paths, d.info.Path)
			d.Close()
		}
		return nil, fmt.Errorf("v4l2: camera %s is ambiguous: %s; use a /dev/v4l/by-path name", id, strings.Join(paths, ", "))
	case len(errs) > 0:
		return nil, errors.Join(errs...)
	}
	if noFormats != "" {
		// A path to a metadata node, or the like: there is no camera to
		// stream from there.
		return nil, fmt.Errorf("v4l2: camera %s: %s offers no capture formats: %w", id, noFormats, fs.ErrNotExist)
	}
	return nil, fmt.Errorf("v4l2: camera %s: %w", id, fs.ErrNotExist)
}
