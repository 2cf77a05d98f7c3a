"""A built wheel works anywhere: installed into a fresh virtualenv, run from another folder,
it packages the sample with the reference data it carries (nothing read from the source tree).

The fresh virtualenv gets the wheel alone (``--no-deps``); the third-party packages come
from the test environment's site-packages through a plain path entry, which adds their
folder without running its ``.pth`` files, so the editable install of the source tree
stays out of sight.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import COLLECTION, ROOT

pytestmark = pytest.mark.skipif(shutil.which("exiftool") is None, reason="ExifTool is needed to package")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("src") / "packager"
    # Build from a copy, so that the build leaves nothing (build/, *.egg-info) in the tree.
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".venv", ".git", "bags", "tests", "build",
                                                                "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, timeout=600)
    (built,) = out.glob("packager-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed; returns its bin/ folder."""
    env = tmp_path_factory.mktemp("venv") / "fresh"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    "--disable-pip-version-check", str(wheel)], check=True, capture_output=True, timeout=600)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env / "bin"


def test_the_wheel_carries_the_reference_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {"packager/schemas/crosswalk.toml", "packager/schemas/gazetteer.json", "packager/schemas/keywords.json",
                "packager/schemas/organisations.json", "packager/schemas/subdivisions.json",
                "packager/schemas/bagit-profile.json", "packager/schemas/dc/record.xsd",
                "packager/schemas/dc/dc-elements.xsd", "packager/schemas/dc/dcterms.xsd", "packager/py.typed",
                "packager/schemas/dc/oai_dc.xsd", "packager/schemas/dc/simpledc20021212.xsd",
                "packager/schemas/dc/xml.xsd", "packager/schemas/mets/mets.xsd", "packager/schemas/mets/xlink.xsd",
                "packager/schemas/premis/premis-v3-0.xsd", "packager/schemas/profiles/aptrust-v2.3.json",
                "packager/schemas/profiles/btr-v1.0.json", "packager/schemas/profiles/README.md"}
    assert expected <= names
    assert not {n for n in names if n.startswith(("tests/", "schemas/"))}


def _run(bin_dir: Path, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run([str(bin_dir / "packager"), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_the_installed_package_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([str(installed / "python"), "-c", "import packager; print(packager.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.strip()
    assert Path(where).is_relative_to(installed.parent) and not Path(where).is_relative_to(ROOT)


def test_the_wheel_packages_the_sample_from_another_folder(installed: Path, tmp_path: Path) -> None:
    collection = tmp_path / "deposit"
    shutil.copytree(COLLECTION, collection)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    extracted = _run(installed, "extract", collection, "--json", cwd=elsewhere)
    assert extracted.returncode == 0, extracted.stderr
    document = json.loads(extracted.stdout)
    assert document["summary"]["items"] == 25
    first = document["items"][0]
    assert first["locations"] and first["locations"][0]["country_code"] == "CHN"  # the gazetteer was read
    bagged = _run(installed, "-q", "bag", collection, "--out", tmp_path / "bags", "--json", cwd=elsewhere)
    assert bagged.returncode == 0, bagged.stderr
    result = json.loads(bagged.stdout)
    assert result["ok"] and result["validation"]["valid"] and result["validation"]["profile"]
    assert len(result["items"]) == 25
    # a repository's profile, shipped in the wheel, by name: APTrust's tar
    aptrust = _run(installed, "-q", "bag", collection, "--out", tmp_path / "aptrust", "--profile", "aptrust",
                   cwd=elsewhere)
    assert aptrust.returncode == 0, aptrust.stderr
    assert [p.name for p in (tmp_path / "aptrust").iterdir()] == ["surveillance-china-photo-essay.tar"]
