"""briefgen as a user gets it: the sdist and the wheel built from it carry the templates, fonts, reference
document and data, and briefgen installed from that wheel into a new venv builds the sample briefing in every
format, run from a folder outside the project, so that nothing is read from the source tree.

The new venv takes its dependencies at the versions of constraints.txt from a wheelhouse beside this venv
(`<venv>/wheelhouse`), installed with --no-index: pip keeps no cache on these machines, and through the index
the install takes about twice as long (24 s against 12 s on the 2-core machine). The wheelhouse is filled from
the index the first time, and again when constraints.txt or the dependencies change.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import AS_OF, ROOT

pytestmark = pytest.mark.heavy

CONSTRAINTS = ROOT / "constraints.txt"
WHEELHOUSE = Path(sys.prefix) / "wheelhouse"
PACKAGE_DATA = ("briefgen/templates", "briefgen/data")


def run(*args, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return result


def pip(*args) -> subprocess.CompletedProcess[str]:
    return run(sys.executable, "-m", "pip", "--quiet", *args)


def fill_wheelhouse() -> None:
    """The wheels of constraints.txt's versions of briefgen's dependencies, downloaded once per change."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    wanted = json.dumps({"constraints": CONSTRAINTS.read_text(encoding="utf-8"), "dependencies": dependencies})
    WHEELHOUSE.parent.mkdir(parents=True, exist_ok=True)
    with open(WHEELHOUSE.parent / "wheelhouse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be filling it
        stamp = WHEELHOUSE / "filled-for.json"
        if stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
            return
        shutil.rmtree(WHEELHOUSE, ignore_errors=True)
        pip("download", "--dest", WHEELHOUSE, "--constraint", CONSTRAINTS, *dependencies)
        stamp.write_text(wanted, encoding="utf-8")


def clean_copy(folder: Path) -> Path:
    """The files a clone would have, with the work tree's changes: a build in the work tree would also take
    what an earlier build listed in the ignored briefgen.egg-info, and so hide an undeclared file."""
    listed = run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT).stdout
    for name in filter(None, listed.split("\0")):
        source, copy = ROOT / name, folder / name
        if source.is_symlink() or source.exists():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy, follow_symlinks=False)
    return folder


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel, built as a release is (the wheel from the sdist)."""
    source, out = clean_copy(tmp_path_factory.mktemp("source")), tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source)
    return {"sdist": next(out.glob("briefgen-*.tar.gz")), "wheel": next(out.glob("briefgen-*.whl"))}


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory) -> Path:
    """A new venv holding briefgen from the wheel and nothing of the source tree."""
    fill_wheelhouse()
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    # no byte-compiling: it would double the install time, and the build below imports each module once
    pip(
        "--python",
        venv / "bin" / "python",
        "install",
        "--no-index",
        "--find-links",
        WHEELHOUSE,
        "--no-compile",
        "--constraint",
        CONSTRAINTS,
        dist["wheel"],
    )
    return venv


def source_files(folder: str) -> set[str]:
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_the_sdist_and_the_wheel_carry_every_template_font_and_data_file(dist):
    wanted = set().union(*(source_files(folder) for folder in PACKAGE_DATA))
    assert {
        "briefgen/templates/briefing.html",
        "briefgen/templates/reference.docx",
        "briefgen/data/filer.npz",
        "briefgen/templates/fonts/DejaVuSans.ttf",
    } <= wanted
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        assert wanted - set(wheel.namelist()) == set(), "missing from the wheel: declare it in package-data"
    with tarfile.open(dist["sdist"]) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert wanted - in_sdist == set(), "missing from the sdist: declare it in package-data"


def test_briefgen_from_the_wheel_reads_only_its_venv_and_builds_every_format(venv, tmp_path):
    import docx
    import pypdf

    probe = (
        "import importlib.metadata, briefgen, briefgen.config, briefgen.summarise.filer as f;"
        "print(briefgen.__file__, briefgen.config.BUILTIN_TEMPLATES, f.MODEL, sep='\\n');"
        "print(briefgen.__version__, importlib.metadata.version('briefgen'))"
    )
    lines = run(venv / "bin" / "python", "-c", probe, cwd=tmp_path).stdout.splitlines()
    for path in lines[:3]:
        assert Path(path).is_relative_to(venv.resolve()), path
    module_version, metadata_version = lines[3].split()
    assert module_version == metadata_version
    assert run(venv / "bin" / "briefgen", "--version", cwd=tmp_path).stdout.strip() == f"briefgen {module_version}"

    for folder in ("config", "samples"):  # the inputs only: a user's own copy of the sample config and corpus
        shutil.copytree(ROOT / folder, tmp_path / folder)
    out = tmp_path / "out"
    result = run(
        venv / "bin" / "briefgen",
        "build",
        "--config",
        "config/weekly.yaml",
        "--as-of",
        AS_OF,
        "--audience",
        "executive",
        "--format",
        "pdf,docx,html,json",
        "--out",
        out,
        cwd=tmp_path,
    )
    written = {Path(line).suffix[1:]: Path(line) for line in result.stdout.splitlines()}
    assert set(written) == {"pdf", "docx", "html", "json"}, result.stdout
    assert all(path.parent == out and path.stat().st_size > 0 for path in written.values())
    title = json.loads(written["json"].read_text(encoding="utf-8"))["title"]
    assert title == "Haiti MSS weekly briefing"
    assert title in written["html"].read_text(encoding="utf-8")
    assert len(pypdf.PdfReader(written["pdf"]).pages) >= 1
    assert docx.Document(str(written["docx"])).paragraphs
