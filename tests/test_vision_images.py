"""Image loading, crops, embeddings, previews and photo-to-product rules; no server, no detector.

Every bad-input case is a real file written by the test: corrupt bytes, text named .jpg, a
truncated JPEG, a header that claims 10¹⁰ pixels, CMYK, 16-bit, palette and RGBA PNGs, an
EXIF-rotated JPEG.
"""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from shopgraph.graphstore.core.errors import InputError
from shopgraph.vision.detector import Detection
from shopgraph.vision.embed import EMBEDDING_DIM, Embedder, masked_crop, model_input
from shopgraph.vision.images import load_image
from shopgraph.vision.ingest import expand_paths, load_product_map, product_for_path
from shopgraph.vision.photo_paths import folders_of
from shopgraph.vision.preview import ALPHA, class_colour, draw_preview, save_preview

from .conftest import DATA

PHOTOS = DATA / "images"
TSHIRT = PHOTOS / "10008.jpg"


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width × height`` 8-bit grey pixels, with no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b""))
    return path


def test_a_real_photo_loads_as_rgb_with_the_hash_of_its_bytes() -> None:
    image = load_image(TSHIRT)
    assert image.ok and image.reason is None and image.notes == ()
    assert image.sha256 == hashlib.sha256(TSHIRT.read_bytes()).hexdigest()
    assert image.pixels is not None
    assert (image.pixels.shape, image.pixels.dtype) == ((224, 224, 3), np.uint8)
    assert (image.width, image.height, image.original_size) == (224, 224, (224, 224))


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("noise.jpg", bytes(range(256)) * 8, "not an image"),
        ("notes.jpg", b"this is a text file, not a photo\n", "not an image"),
        ("empty.png", b"", "empty file"),
    ],
)
def test_files_that_are_not_images_get_an_error_status(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    image = load_image(path)
    assert (image.status, image.pixels, image.width) == ("error", None, 0)
    assert image.reason is not None and reason in image.reason
    assert image.sha256 == hashlib.sha256(content).hexdigest()


def test_a_missing_file_gets_an_error_status(tmp_path: Path) -> None:
    image = load_image(tmp_path / "gone.jpg")
    assert image.status == "error" and image.sha256 is None
    assert image.reason is not None and "cannot read file" in image.reason


def test_a_truncated_jpeg_is_an_error_not_a_half_grey_photo(tmp_path: Path) -> None:
    data = TSHIRT.read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    image = load_image(path)
    assert image.status == "error"
    assert image.reason is not None and "truncated" in image.reason


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    image = load_image(png_header_only(tmp_path / "bomb.png", 100_000, 100_000))
    assert image.status == "error"
    assert image.reason is not None and "too many pixels" in image.reason


def test_the_pixel_limit_is_checked_on_the_header(tmp_path: Path) -> None:
    path = png_header_only(tmp_path / "big.png", 3000, 2000)
    image = load_image(path, max_pixels=5_000_000)
    assert image.reason == "too many pixels: 3000x2000 = 6,000,000 > limit 5,000,000"


def test_a_large_jpeg_is_downscaled_to_the_longest_side(tmp_path: Path) -> None:
    path = tmp_path / "camera.jpg"
    Image.new("RGB", (3000, 2000), (200, 30, 40)).save(path, quality=80)
    image = load_image(path, max_side=1000)
    assert image.ok and (image.width, image.height) == (1000, 667)
    assert image.original_size == (3000, 2000)
    assert image.notes == ("downscaled from 3000x2000",)
    assert image.pixels is not None and np.abs(image.pixels[300, 500].astype(int) - (200, 30, 40)).max() <= 3


def test_a_large_png_is_downscaled_too(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    Image.new("RGB", (1200, 800), (0, 128, 255)).save(path)
    image = load_image(path, max_side=600)
    assert (image.width, image.height, image.notes) == (600, 400, ("downscaled from 1200x800",))


def test_cmyk_jpeg_becomes_rgb(tmp_path: Path) -> None:
    path = tmp_path / "print.jpg"
    Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save(path, quality=95)  # full magenta + yellow: red
    image = load_image(path)
    assert image.ok and image.notes == ("cmyk",)
    assert image.pixels is not None
    red, green, blue = (int(v) for v in image.pixels[8, 8])
    assert red > 230 and green < 30 and blue < 30


def test_16_bit_png_is_scaled_to_8_bits(tmp_path: Path) -> None:
    path = tmp_path / "scan16.png"
    Image.fromarray(np.array([[0, 32896, 65535]], dtype=np.uint16)).save(path)
    image = load_image(path)
    assert image.ok and image.notes == ("16-bit",)
    assert image.pixels is not None
    assert image.pixels[0].tolist() == [[0, 0, 0], [128, 128, 128], [255, 255, 255]]


def test_palette_png_keeps_its_colours_and_its_transparent_index_turns_white(tmp_path: Path) -> None:
    palette = Image.new("P", (2, 1))
    palette.putpalette([10, 20, 30, 200, 100, 50] + [0, 0, 0] * 254)
    palette.putpixel((0, 0), 0)
    palette.putpixel((1, 0), 1)
    opaque, transparent = tmp_path / "palette.png", tmp_path / "palette-t.png"
    palette.save(opaque)
    palette.save(transparent, transparency=1)
    loaded = load_image(opaque)
    assert loaded.pixels is not None and loaded.pixels[0].tolist() == [[10, 20, 30], [200, 100, 50]]
    see_through = load_image(transparent)
    assert see_through.notes == ("alpha-on-white",)
    assert see_through.pixels is not None and see_through.pixels[0].tolist() == [[10, 20, 30], [255, 255, 255]]


def test_rgba_png_is_composited_on_white(tmp_path: Path) -> None:
    path = tmp_path / "cutout.png"
    Image.new("RGBA", (4, 4), (255, 0, 0, 128)).save(path)
    image = load_image(path)
    assert image.ok and image.notes == ("alpha-on-white",)
    assert image.pixels is not None
    # α = 128/255: 255·α + 255·(1 − α) = 255; 0·α + 255·(1 − α) = 127.
    assert np.abs(image.pixels[0, 0].astype(int) - (255, 127, 127)).max() <= 1


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    photo = Image.new("RGB", (40, 20), (0, 0, 255))
    photo.paste((255, 0, 0), (0, 0, 20, 20))  # left half red
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    photo.save(path, exif=exif.tobytes(), quality=95)
    image = load_image(path)
    assert image.ok and image.notes == ("exif-rotated",)
    assert (image.width, image.height, image.original_size) == (20, 40, (40, 20))
    assert image.pixels is not None
    assert image.pixels[5, 10, 0] > 200 and image.pixels[5, 10, 2] < 50  # the left edge is now the top
    assert image.pixels[35, 10, 2] > 200 and image.pixels[35, 10, 0] < 50


def test_grayscale_becomes_three_equal_channels(tmp_path: Path) -> None:
    path = tmp_path / "grey.png"
    Image.new("L", (3, 3), 77).save(path)
    image = load_image(path)
    assert image.pixels is not None and image.pixels[1, 1].tolist() == [77, 77, 77]


def test_catalog_photo_layouts_name_their_products() -> None:
    assert product_for_path(PHOTOS / "10008.jpg") == "myntra:10008"
    assert product_for_path(PHOTOS / "073" / "0734435004.jpg") == "hm:0734435004"
    assert product_for_path(Path("shop/images/999/0734435004.jpg")) is None  # folder is not the id's prefix
    assert product_for_path(Path("holiday/10008.jpg")) is None  # not in an images/ folder
    assert product_for_path(Path("images/shirt.jpg")) is None


def test_expand_paths_searches_folders_expands_globs_and_reports_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for name in ("a/1.JPG", "a/2.png", "a/styles.csv", "b.jpg", "c.txt"):
        (tmp_path / name).write_bytes(b"x")
    named: list[str | Path] = [tmp_path / "a", str(tmp_path / "*.jpg"), tmp_path / "c.txt", tmp_path / "a" / "1.JPG"]
    files, problems = expand_paths([*named, tmp_path / "nope.jpg", str(tmp_path / "*.gif")])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a/1.JPG", "a/2.png", "b.jpg", "c.txt"]
    assert [(p.path, p.status, p.reason) for p in problems] == [
        (str(tmp_path / "nope.jpg"), "failed", "no such file or directory"),
        (str(tmp_path / "*.gif"), "failed", "no file matches this pattern"),
    ]


def test_every_path_that_cannot_be_read_is_a_failure_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    (folder / "x.jpg").mkdir(parents=True)
    (folder / "x.jpg" / "inside.png").write_bytes(b"x")
    (folder / "good.jpg").write_bytes(b"x")
    (folder / "dangling.jpg").symlink_to("gone.jpg")
    (folder / "loop-a.jpg").symlink_to("loop-b.jpg")
    (folder / "loop-b.jpg").symlink_to("loop-a.jpg")
    (folder / "notes.txt").symlink_to("gone.txt")  # not named like a photo: not looked at
    os.mkfifo(folder / "pipe.jpg")
    files, problems = expand_paths([folder, folder / "pipe.jpg", str(folder / "dangling.*")])
    assert [f.relative_to(folder).as_posix() for f in files] == ["good.jpg", "x.jpg/inside.png"]
    assert [(Path(p.path).relative_to(folder).as_posix(), p.status, p.reason) for p in problems] == [
        ("dangling.jpg", "failed", "dangling symbolic link to gone.jpg"),
        ("loop-a.jpg", "failed", "symbolic link loop"),
        ("loop-b.jpg", "failed", "symbolic link loop"),
        ("pipe.jpg", "failed", "a named pipe (FIFO), not a file"),
        ("x.jpg", "failed", "a folder, not a file"),
    ]


def test_a_run_locks_each_folder_once_however_many_of_its_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "a" / "sub").mkdir(parents=True)
    files = [tmp_path / "a" / f"{i}.jpg" for i in range(3)]
    for f in files:
        f.write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    named = [*files, tmp_path / "link", str(tmp_path / "a" / "sub" / "*.jpg"), tmp_path / "gone" / "x.jpg"]
    assert folders_of(named) == sorted([str(tmp_path / "a"), str(tmp_path / "a" / "sub"), str(tmp_path / "gone")])


def test_a_mapping_csv_names_products_by_resolved_path(tmp_path: Path) -> None:
    mapping = tmp_path / "map.csv"
    mapping.write_text("path,product_id\nphotos/x.jpg,myntra:10008\n/abs/y.jpg,hm:0734435004\n")
    assert load_product_map(mapping) == {
        (tmp_path / "photos" / "x.jpg").resolve(): "myntra:10008",
        Path("/abs/y.jpg"): "hm:0734435004",
    }
    mapping.write_text("file,product\nx.jpg,myntra:1\n")
    with pytest.raises(InputError, match="lacks columns"):
        load_product_map(mapping)
    mapping.write_text("path,product_id\nx.jpg,\n")
    with pytest.raises(InputError, match="line 2: empty"):
        load_product_map(mapping)


def square_detection(shape: tuple[int, int], box: tuple[int, int, int, int], class_name: str = "top") -> Detection:
    mask = np.zeros(shape, dtype=bool)
    x1, y1, x2, y2 = box
    mask[y1:y2, x1:x2] = True
    polygon = ((x1, y1), (x2 - 1, y1), (x2 - 1, y2 - 1), (x1, y2 - 1))
    return Detection(0, class_name, "tops", 0.9, (x1, y1, x2, y2), polygon, int(mask.sum()), mask)


def test_masked_crop_whitens_the_background_and_keeps_a_margin() -> None:
    rgb = np.zeros((100, 200, 3), dtype=np.uint8)
    detection = square_detection((100, 200), (50, 20, 150, 60))
    crop = masked_crop(rgb, detection.mask, detection.box, margin=0.1)
    # Box 100×40 grown by 10 px left/right and 4 px above/below.
    assert crop.shape == (48, 120, 3)
    assert (crop[4:44, 10:110] == 0).all()
    assert (crop[:4] == 255).all() and (crop[:, :10] == 255).all()


def test_model_input_pads_to_a_white_square_before_resizing() -> None:
    tall = np.zeros((200, 100, 3), dtype=np.uint8)
    square = model_input(tall)
    assert square.shape == (224, 224, 3)
    assert (square[:, :50] == 255).all() and (square[:, 60:160] == 0).all()


def test_embeddings_are_unit_length_and_independent_of_the_batch() -> None:
    embedder = Embedder.load(batch_size=2)
    assert repr(embedder) == "Embedder(name='efficientnet-lite0-57934424', dim=1280, input=224, batch_size=2)"
    photos = [load_image(p).pixels for p in (TSHIRT, PHOTOS / "10016.jpg", PHOTOS / "10295.jpg")]
    assert all(p is not None for p in photos)
    vectors = embedder.embed([p for p in photos if p is not None])
    assert vectors.shape == (3, EMBEDDING_DIM) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    alone = embedder.embed([photos[2]])  # type: ignore[list-item]
    assert float(alone[0] @ vectors[2]) > 0.9999
    # A T-shirt is closer to a dress than to a shoe.
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2])


def test_preview_fills_masks_with_the_class_colour(tmp_path: Path) -> None:
    rgb = np.full((60, 80, 3), 255, dtype=np.uint8)
    detection = square_detection((60, 80), (20, 30, 60, 55), "bag")
    drawn = draw_preview(rgb, [detection], ["navy-blue"])
    expected = np.round((1 - ALPHA) * 255 + ALPHA * np.array(class_colour("bag")))
    assert np.abs(drawn[45, 40].astype(int) - expected).max() <= 1
    assert (drawn[2, 2] == 255).all() and (rgb == 255).all()
    saved = save_preview(tmp_path / "p" / "bag.jpg", rgb, [detection])
    with Image.open(saved) as image:
        assert (image.format, image.size) == ("JPEG", (80, 60))
    with pytest.raises(ValueError, match="2 colours for 1 detections"):
        draw_preview(rgb, [detection], ["red", "blue"])
