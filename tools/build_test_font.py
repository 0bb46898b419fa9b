"""Make tests/builders/fonts/cjk-subset.ttf: the Chinese glyphs the test builders draw on "scanned" pages.

Run once (needs fontTools and Debian's fonts-droid-fallback, neither a mailbot dependency):
    apt-get install fonts-droid-fallback && pip install fonttools
    .venv/bin/python -m tools.build_test_font   (or any Python with fontTools)

The subset keeps GB2312's 3,755 level-1 characters, ASCII, Chinese punctuation and every
character of rules/ (unit names, the notice, the template), so a test can write any common
official text; a character outside it is refused by the builder rather than drawn as a box.
Droid Sans Fallback is Apache-2.0 licensed (tests/builders/fonts/LICENSE).
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
TARGET = ROOT / "tests" / "builders" / "fonts" / "cjk-subset.ttf"


def characters() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars |= set("，。、；：？！“”‘’（）《》〔〕【】—…·～％＋－＝　〇○×√①②③④⑤")
    for high in range(0xB0, 0xD8):  # GB2312 level 1
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    for path in (ROOT / "rules").rglob("*"):
        if path.suffix in (".toml", ".txt"):
            chars |= set(path.read_text(encoding="utf-8"))
    chars |= set((ROOT / "tests" / "builders" / "scans.py").read_text(encoding="utf-8"))
    return {c for c in chars if c.isprintable() or c == "\u3000"}


def main() -> None:
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    font = subset.load_font(str(SOURCE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters())))
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(TARGET), options)
    print(f"{TARGET}: {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main()
