"""The Containerfile's steps where no container engine runs: its RUN lines executed in a minimal Debian 12 root
(debootstrap, the contents of the debian:bookworm-slim it starts FROM) with chroot, its COPY done by hand, then its
ENTRYPOINT run as its USER with its ENV against the demo PBX until its HEALTHCHECK command says healthy, and stopped
with its STOPSIGNAL. Not an image: no layers, volumes, namespaces or cgroups; the network is the host's."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tarfile
import textwrap
from pathlib import Path

import pytest

from nethcti.testing import free_port, wait_until
from tests.demopbx_fixtures import skip_or_fail
from tests.packaging.test_container import CONTAINERFILE, instructions

pytestmark = [pytest.mark.package, pytest.mark.live]

# debootstrap's minbase of bookworm, made once per machine (about 30 s), unpacked for every run
CACHE = Path(os.environ.get("NETHCTI_BUILD_CACHE") or Path.home() / ".cache" / "nethcti-build")
BASE = CACHE / "bookworm-minbase.tar"


def base_root(root: Path) -> None:
    if not BASE.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        made = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", root], capture_output=True, text=True,
                              timeout=900, stdin=subprocess.DEVNULL)
        assert made.returncode == 0, f"debootstrap failed:\n{made.stdout[-2000:]}{made.stderr[-2000:]}"
        partial = BASE.with_suffix(".partial")
        with tarfile.open(partial, "w") as tar:
            tar.add(root, arcname=".")
        partial.rename(BASE)
        return
    with tarfile.open(BASE) as tar:
        tar.extractall(root, filter="fully_trusted")  # our own archive of a root filesystem: devices, owners


@pytest.fixture
def image_root(tmp_path):
    """A fresh bookworm root with /proc mounted; unmounted and any process in it killed at the end."""
    if os.geteuid() != 0:
        skip_or_fail("running the image's steps needs root (chroot, mount)")
    if not shutil.which("debootstrap"):
        skip_or_fail("debootstrap missing (scripts/setup installs it)")
    root = tmp_path / "root"
    root.mkdir()
    base_root(root)
    subprocess.run(["mount", "-t", "proc", "proc", root / "proc"], check=True)
    processes: list[subprocess.Popen] = []
    try:
        yield root, processes
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        subprocess.run(["umount", "--lazy", root / "proc"], check=False)
        if not os.path.ismount(root / "proc"):  # some 400 MB: not kept with pytest's last temporary directories
            shutil.rmtree(root, ignore_errors=True)


async def test_containerfile_steps_install_the_package_and_serve_healthy(built_deb, demo_pbx, image_root, tmp_path):
    root, processes = image_root
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")  # as an engine does, for apt-get update
    steps = instructions(CONTAINERFILE)
    options = dict(steps)
    assert ":bookworm" in options["FROM"]  # what debootstrap made

    for keyword, arguments in steps:
        if keyword == "COPY":  # sources are globs in the build context, the package's directory
            *sources, destination = arguments.split()
            for source in sources:
                for path in built_deb.parent.glob(source):
                    shutil.copy(path, root / destination.lstrip("/"))
        elif keyword == "RUN":
            run = subprocess.run(["chroot", root, "/bin/sh", "-c", arguments], capture_output=True, text=True,
                                 timeout=600, stdin=subprocess.DEVNULL, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
            assert run.returncode == 0, f"RUN {arguments}\n{run.stdout[-3000:]}{run.stderr[-3000:]}"
    assert not list((root / "tmp").glob("nethcti_*.deb"))  # the image does not keep the package file

    # The administrator's part, in the conf.d volume: the AMI secret and a drop-in for the PBX.
    ami, port = demo_pbx.ami_info(), free_port()
    conf_d = root / "etc/nethcti/conf.d"
    (root / "etc/nethcti/ami.secret").write_text(ami["secret"])
    (conf_d / "90-demo-pbx.toml").write_text(textwrap.dedent(f"""\
        [server]
        port = {port}
        [ami]
        port = {ami["port"]}
        [history]
        enabled = false
        [queuestats]
        enabled = false
        [offhour]
        enabled = false
        """))  # the three need NethVoice's MariaDB databases
    assert 'file = ""' in (conf_d / "05-package.toml").read_text()  # stderr only, in a container

    env_name, _, env_value = options["ENV"].partition("=")
    user = options["USER"]

    def in_image(argv: list[str]) -> list[str]:
        return ["chroot", f"--userspec={user}:{user}", str(root), "env", "-i", f"{env_name}={env_value}",
                "PATH=/usr/bin:/bin", *argv]

    command = json.loads(options["ENTRYPOINT"]) + json.loads(options["CMD"])
    output = tmp_path / "container.log"
    with output.open("wb") as log:
        process = subprocess.Popen(in_image(command), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   stdin=subprocess.DEVNULL)
    processes.append(process)
    healthcheck = json.loads(options["HEALTHCHECK"].split(" CMD ", 1)[1])

    def healthy() -> bool:
        assert process.poll() is None, f"the image's command exited {process.returncode}: {output.read_text()}"
        return subprocess.run(in_image(healthcheck), capture_output=True, timeout=30).returncode == 0

    await wait_until(healthy, "the HEALTHCHECK command succeeds", timeout=60)
    process.send_signal(signal.Signals[options["STOPSIGNAL"]])
    assert process.wait(timeout=15) == 0, output.read_text()
