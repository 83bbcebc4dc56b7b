"""The GitHub side: workflows and issue forms are valid for GitHub, agree with the code,
and never paste untrusted event text into a shell script."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from site_builder import load
from site_builder.cli import build_parser
from site_builder.importers.issue_form import FORM_FIELDS, mark_option, parse_issue
from site_builder.model import ListInfo
from site_builder.records import check_info

ROOT = Path(__file__).resolve().parents[1]
GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
FORMS = [GITHUB / "ISSUE_TEMPLATE" / "add-paper.yml", GITHUB / "ISSUE_TEMPLATE" / "fix-paper.yml"]


def repo_list() -> ListInfo:
    """This repository's list-level file: the forms serve that list (its papers do not
    matter here)."""
    info, problems = check_info(load.read(ROOT / "papers" / "_list.yaml"))
    assert info is not None, problems
    return info


def load_yaml(path: Path) -> Any:
    # PyYAML reads the bare key `on:` as True; GitHub reads it as "on".
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def verbs() -> dict[str, Any]:
    return next(a for a in build_parser()._subparsers._group_actions).choices  # type: ignore


@pytest.mark.parametrize(("schema", "files"), [
    ("vendor.github-workflows", WORKFLOWS),
    ("vendor.github-issue-forms", FORMS),
    ("vendor.github-issue-config", [GITHUB / "ISSUE_TEMPLATE" / "config.yml"]),
])
def test_files_pass_github_s_schemas(schema: str, files: list[Path]) -> None:
    """check-jsonschema's vendored schemas: offline, and strict about unknown keys."""
    assert files and all(f.is_file() for f in files)
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           schema, *map(str, files)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_does_catch_a_mistake(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text((GITHUB / "workflows" / "pr.yml").read_text().replace("runs-on:",
                                                                           "runs_on:"))
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(bad)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "runs_on" in done.stdout


def test_the_add_paper_form_is_the_one_the_code_reads() -> None:
    form = load_yaml(FORMS[0])
    fields = [el for el in form["body"] if el["type"] != "markdown"]
    assert [(el["id"], el["attributes"]["label"], el["type"]) for el in fields] == \
        [(f.id, f.label, f.type) for f in FORM_FIELDS]
    for el, f in zip(fields, FORM_FIELDS, strict=True):
        assert el.get("validations", {}).get("required", False) == f.required, f.id
    (box,) = [el for el in fields if el["type"] == "checkboxes"]
    options = [mark_option(m) for m in repo_list().marks]
    assert [o["label"] for o in box["attributes"]["options"]] == options, (
        "update the Marks options of .github/ISSUE_TEMPLATE/add-paper.yml to: "
        + "; ".join(options))
    assert form["labels"] == ["add-paper"]


def test_the_category_options_are_the_list_s_section_ids() -> None:
    (dropdown,) = [el for el in load_yaml(FORMS[0])["body"] if el["type"] == "dropdown"]
    ids = [s.id for s in repo_list().paper_sections()]
    assert dropdown["attributes"]["options"] == ids, (
        "update the Category options of .github/ISSUE_TEMPLATE/add-paper.yml to: "
        + ", ".join(map(str, ids)))


def test_a_body_rendered_from_the_yaml_form_parses() -> None:
    """Render the form as GitHub does, from the YAML file's own labels and options."""
    answers = {"title": "A Study", "authors": "Doe, Jane", "venue": "ISBI", "year": "2024",
               "url": "https://example.org/a", "abstract": ""}
    parts = []
    for el in load_yaml(FORMS[0])["body"]:
        attrs = el["attributes"]
        if el["type"] == "markdown":
            continue
        if el["type"] == "dropdown":
            answer = attrs["options"][-1]
        elif el["type"] == "checkboxes":
            answer = "\n".join(f"- [X] {o['label']}" for o in attrs["options"])
        else:
            answer = answers.get(el["id"]) or "_No response_"
        parts.append(f"### {attrs['label']}\n\n{answer}")
    info = repo_list()
    section_ids = [s.id for s in info.paper_sections() if s.id]
    paper = parse_issue("\n\n".join(parts), section_ids, info=info)
    assert (paper.title, paper.category, paper.marks) == (
        "A Study", section_ids[-1], tuple(m.id for m in info.marks))


_EXPRESSION = re.compile(r"\$\{\{")
_UNTRUSTED = re.compile(r"github\.event\.(issue\.(title|body)|pull_request\.(title|body|head\.)"
                        r"|comment\.body|review\.body|head_commit\.|changes\.\w+\.from)|github\.head_ref")


def strings(node: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every string of a parsed workflow with the keys leading to it."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in strings(v, (*path, str(k)))]
    if isinstance(node, list):
        return [s for v in node for s in strings(v, path)]
    return [(path, node)] if isinstance(node, str) else []


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_is_pasted_into_a_script(path: Path) -> None:
    """Values reach scripts through env: only; `${{ }}` inside run: is how issue titles,
    bodies and branch names turn into shell commands."""
    workflow = load_yaml(path)
    for step in steps(workflow):
        script = step.get("run", "") + str(step.get("with", {}).get("script", ""))
        assert not _EXPRESSION.search(script), f"{path.name}: {step.get('name')}"
    for keys, value in strings(workflow):
        if _UNTRUSTED.search(value):
            assert "env" in keys, f"{path.name}: {'.'.join(keys)} uses untrusted text"


def test_the_untrusted_text_check_catches_a_hole() -> None:
    hole = {"steps": [{"with": {"title": "${{ github.event.issue.title }}"}},
                      {"env": {"BODY": "${{ github.event.issue.body }}"}}]}
    flagged = [keys for keys, value in strings(hole) if _UNTRUSTED.search(value)]
    assert flagged == [("steps", "with", "title"), ("steps", "env", "BODY")]


def test_the_issue_body_reaches_the_script_only_through_env() -> None:
    workflow = load_yaml(GITHUB / "workflows" / "from-issue.yml")
    (step,) = [s for s in steps(workflow) if "ISSUE_BODY" in s.get("env", {})]
    assert step["env"]["ISSUE_BODY"] == "${{ github.event.issue.body }}"
    assert '"$ISSUE_BODY"' in step["run"] and "from-issue" in step["run"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_commands_exist(path: Path) -> None:
    """Every `site-builder ...` line of a workflow parses with the real CLI."""
    commands = [m.group(0) for step in steps(load_yaml(path))
                for m in re.finditer(r"site-builder [^;|&\n]*", step.get("run", ""))]
    assert commands
    for command in commands:
        argv = shlex.split(command)[1:]
        args = build_parser().parse_args(argv)
        assert args.func, command


def test_permissions_are_minimal() -> None:
    pr = load_yaml(GITHUB / "workflows" / "pr.yml")
    assert pr["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in pr["jobs"].values())
    assert "secrets." not in (GITHUB / "workflows" / "pr.yml").read_text()
    checkout = next(s for s in steps(pr) if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0
    runs = " ".join(s.get("run", "") for s in steps(pr))
    assert "--changed-only" in runs and "--format github" in runs
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps(pr))

    main = load_yaml(GITHUB / "workflows" / "main.yml")
    assert main["permissions"] == {"contents": "read"}
    assert main["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert main["jobs"]["build"]["permissions"] == {"contents": "write"}
    assert main["concurrency"]["group"]
    uses = {s.get("uses", "").split("@")[0] for s in steps(main)}
    assert {"actions/configure-pages", "actions/upload-pages-artifact",
            "actions/deploy-pages"} <= uses


def test_pre_commit_hook_runs_an_existing_verb() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "site-builder-check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    program, verb, *rest = hook["entry"].split()
    assert program == "site-builder" and verb in verbs()
    build_parser().parse_args([verb, *rest])
    files = re.compile(hook["files"])
    assert files.search("papers/guo2025-x.yaml") and files.search("papers/_list.yml")
    assert not files.search("README.md")


def test_editor_schemas_map_to_the_right_files() -> None:
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text())["yaml.schemas"]
    assert all((ROOT / schema).is_file() for schema in settings)
    by_schema = {Path(k).name: v for k, v in settings.items()}
    names = [p.name for p in (ROOT / "papers").iterdir()]
    records = [n for n in names if not n.startswith("_")]
    assert records and all(any(fnmatch.fnmatchcase(f"papers/{n}", g)
                                for g in by_schema["paper.schema.json"]) for n in records)
    assert not any(fnmatch.fnmatchcase("papers/_list.yaml", g)
                   for g in by_schema["paper.schema.json"])
    assert by_schema["list.schema.json"] == ["papers/_list.yaml"]
