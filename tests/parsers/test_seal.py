"""The red-seal heuristic on page images the test draws (150 dpi A4, 1240 x 1754 px)."""

import pytest
from PIL import Image, ImageDraw

from parsers.seal import detect_seal, find_blobs
from tests.builders.pdfs import PAGE_PX, SEAL_RED, scanned_page, seal_image


def page_with(stamp: Image.Image | None = None, draw=None) -> Image.Image:
    page = Image.new("RGB", PAGE_PX, "white")
    if stamp is not None:
        page.paste(stamp, (600, 1100), stamp)
    if draw is not None:
        draw(ImageDraw.Draw(page))
    return page


@pytest.mark.parametrize("size", [90, 160, 240, 320, 500])  # 7 % to 40 % of the page width
def test_ring_seals_of_any_office_size_are_found(size):
    evidence = detect_seal(page_with(seal_image(size)), page=1)
    assert evidence.found and evidence.roundness > 0.9


@pytest.mark.parametrize("size", [160, 260])
def test_lightly_inked_seal_with_a_hairline_ring_is_found(size):
    assert detect_seal(page_with(seal_image(size, thin=True)), page=1).found


def test_rotated_seal_is_found():
    assert detect_seal(page_with(seal_image(260).rotate(17, expand=True)), page=1).found


@pytest.mark.parametrize("color", [(200, 50, 60), (210, 30, 90), (230, 70, 30), (235, 120, 120)],
                         ids=["dark", "magenta", "orange", "faded"])
def test_off_colour_seal_is_found(color):
    assert detect_seal(page_with(seal_image(260, color)), page=1).found


def test_too_pale_a_stamp_is_not_seen():
    # saturation (225-150)/225 = 33 % < MIN_SATURATION: a limit of the heuristic, on purpose,
    # so pink paper and skin-coloured photos stay out
    assert detect_seal(page_with(seal_image(260, (225, 150, 150))), page=1).red_share == 0


def test_solid_red_square_is_not_a_seal():
    evidence = detect_seal(page_with(draw=lambda d: d.rectangle((600, 600, 850, 850), fill=SEAL_RED)), page=1)
    assert not evidence.found and evidence.red_share > 0 and evidence.roundness < 0.85


def test_solid_red_disc_is_not_a_seal():
    assert not detect_seal(page_with(draw=lambda d: d.ellipse((600, 600, 850, 850), fill=SEAL_RED)), page=1).found


def test_red_text_line_is_not_a_seal():
    def line(d):
        for x in range(150, 1100, 40):
            d.rectangle((x, 400, x + 28, 430), fill=SEAL_RED)
    evidence = detect_seal(page_with(draw=line), page=1)
    assert not evidence.found and evidence.roundness < 0.1


def test_square_block_of_red_text_is_not_a_seal():
    def block(d):
        for y in range(600, 850, 40):
            for x in range(600, 850, 40):
                d.rectangle((x, y, x + 28, y + 28), fill=SEAL_RED)
    evidence = detect_seal(page_with(draw=block), page=1)
    assert not evidence.found and evidence.roundness < 0.85  # red in the corners: not round


@pytest.mark.parametrize("width", [2, 6])
def test_red_pen_circle_is_not_a_seal(width):
    circle = lambda d: d.ellipse((600, 600, 900, 900), outline=SEAL_RED, width=width)  # noqa: E731
    evidence = detect_seal(page_with(draw=circle), page=1)
    assert not evidence.found and evidence.roundness > 0.9  # round, but nothing in the middle


def test_tiny_red_mark_is_not_a_seal():
    assert not detect_seal(page_with(seal_image(50)), page=1).found  # 4 % of the page width


def test_black_circle_is_not_a_seal():
    circle = lambda d: d.ellipse((600, 600, 860, 860), outline=(20, 20, 20), width=10)  # noqa: E731
    evidence = detect_seal(page_with(draw=circle), page=1)
    assert not evidence.found and evidence.red_share == 0 and evidence.blob_box is None


def test_red_headed_page_is_not_a_seal_but_a_seal_under_it_is_found():
    assert not detect_seal(scanned_page(seal=False, red_title=True), page=1).found
    assert detect_seal(scanned_page(seal=True, red_title=True), page=1).found


def test_evidence_box_is_in_page_pixels():
    evidence = detect_seal(scanned_page(seal=True, seal_size=300), page=2)  # pasted at 770..1070, 1310..1610
    x0, y0, x1, y1 = evidence.blob_box
    assert evidence.page == 2 and abs(x0 - 770) < 12 and abs(y0 - 1310) < 12 and abs(x1 - x0 - 300) < 15


def test_small_and_odd_mode_images():
    small = page_with(seal_image(160)).resize((310, 438))  # smaller than the working size: not enlarged
    assert detect_seal(small, page=1).found
    assert detect_seal(page_with(seal_image(160)).convert("P"), page=1).found
    assert not detect_seal(Image.new("L", (300, 400), 255), page=1).found


def test_blobs_are_8_connected_and_largest_first():
    mask = Image.new("L", (20, 10), 0)
    d = ImageDraw.Draw(mask)
    d.rectangle((0, 0, 2, 2), fill=255)
    d.point((3, 3), fill=255)  # touches the square only diagonally
    d.rectangle((10, 0, 19, 9), fill=255)
    blobs = find_blobs(mask)
    assert [(b.box, b.pixels) for b in blobs] == [((10, 0, 19, 9), 100), ((0, 0, 3, 3), 10)]
