// Package docfont is the font of the district's PDF documents: the
// terminal's Chinese font (Noto Sans SC, cut down to GBK and CJK
// Extension A) with TrueType outlines, which PDF writers embed, made from
// it by assets/fonts/build-subset.sh. It is a package of its own so that
// only districtd carries it.
package docfont

import _ "embed"

// Regular is the font file (TrueType).
//
//go:embed NotoSansSC-Subset-Regular.ttf
var Regular []byte
