"""The two tables: NethVoice's ``nethcti3.cti_phonebook`` (ours, read-write) and ``phonebook.phonebook`` (read only).

Column names, types and lengths are NethVoice's, so an existing NethVoice database keeps its contacts and the
schemas validate against the same lengths. On SQLite, ``name`` and ``company`` compare case-insensitively
(``NOCASE``, as MariaDB's ``utf8mb4_general_ci``), so their indexes serve ``LIKE 'term%'``.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

# (column, VARCHAR length; None = TEXT) after id, owner_id and type, in NethVoice's order
FIELDS: tuple[tuple[str, int | None], ...] = (
    ("homeemail", 255),
    ("workemail", 255),
    ("homephone", 25),
    ("workphone", 25),
    ("cellphone", 25),
    ("fax", 25),
    ("title", 255),
    ("company", 255),
    ("notes", None),
    ("name", 255),
    ("homestreet", 255),
    ("homepob", 10),
    ("homecity", 255),
    ("homeprovince", 255),
    ("homepostalcode", 255),
    ("homecountry", 255),
    ("workstreet", 255),
    ("workpob", 10),
    ("workcity", 255),
    ("workprovince", 255),
    ("workpostalcode", 255),
    ("workcountry", 255),
    ("url", 255),
)
CTI_ONLY: tuple[tuple[str, int | None], ...] = (("extension", 255), ("speeddial_num", 255))
LENGTHS: dict[str, int | None] = dict(FIELDS + CTI_ONLY)
# the columns of a row as the original answers them, in its order ("source" is added)
CTI_COLUMNS = ("id", "owner_id", "type", *(name for name, _ in FIELDS), *(name for name, _ in CTI_ONLY))
CENTRAL_COLUMNS = ("id", "owner_id", "type", *(name for name, _ in FIELDS))
NOCASE = ("name", "company")
# NethVoice's indexes, by its names (what an existing table has)
NETHVOICE_INDEXES = {
    "owner_idx": "owner_id",
    "wemail_idx": "workemail",
    "hemail_idx": "homeemail",
    "name_idx": "name",
    "hphone_idx": "homephone",
    "wphone_idx": "workphone",
    "cphone_idx": "cellphone",
    "fax_idx": "fax",
}
CTI_INDEXES = {**NETHVOICE_INDEXES, "extension_idx": "extension", "company_idx": "company"}

metadata = MetaData()


def _column(name: str, length: int | None) -> Column:
    if length is None:
        return Column(name, Text)
    kind = String(length)
    if name in NOCASE:
        kind = kind.with_variant(String(length, collation="NOCASE"), "sqlite")
    return Column(name, kind)


def _table(name: str, meta: MetaData, fields, indexes: dict[str, str]) -> Table:
    table = Table(
        name,
        meta,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("owner_id", String(255), nullable=False, server_default=""),
        Column("type", String(255), nullable=False, server_default=""),
        *(_column(field, length) for field, length in fields),
        mysql_charset="utf8mb4",
    )
    for index, column in indexes.items():
        # SQLite's index names share one namespace per database: prefix them with the table's
        Index(index if meta is metadata else f"{name}_{index}", table.c[column])
    return table


cti_phonebook = _table("cti_phonebook", metadata, FIELDS + CTI_ONLY, CTI_INDEXES)
# ours, beyond NethVoice's: the default order (company, name) and a user's speed dials / private contacts
Index("company_name_idx", cti_phonebook.c.company, cti_phonebook.c.name)
Index("owner_type_idx", cti_phonebook.c.owner_id, cti_phonebook.c.type)


def centralized_table(name: str = "phonebook", meta: MetaData | None = None) -> Table:
    """NethVoice's centralized ``phonebook`` table (read only here; tests and the demo create it)."""
    return _table(name, meta if meta is not None else MetaData(), FIELDS, NETHVOICE_INDEXES)
