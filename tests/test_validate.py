"""site_builder.records, crosscheck and checking: field, list and cross-file checks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder import load
from site_builder.checking import check_dir
from site_builder.crosscheck import effective_arxiv, effective_doi
from site_builder.errors import InvalidRecords, UsageError
from site_builder.model import Entry, Paper, sort_key
from site_builder.records import check_paper, suggest
from tests.conftest import (
    FLAGSHIP,
    LIST_FIXTURE,
    BadCase,
    expected_lines,
    run_bad_case,
    write_paper,
)


def test_bad_case(bad_case: BadCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fixture in tests/fixtures/bad gives exactly its expected problems and lines."""
    assert run_bad_case(bad_case, tmp_path, monkeypatch) == expected_lines(bad_case)


def test_bad_cases_cover_the_failure_modes() -> None:
    from tests.conftest import BAD_CASES

    names = {c.name for c in BAD_CASES}
    for needed in ("yaml-unquoted-colon", "not-a-mapping", "empty", "missing-required",
                   "year-as-text", "authors-as-string", "mark-unknown",
                   "title-yes-bool", "unknown-key-titel", "unknown-key-link", "duplicate-key",
                   "url-javascript", "url-ftp", "url-relative", "url-space",
                   "unknown-category", "year-out-of-range", "empty-strings", "duplicate-doi",
                   "duplicate-arxiv", "duplicate-title", "copied-abstract", "python-tag",
                   "anchor-alias", "oversize", "latin1", "bom-crlf", "control-char"):
        assert needed in names


def test_python_tag_case_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import BAD_CASES

    case = next(c for c in BAD_CASES if c.name == "python-tag")
    calls: list[str] = []
    monkeypatch.setattr("os.system", lambda cmd: calls.append(cmd) or 0)
    lines = run_bad_case(case, tmp_path, monkeypatch)
    assert "YAML tag !!python/object/apply:os.system" in lines[0]
    assert calls == []
    assert not (tmp_path / "pwned-by-yaml").exists()


def test_bom_crlf_case_is_read_as_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import BAD_CASES

    case = next(c for c in BAD_CASES if c.name == "bom-crlf")
    assert case.path.read_bytes().startswith(b"\xef\xbb\xbf") and b"\r\n" in \
        case.path.read_bytes()
    run_bad_case(case, tmp_path, monkeypatch)
    plist = check_dir(Path("papers"))
    paper = next(e.paper for e in plist.entries if e.key == "bom-crlf")
    assert paper.title == "A Fine Paper With a BOM"
    assert paper.authors == ("Frénay, Benoît",)


# --- the lists that must be valid ------------------------------------------------------

def test_fixture_list_is_valid() -> None:
    plist = check_dir(LIST_FIXTURE)
    assert len(plist.entries) == 5
    assert plist.warnings == ()
    assert [s.id for s in plist.paper_sections()] == ["reconstruction",
                                                       "vision-language-models", "benchmarks"]


def test_flagship_list_is_valid_without_warnings() -> None:
    plist = check_dir(FLAGSHIP)
    assert len(plist.entries) == 33
    assert len(plist.paper_sections()) == 10
    assert plist.warnings == ()


def test_repo_record_of_the_copied_abstract_has_none() -> None:
    """MOOD (CVPR 2023) carried the abstract of AE4AD (MICCAI 2024) in the seed; the
    reviewed record has no abstract, and AE4AD keeps its own."""
    src = load.read(FLAGSHIP / "li2023-rethinking-out-of-distribution-ood.yaml")
    paper, problems = check_paper(src, None)
    assert problems == [] and paper is not None
    assert paper.venue == "CVPR" and paper.year == 2023
    assert paper.abstract is None
    ae4ad, _ = check_paper(load.read(
        FLAGSHIP / "cai2024-rethinking-autoencoders-for-medical-anomaly.yaml"), None)
    assert ae4ad is not None and ae4ad.abstract and "autoencoders" in ae4ad.abstract


# --- check_dir: reporting -------------------------------------------------------------

def test_all_problems_of_all_files_are_reported_together(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    write_paper(papers, "a", year=1700)
    write_paper(papers, "b", title="Another Paper", url="ftp://example.org/b")
    (papers / "c.yaml").write_text("- not a record\n", encoding="utf-8")
    with pytest.raises(InvalidRecords) as info:
        check_dir(papers)
    by_file = {Path(p.path).name for p in info.value.problems}
    assert by_file == {"a.yaml", "b.yaml", "c.yaml"}
    assert info.value.problems == sorted(info.value.problems)


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such folder"):
        check_dir(tmp_path / "nope")


def test_a_file_given_as_the_folder_is_named_a_file(tmp_path: Path) -> None:
    """Every verb that reads the records says what is wrong with a --papers that is a file."""
    from site_builder.commands.changed import changed_files
    from site_builder.commands.dates import fill_dates
    from site_builder.commands.serve import serve

    record = tmp_path / "paper.yaml"
    record.write_text("title: A\n", encoding="utf-8")
    message = (f"{record}: is a file, not a folder — give the folder of paper records "
               "with --papers")
    for run in (lambda: check_dir(record), lambda: changed_files(record, "HEAD"),
                lambda: fill_dates(record),
                lambda: serve(record, host="127.0.0.1", port=0, report=lambda _: None)):
        with pytest.raises(UsageError) as info:
            run()
        assert str(info.value) == message


def test_missing_list_file(tmp_path: Path) -> None:
    write_paper(tmp_path, "a")
    with pytest.raises(InvalidRecords) as info:
        check_dir(tmp_path)
    [problem] = info.value.problems
    assert problem.path.endswith("_list.yaml") and problem.message == \
        "the list-level file is missing"


def test_a_list_file_ending_in_yml_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    """Records may end in .yml; the list-level file is read as _list.yaml only: a stranger's
    _list.yml was 'missing', with the fix 'create it'."""
    monkeypatch.chdir(tmp_path)
    papers = Path("papers")
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / "_list.yaml").rename(papers / "_list.yml")
    with pytest.raises(InvalidRecords) as info:
        check_dir(papers)
    assert [p.text() for p in info.value.problems] == [
        "papers/_list.yaml: the list-level file is missing — rename papers/_list.yml to "
        "_list.yaml"]


@pytest.mark.parametrize(("sections", "message", "line"), [
    ("- title: A\n  id: a\n- title: B\n  id: a\n", "'a' is used twice", 6),
    ("- title: A\n  id: a\n  anchor: s1\n- title: B\n  id: b\n  anchor: s1\n",
     "anchor 's1' is used twice (or is reserved)", 8),
    ("- title: A\n  id: a\n  anchor: top\n", "anchor 'top' is used twice (or is reserved)", 5),
    ("- title: Only information\n", "no section has an id, so no paper can be listed", 2),
    ("- title: A\n  id: Not An Id\n", "'Not An Id' is not an id (lowercase words joined by "
     "'-')", 4),
])
def test_list_level_problems(tmp_path: Path, sections: str, message: str, line: int) -> None:
    (tmp_path / "_list.yaml").write_text(f"title: L\nsections:\n{sections}", encoding="utf-8")
    with pytest.raises(InvalidRecords) as info:
        check_dir(tmp_path)
    assert [(p.line, p.message) for p in info.value.problems] == [(line, message)]


def test_nested_record_problems_name_the_path(tmp_path: Path) -> None:
    (tmp_path / "_list.yaml").write_text(
        "title: L\nsections:\n- title: A\n  id: a\n  image:\n    src: javascript:x\n"
        "    alt: A\nbadges:\n- src: https://example.org/b.svg\n  alt: B\n  lnk: x\n",
        encoding="utf-8")
    with pytest.raises(InvalidRecords) as info:
        check_dir(tmp_path)
    got = [(p.line, p.field, p.message) for p in info.value.problems]
    assert got == [(6, "sections.0.image.src", "'javascript:x' is not an http(s) URL"),
                   (11, "badges.0.lnk", "unknown key")]
    assert "did you mean 'link'?" in info.value.problems[1].fix


def test_markdown_fields_refuse_html_and_unsafe_links(tmp_path: Path) -> None:
    (tmp_path / "_list.yaml").write_text(
        "title: L\nsections:\n- title: A\n  id: a\nnotes:\n- label: X\n"
        "  text: '[x](javascript:alert(1))'\n- label: Y\n  text: <b>hi</b>\n",
        encoding="utf-8")
    with pytest.raises(InvalidRecords) as info:
        check_dir(tmp_path)
    assert [(p.field, p.message) for p in info.value.problems] == [
        ("notes.0.text", "link target 'javascript:alert(1' is not an http(s) URL"),
        ("notes.1.text", "contains HTML")]


def test_only_limits_per_file_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    monkeypatch.chdir(tmp_path)
    write_paper(papers, "bad", year=1700)
    write_paper(papers, "good", title="Good")
    plist = check_dir(Path("papers"), only={"papers/good.yaml"})
    assert {e.key for e in plist.entries} >= {"good"}
    with pytest.raises(InvalidRecords):
        check_dir(Path("papers"), only={"papers/bad.yaml"})


def test_warnings_do_not_fail_the_check(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    abstract = (papers / "zhou2024-anomalyclip.yaml").read_text(encoding="utf-8")
    abstract = abstract[abstract.index("abstract:"):abstract.index("arxiv:")]
    write_paper(papers, "zz-copy", extra=abstract)
    plist = check_dir(papers)
    [warning] = plist.warnings
    assert warning.severity == "warning" and warning.field == "abstract"
    assert warning.path.endswith("zz-copy.yaml")
    assert "zhou2024-anomalyclip.yaml" in warning.message
    assert len(plist.entries) == 6


def test_short_equal_abstracts_are_not_flagged(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    write_paper(papers, "x1", title="One", extra="abstract: Too short to matter.\n")
    write_paper(papers, "x2", title="Two", url="https://example.org/2",
                extra="abstract: Too short to matter.\n")
    assert check_dir(papers).warnings == ()


def test_abstract_equal_to_title(tmp_path: Path) -> None:
    src = load.parse("p.yaml", b"title: A Fine Paper\nauthors: [A]\nvenue: V\nyear: 2024\n"
                     b"url: https://example.org/a\ncategory: c\nabstract: a fine paper\n")
    _, problems = check_paper(src, ["c"])
    assert [(p.line, p.message) for p in problems] == [(7, "is the same as the title")]


# --- values ---------------------------------------------------------------------------

def _paper(extra: str) -> list[tuple[int, str, str]]:
    base = ("title: T\nauthors: [A]\nvenue: V\nyear: 2024\nurl: https://example.org/a\n"
            "category: c\n")
    _, problems = check_paper(load.parse("p.yaml", (base + extra).encode()), ["c"])
    return [(p.line, p.field, p.message) for p in problems]


@pytest.mark.parametrize(("extra", "expected"), [
    ("doi: 10.1109/CVPR.2025.001\n", []),
    ("doi: doi:10.1/x\n", [(7, "doi", "'doi:10.1/x' is not a DOI")]),
    ("arxiv: '2403.09303'\n", []),
    ("arxiv: 'arXiv:2403.09303v2'\n", [(7, "arxiv", "'arXiv:2403.09303v2' has a prefix or "
                                        "version")]),
    ("arxiv: hep-th/9901001\n", []),
    ("tags: [brain-mri, Diffusion]\n", [(7, "tags", "tag 'Diffusion' is not lowercase words "
                                         "joined by '-'")]),
    ("tags: []\n", [(7, "tags", "is an empty list")]),
    ("added: 2025-05-01\n", []),
    ("added: May 2025\n", [(7, "added", "must be a date, got str 'May 2025'")]),
    ("marks: [non-medical]\n", []),
    ("marks: non-medical\n", [(7, "marks", "must be a list of ids, got str 'non-medical'")]),
    ("year: 2024\n", [(7, "year", "duplicate key (first given on line 4); YAML would "
                       "silently keep only this one")]),
    ("code: https://github.com/a/b\nfigure: http://example.org/f.png\n", []),
    ("figure: https://example.org/a(1).png\n", [(7, "figure", "'https://example.org/a(1).png'"
                                                 " contains spaces, quotes, brackets or "
                                                 "parentheses")]),
    ("abstract: \"x" + "y" * 20001 + "\"\n", [(7, "abstract", "is 20,002 characters long "
                                               "(limit 20,000)")]),
])
def test_field_values(extra: str, expected: list[tuple[int, str, str]]) -> None:
    assert _paper(extra) == expected


def test_whitespace_is_normalised() -> None:
    src = load.parse("p.yaml", b"title: '  A   Fine\\tPaper '\nauthors: [' Doe,  Jane ']\n"
                     b"venue: V\nyear: 2024\nurl: https://example.org/a\ncategory: c\n"
                     b"abstract: |\n  Line one\n  goes on.\n\n\n  Line two.\n")
    paper, problems = check_paper(src, ["c"])
    assert problems == [] and paper is not None
    assert paper.title == "A Fine\\tPaper"  # single quotes: no escapes in YAML
    assert paper.authors == ("Doe, Jane",)
    assert paper.abstract == "Line one goes on.\n\nLine two."  # paragraphs are kept


def test_did_you_mean() -> None:
    fields = list(Paper.__dataclass_fields__)
    assert suggest("titel", fields) == "did you mean 'title'?"
    assert suggest("link", fields) == "did you mean 'url'?"
    assert suggest("github", fields) == "did you mean 'code'?"
    assert suggest("zzzzzz", fields) == ""


def test_effective_ids() -> None:
    def paper(url: str, **kw: str) -> Paper:
        return Paper(title="T", authors=("A",), venue="V", year=2024, url=url,
                     category="c", **kw)

    assert effective_arxiv(paper("https://arxiv.org/abs/2403.09303v3")) == "2403.09303"
    assert effective_arxiv(paper("https://arxiv.org/pdf/2403.09303.pdf")) == "2403.09303"
    assert effective_arxiv(paper("https://example.org/x", arxiv="2401.00001")) == "2401.00001"
    assert effective_arxiv(paper("https://example.org/2403.09303")) is None
    assert effective_doi(paper("https://doi.org/10.1234/ABC")) == "10.1234/abc"
    assert effective_doi(paper("https://example.org", doi="10.1234/Q")) == "10.1234/q"


def test_sort_order_newest_first_then_venue_title_file(tmp_path: Path) -> None:
    (tmp_path / "_list.yaml").write_text("title: L\nsections:\n- title: R\n  id: "
                                         "reconstruction\n", encoding="utf-8")
    specs = [("e", "Same", 2023, "MICCAI"), ("b", "Zeta", 2024, "CVPR"),
             ("a", "Alpha", 2024, "miccai"), ("d", "Same", 2023, "MICCAI"),
             ("c", "beta", 2024, "CVPR"), ("f", "Old", 2019, "AAAI")]
    for i, (name, title, year, venue) in enumerate(specs):
        (tmp_path / f"{name}.yaml").write_text(
            f"title: {title}\nauthors: [A]\nvenue: {venue}\nyear: {year}\n"
            f"url: https://example.org/{i}\ncategory: reconstruction\n", encoding="utf-8")
    # "Same" twice: duplicate titles are an error, so give the second a distinct one
    (tmp_path / "e.yaml").write_text((tmp_path / "e.yaml").read_text().replace(
        "title: Same", "title: Same (2)"), encoding="utf-8")
    plist = check_dir(tmp_path)
    [(_, entries)] = plist.grouped()
    assert [e.key for e in entries] == ["c", "b", "a", "d", "e", "f"]
    assert sorted(plist.entries, key=sort_key) == entries


def test_sort_ties_fall_back_to_file_name() -> None:
    p = Paper(title="T", authors=("A",), venue="V", year=2024, url="https://e.org",
              category="c")
    entries = [Entry("b", "b.yaml", p), Entry("a", "a.yaml", p)]
    assert [e.key for e in sorted(entries, key=sort_key)] == ["a", "b"]


def test_large_lists_split_over_two_processes_give_the_same_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked second process (lists of PARALLEL_MIN papers and more) changes nothing
    in the result: same records in the same order, same problems with the same lines."""
    import site_builder.checking as validate

    papers = tmp_path / "papers"
    shutil.copytree(FLAGSHIP, papers)
    (papers / "zz-broken.yaml").write_text("title: Broken\nyear: soon\n", encoding="utf-8")
    (papers / "aa-broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")

    def run(parallel: bool = True) -> list[str]:
        with pytest.raises(InvalidRecords) as err:
            validate.check_dir(papers, parallel=parallel)
        return [p.text() for p in err.value.problems]

    monkeypatch.setenv("SITE_BUILDER_JOBS", "1")
    sequential = run()
    monkeypatch.setenv("SITE_BUILDER_JOBS", "2")
    monkeypatch.setattr(validate, "PARALLEL_MIN", 2)
    import multiprocessing

    contexts: list[str] = []
    real_context = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context",
                        lambda method=None: contexts.append(method) or real_context(method))
    parallel = run()
    assert contexts == ["fork"]  # the second process was used
    assert run(parallel=False) == sequential  # what library callers (mkdocs serve) get
    assert contexts == ["fork"]  # ... without forking: the default is one process
    assert parallel == sequential and len(sequential) >= 3
    (papers / "zz-broken.yaml").unlink()
    (papers / "aa-broken.yaml").unlink()
    assert [e.key for e in validate.check_dir(papers).entries] == \
        [e.key for e in validate.check_dir(FLAGSHIP).entries]


def test_the_same_file_name_in_two_folders_is_refused(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    record = next(p for p in sorted(papers.glob("*.yaml")) if not p.name.startswith("_"))
    (papers / "more").mkdir()
    text = record.read_text(encoding="utf-8").replace("title: ", "title: Other ", 1)
    (papers / "more" / record.name).write_text(text, encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(papers)
    lines = [p.text() for p in err.value.problems]
    assert any(f"more/{record.name}: the file name {record.stem!r} is also used by" in line
               for line in lines), lines


@pytest.mark.parametrize(("order", "message"), [
    ("[guo2025-dinomaly, guo2025-dinomal]",
     "_list.yaml:{line}: sections.2.order.1: no paper file guo2025-dinomal.yaml — did you "
     "mean 'guo2025-dinomaly'? name a file of papers/ without .yaml, or delete the line"),
    ("[guo2025-dinomaly, guo2025-dinomaly]",
     "_list.yaml:{line}: sections.2.order.1: guo2025-dinomaly is named twice — delete one "
     "of the lines"),
])
def test_a_section_order_names_its_own_papers_once(list_copy: Path, order: str,
                                                   message: str) -> None:
    text = (list_copy / "_list.yaml").read_text(encoding="utf-8")
    text = text.replace("  id: reconstruction\n", f"  id: reconstruction\n  order: {order}\n")
    (list_copy / "_list.yaml").write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"  order: {order}") + 1
    with pytest.raises(InvalidRecords) as err:
        check_dir(Path("papers"))
    assert [p.text() for p in err.value.problems] == [
        "papers/" + message.format(line=line)]


def test_a_section_order_names_only_papers_listed_there(list_copy: Path) -> None:
    text = (list_copy / "_list.yaml").read_text(encoding="utf-8")
    other = next(p.stem for p in list_copy.glob("[a-z]*.yaml")
                 if "category: reconstruction" not in p.read_text(encoding="utf-8"))
    text = text.replace("  id: reconstruction\n", f"  id: reconstruction\n  order: [{other}]\n")
    (list_copy / "_list.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(Path("papers"))
    (problem,) = err.value.problems
    assert problem.message == f"{other} is not listed in section 'reconstruction'"


def test_a_list_may_make_authors_optional_but_not_the_entry_line(list_copy: Path) -> None:
    write_paper(list_copy, "anon", title="No Authors Here",
                url="https://example.org/anon")
    path = list_copy / "anon.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("authors:\n- Doe, Jane\n", ""),
                    encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(Path("papers"))
    assert [p.text() for p in err.value.problems] == [
        "papers/anon.yaml:1: authors: is missing — add the line 'authors: ...'"]
    info = list_copy / "_list.yaml"
    info.write_text(info.read_text(encoding="utf-8") + "optional: [authors]\n",
                    encoding="utf-8")
    (anon,) = [e.paper for e in check_dir(Path("papers")).entries if e.key == "anon"]
    assert anon.authors == ()


@pytest.mark.parametrize(("extra", "expected"), [
    ("optional: [authors, year]\n",
     "optional.1: 'year' cannot be made optional — a list may make optional: authors"),
    ("marks:\n- {id: x, symbol: '*', label: x, description: X}\n"
     "- {id: x, symbol: '+', label: y, description: Y}\n",
     "marks.1.id: mark 'x' is declared twice — give every mark its own id"),
    ("marks:\n- {id: x, symbol: '[a (b)]', label: x, description: X}\n",
     "marks.0.symbol: '[a (b)]' is not a mark symbol"),
    ("marks:\n- {id: x, symbol: '*', label: x, description: X, colour: red}\n",
     "marks.0.colour: 'red' is not a colour — write it as #rrggbb, e.g. '#7b1fa2'"),
])
def test_list_level_rules_of_the_family(list_copy: Path, extra: str, expected: str) -> None:
    info = list_copy / "_list.yaml"
    text = info.read_text(encoding="utf-8")
    text = text[: text.index("marks:")] if extra.startswith("marks") else text
    info.write_text(text + extra, encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(Path("papers"))
    assert any(expected in p.text() for p in err.value.problems), \
        [p.text() for p in err.value.problems]


def test_subsections_share_the_ids_and_anchors_of_the_list(list_copy: Path) -> None:
    info = list_copy / "_list.yaml"
    text = info.read_text(encoding="utf-8").replace(
        "  id: benchmarks\n",
        "  id: benchmarks\n  sections:\n  - title: Brain\n    id: brain\n    anchor: s4\n")
    info.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(Path("papers"))
    (problem,) = err.value.problems
    assert problem.field == "sections.4.sections.0.anchor"
    assert problem.message == "anchor 's4' is used twice (or is reserved)"
    info.write_text(text.replace("    anchor: s4\n", "    anchor: s5\n"), encoding="utf-8")
    plist = check_dir(Path("papers"))
    assert [s.id for s in plist.paper_sections()] == [
        "reconstruction", "vision-language-models", "benchmarks", "brain"]
    assert plist.info.section_numbers() == {"reconstruction": "1",
                                            "vision-language-models": "2",
                                            "benchmarks": "3", "brain": "3.1"}
