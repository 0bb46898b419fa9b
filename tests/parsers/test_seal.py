"""The red-seal heuristic on images the test draws."""

import pytest
from PIL import Image, ImageDraw

from parsers.seal import detect_seal
from tests.builders.reports import SEAL_RED, scanned_page, seal_image


def page_with(stamp: Image.Image | None = None, draw=None) -> Image.Image:
    page = Image.new("RGB", (1240, 1754), "white")
    if stamp is not None:
        page.paste(stamp, (700, 1200), stamp)
    if draw is not None:
        draw(ImageDraw.Draw(page))
    return page


@pytest.mark.parametrize("size", [160, 240, 320])
def test_ring_seals_of_office_sizes_are_found(size):
    evidence = detect_seal(page_with(seal_image(size)), page=1)
    assert evidence.found and evidence.roundness > 0.9


def test_rotated_and_off_colour_seal_is_found():
    stamp = seal_image(260, color=(200, 50, 60)).rotate(17, expand=True)
    assert detect_seal(page_with(stamp), page=1).found


def test_solid_red_square_is_not_a_seal():
    evidence = detect_seal(page_with(draw=lambda d: d.rectangle((600, 600, 850, 850), fill=SEAL_RED)), page=1)
    assert not evidence.found and evidence.red_share > 0


def test_red_text_line_is_not_a_seal():
    def line(d):
        for x in range(150, 1100, 40):
            d.rectangle((x, 400, x + 28, 430), fill=SEAL_RED)
    assert not detect_seal(page_with(draw=line), page=1).found


def test_black_circle_is_not_a_seal():
    circle = lambda d: d.ellipse((600, 600, 860, 860), outline=(20, 20, 20), width=10)  # noqa: E731
    evidence = detect_seal(page_with(draw=circle), page=1)
    assert not evidence.found and evidence.red_share == 0


def test_evidence_box_is_in_page_pixels():
    evidence = detect_seal(scanned_page(seal=True), page=2)
    x0, y0, x1, y1 = evidence.blob_box
    assert evidence.page == 2 and 700 < x0 < 800 and 1300 < y0 < 1400 and x1 - x0 > 200
