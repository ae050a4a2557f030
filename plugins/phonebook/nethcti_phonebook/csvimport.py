"""``import_csv_speeddial``: a base64 CSV (header row of column names) -> validated speed dials, or one error.

Every row is validated before anything is stored: the first bad one is reported by row (the header is row 1,
as a spreadsheet numbers them) and column.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io

from marshmallow import ValidationError

from nethcti_phonebook.errors import InvalidCsv
from nethcti_phonebook.schemas import Contact
from nethcti_phonebook.tables import LENGTHS


def decode(file64: str, max_bytes: int) -> str:
    """``data:text/csv;base64,<…>`` (or bare base64) -> text; UTF-8, with or without a BOM."""
    header, comma, payload = file64.partition(",")
    if not comma:
        header, payload = "", file64
    elif not header.startswith("data:") or not header.endswith(";base64"):
        raise InvalidCsv("file64: expected data:<type>;base64,<data>", {"file64": ["Not a base64 data URL"]})
    if len(payload) > (max_bytes + 2) // 3 * 4 + 4:
        raise InvalidCsv(f"file64: larger than {max_bytes} bytes", {"file64": [f"At most {max_bytes} bytes"]})
    try:
        raw = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCsv("file64: not valid base64", {"file64": ["Not valid base64"]}) from None
    if len(raw) > max_bytes:
        raise InvalidCsv(f"file64: larger than {max_bytes} bytes", {"file64": [f"At most {max_bytes} bytes"]})
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCsv(f"file64: not UTF-8 text (byte {exc.start})", {"file64": ["Not UTF-8 text"]}) from None


def speeddials(text: str, max_rows: int) -> list[dict]:
    """The rows of ``text`` as speed dials ready to store (``type`` set, no owner); InvalidCsv on the first error."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[dict] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        if "name" not in header:
            raise InvalidCsv('row 1: no "name" column', {"row": 1, "column": "name"})
        duplicates = sorted({name for name in header if name and header.count(name) > 1})
        if duplicates:
            raise InvalidCsv(f"row 1: column {duplicates[0]} appears twice", {"row": 1, "column": duplicates[0]})
        number = 1
        for record in reader:
            number += 1
            if not any(value.strip() for value in record):
                continue  # a blank line
            if len(record) > len(header):
                raise InvalidCsv(f"row {number}: {len(record)} fields, the header names {len(header)}", {"row": number})
            if len(rows) == max_rows:
                raise InvalidCsv(f"more than {max_rows} rows", {"row": number})
            rows.append(_speeddial(dict(zip(header, record, strict=False)), number))
    except csv.Error as exc:
        raise InvalidCsv(f"row {reader.line_num}: {exc}", {"row": reader.line_num}) from None
    return rows


def _speeddial(values: dict[str, str], number: int) -> dict:
    # other columns (id, owner_id, type, source of an export …) are ignored, as the original does
    contact = {column: value for column, value in values.items() if column in LENGTHS}
    contact.setdefault("name", "")
    try:
        return Contact().load({**contact, "type": "speeddial"})
    except ValidationError as exc:
        column, messages = next(iter(exc.normalized_messages().items()))
        raise InvalidCsv(
            f"row {number}, column {column}: {' '.join(map(str, messages))}",
            {"row": number, "column": column, "messages": messages},
        ) from None
