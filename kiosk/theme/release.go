package theme

import (
	"os"
	"syscall"
	"unsafe"

	"github.com/yizhan-kiosk/yizhan/assets"
)

// ReleaseFontPages tells the kernel the embedded fonts' bytes are not
// needed now. Fyne parses a font into tables of its own when it first
// draws text in a theme scope, and does not read the bytes again; yet the
// pages read once stay in the terminal's memory (16 MiB for the two
// faces). Released (madvise MADV_DONTNEED on the binary's own pages, which
// nothing writes), they leave it, and come back from the binary on disk
// should a new scope parse the fonts again.
func ReleaseFontPages() error {
	for _, b := range [][]byte{assets.FontRegular, assets.FontBold} {
		if inner := pageAligned(b); len(inner) > 0 {
			if err := syscall.Madvise(inner, syscall.MADV_DONTNEED); err != nil {
				return err
			}
		}
	}
	return nil
}

// pageAligned is the part of b made of whole pages.
func pageAligned(b []byte) []byte {
	page := uintptr(os.Getpagesize())
	if len(b) == 0 {
		return nil
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	skip := (page - start%page) % page
	if uintptr(len(b)) < skip+page {
		return nil
	}
	n := (uintptr(len(b)) - skip) / page * page
	return b[skip : skip+n]
}
