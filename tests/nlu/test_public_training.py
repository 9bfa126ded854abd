"""Training lines from public text (data/nlu/public) stay apart from every evaluation set.

data/nlu/public holds verbatim lines of licensed public corpora, selected and labelled by
tests/nlu/sources/build_public_training.py. These tests check what that script promises even
when someone edits the files by hand: no line is in any tests/nlu/*.jsonl set (exactly, or after
the tokenizer's normalisation with case, spaces and punctuation removed), every file names its
source, licence and selection, and every source is listed in tests/nlu/README.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PUBLIC = ROOT / "data" / "nlu" / "public"
BUILD = HERE / "sources" / "build_public_training.py"

sys.path.insert(0, str(BUILD.parent))
from build_public_training import canonical  # noqa: E402  (the key the build screens with)

FILES = sorted(PUBLIC.glob("*.yml"))
# file name suffix -> how the README names the source (the licence must be on the same row)
SOURCES = {
    "hwu64": ("HWU64", "CC BY 4.0"),
    "multidogo": ("MultiDoGO", "CDLA-Permissive-1.0"),
    "kdconv": ("KdConv", "Apache-2.0"),
}


def public_lines(path: Path) -> list[tuple[str, str]]:
    """(intent, text) of one public training file."""
    lines = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip():
                lines.append((block["intent"], line.strip()[2:]))
    return lines


def evaluation_lines() -> dict[str, str]:
    """Every line of every evaluation set, by its normalised key -> 'file: text'."""
    lines = {}
    for path in sorted(HERE.glob("*.jsonl")):
        for raw in path.read_text(encoding="utf-8").splitlines():
            if raw.strip():
                text = json.loads(raw)["text"]
                lines[text] = f"{path.name}: {text}"
                lines[canonical(text)] = f"{path.name}: {text}"
    return lines


def test_there_are_public_files_of_every_source():
    assert {path.stem.rsplit("_", 1)[1] for path in FILES} == set(SOURCES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_public_line_is_in_an_evaluation_set(path):
    evaluation = evaluation_lines()
    leaked = [
        (text, evaluation.get(text) or evaluation.get(canonical(text)))
        for _, text in public_lines(path)
        if text in evaluation or canonical(text) in evaluation
    ]
    assert not leaked, f"{path.name}: lines also in evaluation sets: {leaked[:5]}"


def test_a_known_evaluation_line_would_be_caught():
    # the check above is only worth something if a leaked line, re-cased and re-punctuated,
    # is found: take a real development line and disguise it
    text = json.loads((HERE / "real_en.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"]
    disguised = text.upper().replace(" ", "  ") + "!!"
    assert canonical(disguised) in evaluation_lines()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_names_its_source_licence_and_selection(path):
    text = path.read_text(encoding="utf-8")
    name, licence = SOURCES[path.stem.rsplit("_", 1)[1]]
    header = text.split("version:", 1)[0]
    assert f"# Source: {name}" in header
    assert f"# Licence: {licence}" in header
    assert "# Chosen:" in header and "github.com/" in header
    intents = {intent for intent, _ in public_lines(path)}
    assert intents == {path.stem.rsplit("_", 1)[0]}, "one intent per file, named by the file"


def test_readme_lists_every_source_with_its_licence():
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `public:")]
    for name, licence in SOURCES.values():
        assert any(name in row and licence in row for row in rows), name


@pytest.mark.skipif(
    not os.environ.get("EEPAY_PUBLIC_RAW"),
    reason="set EEPAY_PUBLIC_RAW to the raw corpora folder (see the build script) to check",
)
def test_build_script_rebuilds_the_committed_files(tmp_path):
    subprocess.run(
        [
            sys.executable,
            str(BUILD),
            "--raw",
            os.environ["EEPAY_PUBLIC_RAW"],
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    for path in FILES:
        assert (tmp_path / path.name).read_text(encoding="utf-8") == path.read_text(
            encoding="utf-8"
        ), path.name
