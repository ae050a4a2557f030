"""The shared database: default SQLite in the state dir, tables declared by plugins, data across restarts."""

import pytest
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from nethcti import hookimpl
from nethcti.server import bootstrap
from nethcti.testing import base_conf, running_app

DATABASE = "[database]\nenabled = true\n"


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "probe_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(100))


class Probe:
    """A throwaway plugin that declares a table and uses it at start-up."""

    requires = ("database",)

    def __init__(self, note: str | None = None):
        self.note, self.seen = note, []

    @hookimpl
    def register_database_tables(self):
        return Base.metadata

    @hookimpl
    async def startup(self, app):
        db = app.extensions["database"]
        if self.note:
            async with db.begin() as session:
                session.add(Note(text=self.note))
        async with db.session() as session:
            self.seen = list((await session.execute(select(Note.text).order_by(Note.id))).scalars())


async def test_default_sqlite_in_state_dir_and_data_survives_restart(tmp_path):
    conf_dir = base_conf(tmp_path, DATABASE)
    async with running_app(conf_dir, extra_plugins=[("probe", Probe("first"))]) as app:
        assert str(app.extensions["database"].url) == f"sqlite+aiosqlite:///{tmp_path}/state/nethcti.db"
        status = await (await app.test_client().get("/status")).get_json()
        assert status["plugins"]["database"]["tables"] == ["probe_notes"]
    assert (tmp_path / "state" / "nethcti.db").is_file()

    probe = Probe("second")
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]):
        assert probe.seen == ["first", "second"]


async def test_url_from_conf_d(tmp_path):
    conf_dir = base_conf(tmp_path, DATABASE + f'url = "sqlite+aiosqlite:///{tmp_path}/other.db"\n')
    async with running_app(conf_dir, extra_plugins=[("probe", Probe("x"))]) as app:
        await app.extensions["database"].ping()
    assert (tmp_path / "other.db").is_file()


async def test_in_memory_database_is_shared_by_sessions(tmp_path):
    probe = Probe("kept")
    async with running_app(base_conf(tmp_path, DATABASE + 'url = "sqlite+aiosqlite://"\n'),
                           extra_plugins=[("probe", probe)]):
        assert probe.seen == ["kept"]


async def test_the_url_is_a_secret(tmp_path):
    (tmp_path / "db-url").write_text("mysql+asyncmy://cti:hunter2@db/nethcti3\n")
    settings, _ = bootstrap(base_conf(tmp_path, DATABASE + f'url_file = "{tmp_path}/db-url"\n'))
    assert settings.plugin("database")["url"] == "mysql+asyncmy://cti:hunter2@db/nethcti3"
    assert "hunter2" not in str(settings.redacted())


async def test_mariadb_by_url_keeps_data_across_restarts(tmp_path, mariadb):
    url = mariadb.create_database("nethcti3")
    conf_dir = base_conf(tmp_path, DATABASE + f'url = "{url}"\n')
    async with running_app(conf_dir, extra_plugins=[("probe", Probe("first"))]) as app:
        assert app.extensions["database"].url.get_backend_name() == "mysql"
        status = await (await app.test_client().get("/status")).get_json()
        report = status["plugins"]["database"]
        assert report["ok"] and report["tables"] == ["probe_notes"]
        assert "***@127.0.0.1" in report["url"] and "nethcti-test" not in str(status)  # the password is hidden
    probe = Probe("second")
    async with running_app(conf_dir, extra_plugins=[("probe", probe)]):
        assert probe.seen == ["first", "second"]


@pytest.mark.parametrize("url, message", [
    ("mysql+nosuchdriver://cti:pw@localhost/nethcti3", "nethcti-database[mysql]"),
    ("nosuchdialect://x", "[database] url"),
])
async def test_an_unusable_url_stops_start_up(tmp_path, url, message):
    with pytest.raises(Exception) as caught:
        async with running_app(base_conf(tmp_path, DATABASE + f'url = "{url}"\n')):
            pass
    assert message in str(caught.value)
    assert "pw@" not in str(caught.value)
