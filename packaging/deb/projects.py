"""For build-deb: one line per project (nethcti, each plugin): its directory, the requirement to install
(with every optional dependency a conf.d may need, not test/bench), its wheel's name, a hash of its sources."""

import hashlib
import re
import sys
import tomllib
from pathlib import Path

EXTRAS_LEFT_OUT = {"test", "bench"}


def sources(src: Path, project: str):
    if project == ".":  # the host: its package only, the plugins are projects of their own
        yield from (src / "pyproject.toml", src / "README.md")
        yield from sorted(p for p in (src / "nethcti").rglob("*") if p.is_file())
    else:
        yield from sorted(p for p in (src / project).rglob("*") if p.is_file())


def describe(src: Path, project: str) -> str:
    meta = tomllib.loads((src / project / "pyproject.toml").read_text())["project"]
    extras = sorted(set(meta.get("optional-dependencies", {})) - EXTRAS_LEFT_OUT)
    requirement = meta["name"] + (f"[{','.join(extras)}]" if extras else "")
    wheel_name = re.sub(r"[-_.]+", "_", meta["name"]).lower()
    digest = hashlib.sha256()
    for path in sources(src, project):
        digest.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"{project}\t{requirement}\t{wheel_name}\t{wheel_name}-{digest.hexdigest()[:20]}"


if __name__ == "__main__":
    src = Path(sys.argv[1])
    print("\n".join(describe(src, project) for project in sys.argv[2:]))
