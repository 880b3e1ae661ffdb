#!/usr/bin/env bash
# Rebuilds the embedded Chinese font: the Simplified Chinese face of Debian's
# Noto Sans CJK (face 2 of the TTC) cut down to what a government terminal in
# mainland China shows — every GBK character, CJK Extension A for rare name
# characters, Latin, digits and CJK/full-width punctuation — in regular and bold.
#
# Needs Debian's fonts-noto-cjk and python3-fonttools:
#   apt-get install -y --no-install-recommends fonts-noto-cjk python3-fonttools
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
src=/usr/share/fonts/opentype/noto
py=/usr/bin/python3 # Debian's python, which python3-fonttools installs into

for f in "$src/NotoSansCJK-Regular.ttc" "$src/NotoSansCJK-Bold.ttc"; do
	[ -r "$f" ] || { echo "missing $f: apt-get install fonts-noto-cjk" >&2; exit 1; }
done
"$py" -c 'import fontTools' 2>/dev/null || { echo "missing fontTools: apt-get install python3-fonttools" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The code points: every character GBK encodes (decoded pair by pair, so the
# list is exactly GBK's, not a guess at its ranges), plus the ranges below.
"$py" - "$work/unicodes.txt" <<'PY'
import sys
cps = set()
for lead in range(0x81, 0xFF):
    for trail in list(range(0x40, 0x7F)) + list(range(0x80, 0xFF)):
        try:
            s = bytes([lead, trail]).decode("gbk")
        except UnicodeDecodeError:
            continue
        cp = ord(s)
        if not (0xE000 <= cp <= 0xF8FF):  # GBK's user-defined areas map to private use
            cps.add(cp)
extra = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B (pinyin with tones)
    (0x2000, 0x206F),  # general punctuation
    (0x20A0, 0x20CF),  # currency signs
    (0x2100, 0x21FF),  # letterlike symbols, number forms, arrows
    (0x2200, 0x22FF),  # mathematical operators
    (0x2460, 0x24FF),  # circled numbers
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2E80, 0x2FFF),  # CJK radicals and ideographic description characters
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3400, 0x4DBF),  # CJK Extension A: rare characters in names
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs, the whole block
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms
]
for lo, hi in extra:
    cps.update(range(lo, hi + 1))
with open(sys.argv[1], "w") as out:
    for cp in sorted(cps):
        out.write("U+%04X\n" % cp)
print("code points requested:", len(cps), file=sys.stderr)
PY

for weight in Regular Bold; do
	"$py" -m fontTools.subset "$src/NotoSansCJK-$weight.ttc" \
		--font-number=2 \
		--unicodes-file="$work/unicodes.txt" \
		--layout-features='kern' --no-layout-closure \
		--drop-tables+=VORG,vhea,vmtx \
		--name-IDs='*' --name-languages='*' \
		--output-file="$here/NotoSansSC-Subset-$weight.otf"
	echo "NotoSansSC-Subset-$weight.otf: $(stat -c %s "$here/NotoSansSC-Subset-$weight.otf") bytes" >&2
done

# The licence travels with the font: the font's own copyright line, then the OFL
# text as Debian ships it.
{
	"$py" - "$src/NotoSansCJK-Regular.ttc" <<'PY'
import sys
from fontTools.ttLib import TTFont
f = TTFont(sys.argv[1], fontNumber=2, lazy=True)
print(f["name"].getDebugName(0))
print()
print("Subset made by build-subset.sh in this folder from Debian's fonts-noto-cjk.")
print()
PY
	awk '/^License: SIL-1.1$/ && seen++ {on=1; next} on && /^License:/ {exit} on' \
		/usr/share/doc/fonts-noto-cjk/copyright | sed -e 's/^ //' -e 's/^\.$//'
} > "$here/OFL.txt"

# districtd's PDF documents need TrueType outlines (the Go PDF writers embed
# no CFF): the regular subset again, its cubic curves turned quadratic
# (fontTools' cu2qu, within one font unit), into assets/docfont.
"$py" - "$here/NotoSansSC-Subset-Regular.otf" "$here/../docfont/NotoSansSC-Subset-Regular.ttf" <<'PY'
import sys
from fontTools.ttLib import TTFont, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

font = TTFont(sys.argv[1])
order = font.getGlyphOrder()
glyphs = font.getGlyphSet()
glyf = newTable("glyf")
glyf.glyphOrder = order
glyf.glyphs = {}
for name in order:
    pen = TTGlyphPen(None)
    glyphs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    glyf.glyphs[name] = pen.glyph()
font["glyf"] = glyf
font["loca"] = newTable("loca")
maxp = newTable("maxp")
maxp.tableVersion = 0x00010000
for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
              "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
    setattr(maxp, field, 0)
maxp.maxZones = 1
font["maxp"] = maxp  # the other counts are computed when the font is written
font["head"].glyphDataFormat = 0
post = font["post"]
post.formatType = 2.0
post.extraNames = []
post.mapping = {}
post.glyphOrder = order
del font["CFF "]
font.sfntVersion = "\x00\x01\x00\x00"
font.save(sys.argv[2])
PY
echo "docfont/NotoSansSC-Subset-Regular.ttf: $(stat -c %s "$here/../docfont/NotoSansSC-Subset-Regular.ttf") bytes" >&2
cp "$here/OFL.txt" "$here/../docfont/OFL.txt"
