package virtual_test

import (
	"fmt"
	"image"
	"testing"

	"github.com/yizhan-kiosk/yizhan/devices/printer/virtual"
)

// ink reports whether the dot at x, y is black.
func ink(img *image.Gray, x, y int) bool {
	return image.Pt(x, y).In(img.Rect) && img.GrayAt(x, y).Y < 128
}

// inkRows is the first and last row with ink in columns x0 to x1-1, or -1s.
func inkRows(img *image.Gray, x0, x1 int) (top, bottom int) {
	top, bottom = -1, -1
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := x0; x < x1; x++ {
			if ink(img, x, y) {
				if top < 0 {
					top = y
				}
				bottom = y
				break
			}
		}
	}
	return top, bottom
}

// runs counts the separate stretches of ink in row y between x0 and x1-1.
func runs(img *image.Gray, y, x0, x1 int) int {
	n, in := 0, false
	for x := x0; x < x1; x++ {
		if ink(img, x, y) && !in {
			n++
		}
		in = ink(img, x, y)
	}
	return n
}

// pieces counts the 8-connected pieces of ink in columns x0 to x1-1.
func pieces(img *image.Gray, x0, x1 int) int {
	seen := map[image.Point]bool{}
	n := 0
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := x0; x < x1; x++ {
			if !ink(img, x, y) || seen[image.Pt(x, y)] {
				continue
			}
			n++
			stack := []image.Point{{x, y}}
			seen[image.Pt(x, y)] = true
			for len(stack) > 0 {
				p := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						q := p.Add(image.Pt(dx, dy))
						if q.X >= x0 && q.X < x1 && ink(img, q.X, q.Y) && !seen[q] {
							seen[q] = true
							stack = append(stack, q)
						}
					}
				}
			}
		}
	}
	return n
}

func printLine(t *testing.T, data string) *image.Gray {
	t.Helper()
	got, err := virtual.Print([]byte("\x1b@"+data+"\n"), 576)
	if err != nil {
		t.Fatal(err)
	}
	return got.Image
}

// Descenders must be printed whole: in Noto Sans a descender reaches about
// 0.45 of the x-height below the baseline, so anything under 0.35 means the
// cell cut it off.
func TestDescendersPrintWhole(t *testing.T) {
	for _, mag := range []int{1, 2} {
		t.Run(fmt.Sprintf("magnified %d", mag), func(t *testing.T) {
			size := fmt.Sprintf("\x1d!%c", byte((mag-1)<<4|(mag-1)))
			img := printLine(t, size+"xgjpqy")
			if h := img.Rect.Dy(); h != 24*mag {
				t.Fatalf("line is %d dots high, want %d", h, 24*mag)
			}
			cw := 12 * mag
			xTop, xBottom := inkRows(img, 0, cw) // x sits on the baseline
			if xTop < 0 {
				t.Fatal("x printed no ink")
			}
			xHeight := xBottom - xTop + 1
			for i, r := range "gjpqy" {
				x0 := (i + 1) * cw
				_, bottom := inkRows(img, x0, x0+cw)
				depth := bottom - xBottom
				if depth*100 < 35*xHeight {
					t.Errorf("%q reaches %d dots below the baseline, x-height %d: the descender is cut", r, depth, xHeight)
				}
			}
		})
	}
}

// m is one glyph in one cell: three stems joined by its arches into one
// piece of ink. Squeezed wrongly into a half-width cell it loses its outer
// stems and reads as "rr", which is two pieces with a stem each.
func TestMIsWholeInItsCell(t *testing.T) {
	for _, bold := range []bool{false, true} {
		t.Run(fmt.Sprintf("bold %v", bold), func(t *testing.T) {
			emph := "\x1bE\x00"
			if bold {
				emph = "\x1bE\x01"
			}
			img := printLine(t, emph+"m rr")
			top, bottom := inkRows(img, 0, 12)
			if top < 0 {
				t.Fatal("m printed no ink")
			}
			mid := top + (bottom-top)*3/5 // below the arches, above the feet
			if n := runs(img, mid, 0, 12); n != 3 {
				t.Errorf("m shows %d stems in row %d, want 3", n, mid)
			}
			if n := pieces(img, 0, 12); n != 1 {
				t.Errorf("m is %d pieces of ink, want 1: stems not joined", n)
			}
			if n := runs(img, mid, 24, 48); n != 2 {
				t.Errorf("rr shows %d stems, want 2", n)
			}
			if n := pieces(img, 24, 48); n != 2 {
				t.Errorf("rr is %d pieces of ink, want 2", n)
			}
		})
	}
}

// Every character keeps a blank dot column on each side of its cell, as a
// printer's font does, so no glyph is cut at the cell's edge and neighbours
// never run together.
func TestGlyphsStayInsideTheirCells(t *testing.T) {
	var ascii []byte
	for c := byte(0x21); c < 0x7F; c++ {
		ascii = append(ascii, c)
	}
	chinese := "\x1c&\xb9\xfa\xf6\xce\xfd\x88\xc1\xf5\xa3\xa8\xa3\xa9\xa3\xac\xa1\xa3" // 国鑫龍刘（），。
	for _, tc := range []struct {
		name, data string
		cw, n      int
	}{
		{"ASCII", string(ascii), 12, len(ascii)},
		{"ASCII bold", "\x1bE\x01" + string(ascii), 12, len(ascii)},
		{"Chinese", chinese, 24, 8},
		{"Chinese bold", "\x1bE\x01" + chinese, 24, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := virtual.Print([]byte("\x1b@"+tc.data+"\n"), tc.cw*tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Lines) != 1 {
				t.Fatalf("printed %d lines, want 1: %q", len(got.Lines), got.Lines)
			}
			rs := []rune(got.Lines[0])
			for i, r := range rs {
				x0 := i * tc.cw
				if top, _ := inkRows(got.Image, x0, x0+tc.cw); top < 0 {
					t.Errorf("%q printed no ink", r)
				}
				for _, x := range []int{x0, x0 + tc.cw - 1} {
					if top, _ := inkRows(got.Image, x, x+1); top >= 0 {
						t.Errorf("%q has ink in column %d of its cell: cut at the edge", r, x-x0)
					}
				}
			}
		})
	}
}
