package discover

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/yizhan-kiosk/yizhan/devices/camera/v4l2"
)

// cameras lists the video nodes through the V4L2 driver's own scan, so a
// camera gets the same stable id here as in "kioskctl camera list" and
// in the kiosk. Beside the cameras it returns, for each, the sysfs name of
// its USB device ("" when not on USB).
func (s *scanner) cameras() ([]Camera, []string) {
	nodes, err := v4l2.ScanNodes(s.sys, s.dev)
	if err != nil {
		s.noteErr(fmt.Errorf("discover: cameras: %w", err))
		return []Camera{}, nil
	}
	cams := []Camera{}
	var usbOf []string
	for _, n := range nodes {
		name := strings.TrimPrefix(n.Path, "/dev/")
		c := Camera{Device: n.Path, ID: configID(n), USB: n.USB, ByID: n.ByID, ByPath: n.ByPath}
		class := filepath.Join(s.sys, "class", "video4linux", name)
		c.Name = s.attr(class, "name")
		if idx, err := strconv.Atoi(s.attr(class, "index")); err == nil {
			c.Index = idx
		}
		usbDir := ""
		if dev, err := filepath.EvalSymlinks(filepath.Join(class, "device")); err == nil {
			usbDir = s.usbDeviceAbove(dev)
		}
		if usbDir != "" {
			c.USBName = strings.TrimSpace(s.attr(usbDir, "manufacturer") + " " + s.attr(usbDir, "product"))
			c.Largest = s.largest(usbDir)
			usbOf = append(usbOf, filepath.Base(usbDir))
		} else {
			usbOf = append(usbOf, "")
		}
		cams = append(cams, c)
	}
	byPathForTwins(cams, nodes)
	return cams, usbOf
}

// configID writes a node's stable id as the configuration takes it: a
// by-id name as its /dev/v4l/by-id/ path.
func configID(n v4l2.Node) string {
	switch {
	case len(n.ByID) > 0:
		return "/dev/v4l/by-id/" + n.ByID[0]
	case n.USB != "":
		return n.USB
	}
	return n.Path
}

// byPathForTwins gives two picture nodes that share an id (two cameras of
// one model without serial numbers) their by-path names instead, the USB
// socket each is plugged into, as the V4L2 driver's list does.
func byPathForTwins(cams []Camera, nodes []v4l2.Node) {
	seen := map[string]int{}
	for _, c := range cams {
		if c.Index == 0 {
			seen[strings.ToLower(c.ID)]++
		}
	}
	for i, c := range cams {
		if c.Index == 0 && seen[strings.ToLower(c.ID)] > 1 && len(nodes[i].ByPath) > 0 {
			cams[i].ID = "/dev/v4l/by-path/" + nodes[i].ByPath[0]
		}
	}
}

// largest reads the largest picture from the camera's USB descriptors,
// "" when it cannot be known without opening the camera.
func (s *scanner) largest(usbDir string) string {
	path := filepath.Join(usbDir, "descriptors")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		s.noteErr(fmt.Errorf("discover: read %s: %w", s.sysPath(path), pathErr(err)))
		return ""
	}
	size, ok := LargestPicture(data)
	if !ok {
		return ""
	}
	return size.String()
}
