import json
import pathlib
import shutil

import pytest

DATA = pathlib.Path(__file__).parent / "data"
SEED_COPY = DATA / "seed-jit-dump.txt"


def real_images() -> dict[str, tuple[bytes, dict]]:
    """name -> (raw JIT bytes, metadata) for every saved live image."""
    meta = json.loads((DATA / "images.json").read_text())
    return {name: ((DATA / name).read_bytes(), info) for name, info in sorted(meta.items())}


@pytest.fixture(scope="session")
def images():
    return real_images()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_COPY.read_text()


def objdump_path():
    return shutil.which("objdump")


@pytest.fixture(scope="session")
def objdump():
    path = objdump_path()
    if path is None:
        pytest.skip("binutils objdump is not installed (apt-get install binutils)")
    return path
