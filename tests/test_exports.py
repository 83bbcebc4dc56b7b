"""site_builder.exporters and ``site-builder export``: every format read back by a parser.

BibTeX by bibtexparser 2, JSON against the published JSON Schema, CSV by the csv module,
RIS by a tiny reader, Atom by ElementTree with the Atom namespace.  The hostile fixture
list (``tests/fixtures/exports``) holds LaTeX specials, unbalanced braces, formula-like
cells, colliding keys, a venue override and every venue kind.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import bibtexparser
import jsonschema
import pytest

from site_builder.checking import check_dir
from site_builder.cli import main
from site_builder.errors import InvalidRecords
from site_builder.exporters import FORMATS, Options, export
from site_builder.exporters.bibtex import cite_keys, title_field
from site_builder.model import Entry, Paper, PaperList
from site_builder.text import squash
from site_builder.venue_table import load_venues
from tests.conftest import LIST_FIXTURE, REPO

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "exports"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def hostile() -> PaperList:
    return check_dir(HOSTILE)


@pytest.fixture(scope="module")
def options() -> Options:
    return Options(load_venues(HOSTILE))


def _paper(title: str, family: str = "Guo", year: int = 2025) -> Paper:
    return Paper(title=title, authors=(f"{family}, Jia",), venue="CVPR", year=year,
                 url="https://example.org/p", category="methods")


# --- BibTeX ---------------------------------------------------------------------------

_UNLATEX = [(r"\textbackslash{}", "\0"), (r"\textbraceleft{}", "\1"),
            (r"\textbraceright{}", "\2"), (r"\textasciitilde{}", "~"),
            (r"\textasciicircum{}", "^")]


def _unlatex(value: str) -> str:
    """Inverse of the exporter's escaping, protective braces dropped."""
    for command, mark in _UNLATEX:
        value = value.replace(command, mark)
    value = value.replace("{", "").replace("}", "")
    value = re.sub(r"\\([&%$#_])", r"\1", value)
    return value.replace("\0", "\\").replace("\1", "{").replace("\2", "}")


def _bib(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    return library


@pytest.mark.parametrize("folder", [REPO / "papers", LIST_FIXTURE, HOSTILE],
                         ids=["repo", "fixture", "hostile"])
def test_bibtexparser_reads_every_entry(folder: Path) -> None:
    plist = check_dir(folder)
    library = _bib(export(plist, "bibtex", Options(load_venues(folder))))
    keys = [e.key for e in library.entries]
    assert len(keys) == len(plist.entries) == len(set(keys))
    assert all(re.fullmatch(r"[a-z]+\d{4}[a-z0-9]+", k) for k in keys)
    for entry in library.entries:
        assert {"title", "author", "year", "url"} <= set(entry.fields_dict)


def test_bibtex_titles_survive_any_characters(hostile: PaperList, options: Options) -> None:
    library = _bib(export(hostile, "bibtex", options))
    keys = cite_keys(hostile.entries)
    by_key = {e.key: e for e in library.entries}
    for record in hostile.entries:
        entry = by_key[keys[record.key]]
        assert _unlatex(entry.fields_dict["title"].value) == squash(record.paper.title)
        if record.paper.abstract:
            assert _unlatex(entry.fields_dict["abstract"].value) == \
                squash(record.paper.abstract)
    muller = by_key["muller2024unbalanced"].fields_dict
    assert muller["author"].value == "Müller, Jürgen and Ødegård, Åse and 李, 华"  # UTF-8 kept
    assert r"50\% off \$x\textasciicircum{}2\$ \# \_ \textasciitilde{}" in muller["title"].value


def test_bibtex_entry_types_follow_the_venue_table(hostile: PaperList,
                                                   options: Options) -> None:
    entries = {e.key: e for e in _bib(export(hostile, "bibtex", options)).entries}

    def fields(key: str) -> dict[str, str]:
        return {k: f.value for k, f in entries[key].fields_dict.items()}

    assert entries["guo2025dinomalya"].entry_type == "inproceedings"
    assert fields("guo2025dinomalya")["booktitle"] == \
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)"
    assert fields("guo2025dinomalya")["doi"] == "10.1109/CVPR52734.2025.01234"
    assert entries["guo2025dinomalyb"].entry_type == "article"
    assert fields("guo2025dinomalyb")["journal"] == "Medical Image Analysis (Overridden)"
    assert entries["guo2025dinomalyc"].entry_type == "inproceedings"  # from _venues.yaml
    assert fields("guo2025dinomalyc")["booktitle"] == \
        r"Workshop on Odd \textbraceleft{}Venue\textbraceright{} Names \& Things"
    assert fields("guo2025dinomalyc")["author"] == "Guo, Jiayi and others"
    arxiv = fields("muller2024unbalanced")
    assert entries["muller2024unbalanced"].entry_type == "misc"
    assert (arxiv["eprint"], arxiv["archivePrefix"]) == ("2401.01234", "arXiv")
    assert entries["attacker2023hyperlink"].entry_type == "misc"
    assert fields("attacker2023hyperlink")["howpublished"] == "Some Unknown Venue"
    assert entries["zed2022paper"].entry_type == "article"
    assert fields("zed2022paper")["eprint"] == "2201.00001"


def test_bibtex_protects_acronyms_only() -> None:
    assert title_field("MedCLIP and CLIP for 3D MRI: Multi-Class (AA-CLIP) nnU-Net") == \
        "{MedCLIP} and {CLIP} for {3D} {MRI}: Multi-Class ({AA-CLIP}) {nnU-Net}"
    assert title_field("A {weird} Title") == r"A \textbraceleft{}weird\textbraceright{} Title"


def test_cite_keys_are_stable_and_unique() -> None:
    entries = [Entry("b-second", "b", _paper("The Dinomaly Paper")),
               Entry("a-first", "a", _paper("Dinomaly")),
               Entry("c-natural", "c", _paper("Dinomalya Is Another Word")),
               Entry("d-other", "d", _paper("AA-CLIP: Anomaly-Aware", "Ma")),
               Entry("e-accent", "e", _paper("Über Anomalies", "Müller-Lüdenscheidt"))]
    keys = cite_keys(entries)
    assert keys == {"a-first": "guo2025dinomalyb", "b-second": "guo2025dinomalyc",
                    "c-natural": "guo2025dinomalya", "d-other": "ma2025aaclip",
                    "e-accent": "mullerludenscheidt2025uber"}
    assert cite_keys(list(reversed(entries))) == keys


# --- JSON -----------------------------------------------------------------------------

@pytest.mark.parametrize("folder", [REPO / "papers", HOSTILE], ids=["repo", "hostile"])
def test_json_export_validates_against_the_published_schema(folder: Path) -> None:
    schema = json.loads((REPO / "schema" / "papers-export.schema.json").read_text("utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema, format_checker=validator_cls.FORMAT_CHECKER)
    plist = check_dir(folder)
    data = json.loads(export(plist, "json"))
    assert [e.message for e in validator.iter_errors(data)] == []
    assert data["count"] == len(data["papers"]) == len(plist.entries)


def test_json_export_keeps_the_records(hostile: PaperList) -> None:
    data = json.loads(export(hostile, "json"))
    papers = {p["key"]: p for p in data["papers"]}
    hostile_paper = papers["muller2024-hostile"]
    assert hostile_paper["title"].startswith("Unbalanced { brace and \\textbf{bold}")
    assert hostile_paper["added"] == "2024-12-24"
    assert "code" not in hostile_paper  # unset fields are left out, as in the records
    assert data["papers"][0]["year"] == max(p["year"] for p in data["papers"])


# --- CSV ------------------------------------------------------------------------------

def test_csv_one_row_per_paper_and_no_formulas(hostile: PaperList) -> None:
    rows = list(csv.DictReader(io.StringIO(export(hostile, "csv"), newline="")))
    assert len(rows) == len(hostile.entries)
    by_key = {r["key"]: r for r in rows}
    formula = by_key["formula2023-cells"]
    assert formula["title"] == "'=HYPERLINK(\"http://evil.example\",\"click\") + more"
    assert formula["authors"] == "'@Attacker, Mallory; -Minus, Max"
    assert formula["tags"] == "spreadsheets; csv-injection"
    assert by_key["guo2025-dinomaly"]["added"] == "2025-05-01"
    assert by_key["muller2024-hostile"]["abstract"].startswith("Line one. TY - JOUR")
    for row in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in row.values()), row


def test_csv_columns_follow_the_model(hostile: PaperList) -> None:
    header = next(csv.reader(io.StringIO(export(hostile, "csv"))))
    assert header == ["key", *Paper.__dataclass_fields__]


# --- RIS ------------------------------------------------------------------------------

def read_ris(text: str) -> list[dict[str, list[str]]]:
    """A tiny RIS reader: ``TAG  - value`` lines, a record ends at ``ER``."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        m = re.fullmatch(r"([A-Z][A-Z0-9])  - ?(.*)", line)
        assert m, f"not a RIS line: {line!r}"
        tag, value = m.groups()
        if tag == "ER":
            records.append(current)
            current = {}
        else:
            current.setdefault(tag, []).append(value)
    assert current == {}, "last record has no ER"
    return records


def test_ris_reads_back(hostile: PaperList, options: Options) -> None:
    records = read_ris(export(hostile, "ris", options))
    assert len(records) == len(hostile.entries)
    by_title = {r["TI"][0]: r for r in records}
    dinomaly = by_title["Dinomaly: The Less Is More Philosophy in Multi-Class Unsupervised "
                        "Anomaly Detection"]
    assert dinomaly["TY"] == ["CONF"]
    assert dinomaly["AU"] == ["Guo, Jia", "Lu, Shuai"]
    assert dinomaly["PY"] == ["2025"]
    assert dinomaly["DO"] == ["10.1109/CVPR52734.2025.01234"]
    assert dinomaly["T2"] == ["IEEE/CVF Conference on Computer Vision and Pattern Recognition "
                              "(CVPR)"]
    journal = next(r for r in records if r["TI"][0].startswith("Dinomaly Again"))
    assert (journal["TY"], journal["JO"]) == (["JOUR"], ["Medical Image Analysis (Overridden)"])
    hostile_record = next(r for r in records if r["TI"][0].startswith("Unbalanced"))
    assert hostile_record["TY"] == ["GEN"]
    assert hostile_record["AU"] == ["Müller, Jürgen", "Ødegård, Åse", "李, 华"]
    assert hostile_record["AB"][0].startswith("Line one. TY - JOUR ER - </summary>")
    assert all(r["UR"] for r in records)


# --- Atom -----------------------------------------------------------------------------

def test_atom_feed_of_the_newest_additions(hostile: PaperList) -> None:
    text = export(hostile, "atom", Options(site_url="https://lists.example.org/ad/"))
    root = ET.fromstring(text)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    dated = sorted((e for e in hostile.entries if e.paper.added),
                   key=lambda e: e.paper.added, reverse=True)  # type: ignore[arg-type, return-value]
    assert len(entries) == len(dated) == 4  # papers without `added` are left out
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert root.findtext(f"{ATOM}updated") == updated[0] == "2025-06-01T00:00:00Z"
    assert root.findtext(f"{ATOM}id") == "https://lists.example.org/ad/"
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == "https://lists.example.org/ad/feed.xml"
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == len(ids)
    assert "https://lists.example.org/ad/papers/muller2024-hostile/" in ids
    hostile_entry = entries[ids.index("https://lists.example.org/ad/papers/muller2024-hostile/")]
    summary = hostile_entry.findtext(f"{ATOM}summary") or ""
    assert "</summary><script>alert(1)</script> & more }{" in summary  # text, not markup
    assert root.find(f".//{ATOM}script") is None
    assert [a.findtext(f"{ATOM}name") for a in hostile_entry.iter(f"{ATOM}author")] == \
        ["Jürgen Müller", "Åse Ødegård", "华 李"]
    assert export(hostile, "atom", Options(site_url="https://lists.example.org/ad/")) == text


def test_atom_without_site_url_uses_the_repository(hostile: PaperList) -> None:
    root = ET.fromstring(export(hostile, "atom"))
    assert root.findtext(f"{ATOM}id") == "https://github.com/example/export-list/"
    assert root.find(f"{ATOM}link[@rel='self']") is None


def test_atom_without_dated_papers_is_still_deterministic() -> None:
    plist = check_dir(LIST_FIXTURE)
    undated = PaperList(plist.info, tuple(e for e in plist.entries if not e.paper.added))
    root = ET.fromstring(export(undated, "atom"))
    assert root.findall(f"{ATOM}entry") == []
    newest_year = max(e.paper.year for e in undated.entries)
    assert root.findtext(f"{ATOM}updated") == f"{newest_year}-01-01T00:00:00Z"


# --- the venue table and the command --------------------------------------------------

def test_bad_venue_override_names_the_line(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / "_venues.yaml").write_text("Good:\n  kind: journal\n  name: Good Journal\n"
                                         "Odd:\n  kind: workshop\n  name: ''\n  colour: red\n",
                                         encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        load_venues(papers)
    texts = [p.text() for p in err.value.problems]
    assert any(":5: Odd.kind: must be one of conference, journal, preprint" in t
               for t in texts), texts
    assert any(":6: Odd.name: the full venue name is missing" in t for t in texts), texts
    assert any(":7: Odd.colour: unknown key" in t for t in texts), texts


@pytest.mark.parametrize(("name", "message"), [
    ('"Journal\\x1b[2J of X"', "contains an invisible control character (U+001B)"),
    ('"Journal \\u202eX fo"', "contains an invisible control character (U+202E)"),
    ("J" * 1200, "is 1,200 characters long (limit 1,000)"),
])
def test_a_venue_name_is_text_as_a_records_is(tmp_path: Path, name: str, message: str) -> None:
    """The full names of _venues.yaml go into every citation (BibTeX, RIS, the site's
    paper pages): a terminal's escape sequence or a direction override there was
    exported as it was."""
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / "_venues.yaml").write_text(f"Odd:\n  kind: journal\n  name: {name}\n",
                                         encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        load_venues(papers)
    [problem] = err.value.problems
    assert (problem.line, problem.field) == (3, "Odd.name") and message in problem.message


def test_services_still_map_names_through_the_same_table() -> None:
    from site_builder.services.venues import short_venue

    assert short_venue(["2025 IEEE/CVF Conference on Computer Vision and Pattern "
                        "Recognition (CVPR)"]) == "CVPR"
    assert short_venue(["Pattern Recognition"]) == "PR"
    assert short_venue(["Medical Image Analysis"]) == "MedIA"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_cli_export_to_stdout_and_file(fmt: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--papers", str(HOSTILE), "--format", fmt]) == 0
    printed = capsys.readouterr().out
    expected = export(check_dir(HOSTILE), fmt, Options(load_venues(HOSTILE)))
    assert printed == expected
    out = tmp_path / FORMATS[fmt].filename
    assert main(["export", "--papers", str(HOSTILE), "--format", fmt, "-o", str(out)]) == 0
    assert out.read_bytes().decode("utf-8") == expected
    assert "wrote" in capsys.readouterr().err


def test_cli_export_refuses_invalid_records(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    out = tmp_path / "papers.bib"
    assert main(["export", "--papers", str(papers), "--format", "bibtex",
                 "-o", str(out)]) == 1
    assert not out.exists()
    assert "broken.yaml:" in capsys.readouterr().err


def test_cli_export_unknown_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "docx"]) == 2
    assert "invalid choice: 'docx'" in capsys.readouterr().err


def test_the_site_serves_every_export_with_the_lists_venues() -> None:
    from site_builder.commands.site import read_sources
    from site_builder.site import nav

    pages = read_sources(HOSTILE).pages(site_url="https://lists.example.org/")
    files = {p.path: p.text for p in pages}
    assert {f.filename for f in FORMATS.values()} <= set(files)
    assert "Medical Image Analysis (Overridden)" in files["papers.bib"]  # _venues.yaml
    feed = ET.fromstring(files["feed.xml"])
    assert feed.findtext(f"{ATOM}id") == "https://lists.example.org/"
    assert all(path.endswith(".md") for item in nav(pages) for path in item.values())


def test_citations_name_people_without_the_lists_author_marks(options: Options) -> None:
    """``Xu, Ke*`` is footnote-marked on the list; a citation manager wants ``Xu, Ke``."""
    paper = Paper(title="Marked Authors", authors=("Xu, Ke*", "Guo, Jia†‡", "others"),
                  venue="CVPR", year=2025, url="https://example.org/p", category="methods",
                  added=dt.date(2025, 1, 2))
    entry = Entry("xu2025-marked", "xu2025-marked.yaml", paper)
    plist = PaperList(info=check_dir(HOSTILE).info, entries=(entry,))
    bib = _bib(export(plist, "bibtex", options)).entries[0]
    assert bib["author"] == "Xu, Ke and Guo, Jia and others"
    assert read_ris(export(plist, "ris", options))[0]["AU"] == ["Xu, Ke", "Guo, Jia"]
    feed = ET.fromstring(export(plist, "atom", options))
    assert [a.findtext(f"{ATOM}name") for a in feed.iter(f"{ATOM}author")] == ["Ke Xu", "Jia Guo"]


def test_a_paper_without_authors_is_cited_without_an_author_field(options: Options) -> None:
    """A list may make authors optional (``optional: [authors]``): BibTeX got
    ``author = {}``, which reference managers read as an author with no name."""
    paper = Paper(title="Nameless", authors=(), venue="arXiv", year=2024,
                  url="https://arxiv.org/abs/2401.00001", category="methods")
    plist = PaperList(info=check_dir(HOSTILE).info,
                      entries=(Entry("x2024-nameless", "x2024-nameless.yaml", paper),))
    text = export(plist, "bibtex", options)
    assert "author" not in text
    bib = _bib(text).entries[0]
    assert bib.key == "anon2024nameless" and "author" not in bib.fields_dict
    assert bib["year"] == "2024"
