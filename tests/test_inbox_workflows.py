"""The inbox's two workflows: the weekly report issue and ticked box → pull request.

``tests/test_github.py`` validates every workflow with check-jsonschema and checks that no
expression is pasted into a script; these tests check what the two inbox workflows must
do, and that the schema check and the injection rule do hold them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.test_github import _EXPRESSION, _UNTRUSTED, GITHUB, load_yaml, steps, strings

INBOX = GITHUB / "workflows" / "inbox.yml"
ACCEPT = GITHUB / "workflows" / "inbox-accept.yml"


def _run_scripts(workflow: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in steps(workflow))


def test_both_pass_github_s_workflow_schema() -> None:
    done = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                           "vendor.github-workflows", str(INBOX), str(ACCEPT)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def holes(workflow: dict[str, Any]) -> list[str]:
    """Where event text or any expression reaches a script other than through env:."""
    found = [f"run: {s.get('name')}" for s in steps(workflow)
             if _EXPRESSION.search(s.get("run", ""))]
    return found + [".".join(keys) for keys, value in strings(workflow)
                    if _UNTRUSTED.search(value) and keys[-2] != "env"]


def test_no_event_text_is_interpolated_into_a_script() -> None:
    for path in (INBOX, ACCEPT):
        assert holes(load_yaml(path)) == [], path.name
        assert "${{ github.event.issue.body }}" not in _run_scripts(load_yaml(path))


def test_the_injection_check_catches_the_body_in_a_script(tmp_path: Path) -> None:
    text = ACCEPT.read_text(encoding="utf-8")
    for variable, expression in [("$BODY_BEFORE", "${{ github.event.changes.body.from }}"),
                                 ("$ISSUE_BODY", "${{ github.event.issue.body }}")]:
        bad = tmp_path / "bad.yml"
        bad.write_text(text.replace(f'"{variable}"', f"'{expression}'"), encoding="utf-8")
        assert holes(load_yaml(bad)) == [
            "run: Turn the ticked boxes into records and dismissals", "jobs.accept.steps.run"]


def test_the_weekly_report_keeps_one_issue() -> None:
    workflow = load_yaml(INBOX)
    assert set(workflow["on"]) == {"schedule", "workflow_dispatch"}
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    assert job["env"]["SITE_BUILDER_CACHE_DIR"] == ".site-builder-cache"
    uses = [s.get("uses", "").split("@")[0] for s in steps(workflow)]
    assert "actions/cache/restore" in uses and "actions/cache/save" in uses
    cached = {s["with"]["path"] for s in steps(workflow) if "cache/" in s.get("uses", "")}
    assert cached == {".site-builder-cache"}
    script = _run_scripts(workflow)
    assert 'site-builder inbox -o "$RUNNER_TEMP/inbox.md"' in script
    assert "--label inbox" in script and "gh issue edit" in script and \
        "gh issue create" in script


def test_a_ticked_box_runs_only_for_editors_with_write_access() -> None:
    workflow = load_yaml(ACCEPT)
    assert workflow["on"] == {"issues": {"types": ["edited"]}}
    assert workflow["permissions"] == {"contents": "read"}
    (job,) = workflow["jobs"].values()
    assert "'inbox'" in job["if"] and "github.event.changes.body != null" in job["if"]
    assert "concurrency" not in workflow  # a queued run would be cancelled: ticks lost
    first, *rest = job["steps"]
    assert first["env"]["EDITOR_LOGIN"] == "${{ github.event.sender.login }}"
    assert "collaborators/$EDITOR_LOGIN/permission" in first["run"]
    assert "admin|maintain|write)" in first["run"]
    # Nothing is checked out, installed or run before the permission check says yes.
    for step in rest:
        condition = step.get("if", "")
        assert "steps.editor.outputs.ok == 'true'" in condition or \
            "steps.accept.outputs" in condition, step.get("name") or step.get("uses")


def test_the_ticked_boxes_become_a_pull_request() -> None:
    workflow = load_yaml(ACCEPT)
    (accept,) = [s for s in steps(workflow) if s.get("id") == "accept"]
    assert accept["env"] == {"ISSUE_BODY": "${{ github.event.issue.body }}",
                             "BODY_BEFORE": "${{ github.event.changes.body.from }}"}
    assert '"$ISSUE_BODY"' in accept["run"] and '"$BODY_BEFORE"' in accept["run"]
    assert "site-builder inbox-accept --body" in accept["run"] and "--before" in accept["run"]
    (pr,) = [s for s in steps(workflow) if s.get("uses", "").startswith(
        "peter-evans/create-pull-request")]
    assert pr["with"]["branch"] == \
        "inbox/issue-${{ github.event.issue.number }}-${{ github.run_id }}"
    assert pr["with"]["add-paths"] == "papers/*.yaml"  # the records and papers/_inbox.yaml
    assert pr["with"]["body-path"].endswith("/accepted.md")
