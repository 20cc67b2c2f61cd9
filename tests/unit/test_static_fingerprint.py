"""The `?v=` on the stylesheet and script changes whenever a static file does, so browsers never keep a stale copy."""

from app.web.templating import STATIC_DIR, environment, static_fingerprint


def test_the_fingerprint_changes_when_a_file_changes_and_only_then(tmp_path):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "app.css"
    sheet.write_text("body { color: black }")
    first = static_fingerprint(tmp_path)
    assert static_fingerprint(tmp_path) == first
    sheet.write_text("body { color: navy }")
    assert static_fingerprint(tmp_path) != first


def test_the_fingerprint_changes_when_a_file_is_added(tmp_path):
    (tmp_path / "app.js").write_text("")
    first = static_fingerprint(tmp_path)
    (tmp_path / "extra.js").write_text("")
    assert static_fingerprint(tmp_path) != first


def test_pages_get_the_fingerprint_of_the_static_files_as_they_are():
    assert environment().globals["static_version"] == static_fingerprint(STATIC_DIR)
