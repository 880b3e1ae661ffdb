package printer

import "fmt"

// Profile describes a printer model: what the renderer may send it.
type Profile struct {
	Name string `json:"name"`
	// Dots is the printable width: 384 on 58 mm paper, 576 on 80 mm.
	Dots int `json:"dots"`
	// Columns is how many characters of font A (12×24 dots) fit a line;
	// a Chinese character takes two.
	Columns int `json:"columns"`
	// NativeQR: the printer draws QR codes itself (GS ( k). Many cheap
	// clones claim to and fail, so raster QR is the default.
	NativeQR bool `json:"native_qr"`
	// Cut: the printer has an auto-cutter.
	Cut bool `json:"cut"`
}

// The common profiles.
var (
	Profile58 = Profile{Name: "58mm", Dots: 384, Columns: 32, Cut: false}
	Profile80 = Profile{Name: "80mm", Dots: 576, Columns: 48, Cut: true}
)

// ProfileByName returns a built-in profile.
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "58mm", "58":
		return Profile58, nil
	case "80mm", "80":
		return Profile80, nil
	}
	return Profile{}, fmt.Errorf("printer: unknown profile %q: want 58mm or 80mm", name)
}

func (p Profile) check() error {
	if p.Dots < 128 || p.Dots > 832 || p.Dots%8 != 0 {
		return fmt.Errorf("printer: profile %q: %d dots is not a receipt printer's width", p.Name, p.Dots)
	}
	if p.Columns < 16 || p.Columns*12 > p.Dots {
		return fmt.Errorf("printer: profile %q: %d columns do not fit %d dots", p.Name, p.Columns, p.Dots)
	}
	return nil
}
