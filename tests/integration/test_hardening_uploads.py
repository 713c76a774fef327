"""Uploaded images keep their pixels and lose their metadata; too many pixels is a clear form error."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image

from app.core import uploads
from app.core.roles import Role


def _photo_with_gps(kind: str = "JPEG", size=(120, 80)) -> io.BytesIO:
    """A photo as a phone writes it: camera, owner and GPS position in EXIF, plus a comment."""
    image = Image.new("RGB", size, (30, 120, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Artist] = "Erika Mustermann"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 46.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (9.0, 10.0, 55.0)
    buffer = io.BytesIO()
    extra = {"comment": b"Zuhause, Lindenweg 5"} if kind == "JPEG" else {}
    image.save(buffer, format=kind, exif=exif, **extra)
    buffer.seek(0)
    source = Image.open(io.BytesIO(buffer.getvalue()))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo carries a position
    return buffer


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_stored_images_carry_no_exif_gps_or_comment(ctx, kind):
    key = uploads.store_image(_photo_with_gps(kind), "tests")
    stored_path = uploads.upload_root() / key
    raw = stored_path.read_bytes()
    with Image.open(stored_path) as stored:
        assert stored.format == kind
        assert stored.size == (120, 80)
        assert not stored.getexif()
        assert "exif" not in stored.info and "comment" not in stored.info
    for secret in (b"PhoneCo", b"Erika", b"Lindenweg", b"Exif\x00\x00"):
        assert secret not in raw


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(ctx):
    bomb = io.BytesIO()
    Image.new("1", (8000, 7000)).save(bomb, format="PNG")  # 56 megapixels, a few kB
    bomb.seek(0)
    with pytest.raises(uploads.ImageTooLarge):
        uploads.store_image(bomb, "tests")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_too_many_pixels_is_a_clear_form_error(client, login, make_municipality, make_member):
    town = make_municipality(xss=False)
    login(client, make_member(town, Role.STAFF))
    bomb = io.BytesIO()
    Image.new("1", (8000, 7000)).save(bomb, format="PNG")
    bomb.seek(0)
    response = client.post(
        f"/{town.slug}/admin/processes/new",
        data={
            "title": "Marktplatz",
            "summary": "Ideen",
            "visibility": "public",
            "image": (bomb, "gross.png"),
            "image_alt": "Ein großes Bild",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "zu viele Bildpunkte (höchstens 50 Megapixel)" in response.get_data(as_text=True)
