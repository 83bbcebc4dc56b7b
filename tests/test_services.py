"""The metadata services against local servers: parsing, politeness, failures."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import socket
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from site_builder import __version__
from site_builder.errors import SiteBuilderError, UsageError
from site_builder.services import (
    MANUAL_HINT,
    NotFound,
    Offline,
    ServiceError,
    arxiv,
    crossref,
    venues,
)
from site_builder.services.http import Client, retry_after, user_agent
from tests.conftest import FakeTime

FIXTURES = Path(__file__).parent / "fixtures" / "services"





def client(srv: HTTPServer, fake: FakeTime, path: str = "/api", **kw: object) -> Client:
    agent = user_agent("me@example.org", "https://github.com/example/list")
    return Client("arXiv", srv.url_for(path), agent=agent,
                  clock=fake.clock, sleep=fake.sleep, **kw)  # type: ignore[arg-type]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- identifiers ----------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2403.09303", "2403.09303"),
    ("2403.09303v2", "2403.09303"),
    ("arXiv:2403.09303", "2403.09303"),
    ("0704.0001", "0704.0001"),
    ("hep-th/9901001", "hep-th/9901001"),
    ("hep-th/9901001v3", "hep-th/9901001"),
    ("math.GT/0309136", "math.GT/0309136"),
    ("https://arxiv.org/abs/2403.09303", "2403.09303"),
    ("https://arxiv.org/abs/2403.09303v2", "2403.09303"),
    ("https://arxiv.org/pdf/2403.09303v2.pdf", "2403.09303"),
    ("http://arxiv.org/pdf/2403.09303", "2403.09303"),
    ("https://export.arxiv.org/abs/hep-th/9901001v1", "hep-th/9901001"),
    ("https://arxiv.org/html/2403.09303v1#S3", "2403.09303"),
    ("10.48550/arXiv.2403.09303", "2403.09303"),
    ("https://doi.org/10.48550/arXiv.2403.09303", "2403.09303"),
])
def test_arxiv_ids_in_every_form(text: str, expected: str) -> None:
    assert arxiv.parse_id(text) == expected


@pytest.mark.parametrize("junk", ["junk", "2403.093", "24030.9303", "2403-09303",
                                  "https://example.org/abs/2403.09303", "", "hep-th/99010",
                                  "https://arxiv.org/list/cs.CV/recent"])
def test_arxiv_junk_is_a_usage_error(junk: str) -> None:
    with pytest.raises(UsageError, match="is not an arXiv id"):
        arxiv.parse_id(junk)


@pytest.mark.parametrize(("text", "expected"), [
    ("10.1109/CVPR52734.2025.01234", "10.1109/CVPR52734.2025.01234"),
    ("doi:10.1016/j.media.2024.103200", "10.1016/j.media.2024.103200"),
    ("https://doi.org/10.1007/978-3-031-72120-5_12", "10.1007/978-3-031-72120-5_12"),
    ("http://dx.doi.org/10.1007/978-3-031-72120-5_12", "10.1007/978-3-031-72120-5_12"),
    ("https://doi.org/10.1007%2F978-3-031-72120-5_12", "10.1007/978-3-031-72120-5_12"),
    ("https://link.springer.com/chapter/10.1007/978-3-031-72120-5_12",
     "10.1007/978-3-031-72120-5_12"),
    ("https://dl.acm.org/doi/abs/10.1145/3581783.3612345", "10.1145/3581783.3612345"),
])
def test_dois_in_every_form(text: str, expected: str) -> None:
    assert crossref.parse_doi(text) == expected


@pytest.mark.parametrize("junk", ["junk", "10.12/x", "https://openaccess.thecvf.com/a.html"])
def test_doi_junk_is_a_usage_error(junk: str) -> None:
    with pytest.raises(UsageError, match="is not a DOI"):
        crossref.parse_doi(junk)


@pytest.mark.parametrize(("name", "expected"), [
    ("Jia Guo", "Guo, Jia"),
    ("Cosmin I. Bercea", "Bercea, Cosmin I."),
    ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
    ("Juan de la Cruz", "de la Cruz, Juan"),
    ("John Smith Jr.", "Smith Jr., John"),
    ("Plato", "Plato"),
    ("  Anna\n  Müller ", "Müller, Anna"),
])
def test_family_first(name: str, expected: str) -> None:
    assert arxiv.family_first(name) == expected


# --- venues ---------------------------------------------------------------------------

@pytest.mark.parametrize(("names", "expected"), [
    (["2025 IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)"], "CVPR"),
    (["2023 IEEE/CVF International Conference on Computer Vision (ICCV)"], "ICCV"),
    (["Lecture Notes in Computer Science", "International Conference on Medical Image "
      "Computing and Computer-Assisted Intervention"], "MICCAI"),
    (["Medical Image Computing and Computer Assisted Intervention – MICCAI 2024",
      "Lecture Notes in Computer Science"], "MICCAI"),
    (["Computer Vision – ECCV 2024"], "ECCV"),
    (["IEEE Transactions on Medical Imaging"], "TMI"),
    (["Medical Image Analysis"], "MedIA"),
    (["IEEE Transactions on Pattern Analysis and Machine Intelligence"], "TPAMI"),
    (["Pattern Recognition"], "PR"),
    (["Nature Communications"], "Nature Communications"),
    (["Neurocomputing"], "Neurocomputing"),
    (["Information Fusion"], "Inf. Fusion"),
    (["Proceedings of the AAAI Conference on Artificial Intelligence"], "AAAI"),
    (["2024 IEEE International Symposium on Biomedical Imaging (ISBI)"], "ISBI"),
    (["Medical Image Analysis 95 (2024) 103200"], "MedIA"),
    (["Accepted at MICCAI 2024"], "MICCAI"),
    (["Advances in Neural Information Processing Systems 36"], "NeurIPS"),
    (["Pattern Recognition Letters"], None),
    (["Journal of Imaginary Results"], None),
])
def test_short_venue(names: list[str], expected: str | None) -> None:
    assert venues.short_venue(names) == expected


def test_venue_name_falls_back_to_the_printed_name_but_never_a_book_series() -> None:
    assert venues.venue_name(["Lecture Notes in Computer Science", "Some Workshop"]) == \
        "Some Workshop"
    assert venues.venue_name(["Lecture Notes in Computer Science"]) is None


# --- arXiv ----------------------------------------------------------------------------

def test_arxiv_entry_is_parsed_with_whitespace_collapsed(server: HTTPServer) -> None:
    server.expect_request("/api", query_string={"id_list": "2407.01234", "max_results": "1"}
                          ).respond_with_data((FIXTURES / "arxiv_entry.xml").read_bytes(),
                                              content_type="application/atom+xml")
    entry = arxiv.fetch(client(server, FakeTime()), "2407.01234")
    assert entry.arxiv == "2407.01234"
    assert entry.title == "Masked Diffusion Priors for Unsupervised Anomaly Segmentation in " \
        "Brain MRI"
    assert entry.authors == ("Müller, Anna", "van Beethoven, Ludwig", "Zhang, Wei")
    assert entry.published == dt.date(2024, 7, 1)
    assert entry.summary.startswith("Unsupervised anomaly detection in brain MRI learns")
    assert "\n" not in entry.summary and "  " not in entry.summary
    assert "scans & localise" in entry.summary
    assert entry.doi == "10.1007/978-3-031-72120-5_12"
    assert entry.journal_ref == "MICCAI 2024, LNCS 15011"


def test_arxiv_error_feed_raises_with_its_message(server: HTTPServer) -> None:
    server.expect_request("/api").respond_with_data(
        (FIXTURES / "arxiv_error.xml").read_bytes(), content_type="application/atom+xml")
    with pytest.raises(NotFound, match=r"incorrect id format for 1234\.56789"):
        arxiv.fetch(client(server, FakeTime()), "1234.56789")


def test_arxiv_empty_feed_is_asked_twice_then_not_found(server: HTTPServer) -> None:
    server.expect_request("/api").respond_with_data(
        (FIXTURES / "arxiv_empty.xml").read_bytes(), content_type="application/atom+xml")
    fake = FakeTime()
    with pytest.raises(NotFound, match=r"arXiv has no paper 2407\.99999"):
        arxiv.fetch(client(server, fake, min_interval=arxiv.MIN_INTERVAL), "2407.99999")
    assert len(server.log) == 2
    assert fake.sleeps == [3.0]  # the second request waited for arXiv's 3 s pacing


def test_arxiv_empty_feed_then_entry_succeeds(server: HTTPServer) -> None:
    server.expect_ordered_request("/api").respond_with_data(
        (FIXTURES / "arxiv_empty.xml").read_bytes())
    server.expect_ordered_request("/api").respond_with_data(
        (FIXTURES / "arxiv_entry.xml").read_bytes())
    entry = arxiv.fetch(client(server, FakeTime()), "2407.01234")
    assert entry.arxiv == "2407.01234"
    assert len(server.log) == 2


def test_arxiv_answer_that_is_not_xml(server: HTTPServer) -> None:
    server.expect_request("/api").respond_with_data("<html>maintenance", status=200)
    with pytest.raises(ServiceError, match="not Atom XML"):
        arxiv.fetch(client(server, FakeTime()), "2407.01234")


# --- Crossref -------------------------------------------------------------------------

def test_crossref_work_with_jats_abstract(server: HTTPServer) -> None:
    server.expect_request("/works/10.1109/cvpr52734.2025.00999").respond_with_data(
        (FIXTURES / "crossref_cvpr.json").read_bytes(), content_type="application/json")
    work = crossref.fetch(client(server, FakeTime(), ""), "10.1109/cvpr52734.2025.00999")
    assert work.title == "Prompted Zero-Shot Anomaly Detection for Retinal OCT & Fundus Images"
    assert work.authors == ("Chen, Li", "García-López, María José", "Okonkwo")
    assert work.year == 2025
    assert work.kind == "proceedings-article"
    assert venues.venue_name(work.venues) == "CVPR"
    assert work.abstract == ("Zero-shot anomaly detection asks a model to find defects it has "
                             "never seen. We adapt vision–language prompts to retinal OCT & "
                             "fundus photographs and show that learned prompts outperform "
                             "hand-written ones on four datasets.")


def test_crossref_unknown_doi_is_not_found(server: HTTPServer) -> None:
    server.expect_request("/works/10.1234/nope").respond_with_data(
        "Resource not found.", status=404, content_type="text/plain")
    with pytest.raises(NotFound, match=r"Crossref has no record of DOI 10\.1234/nope"):
        crossref.fetch(client(server, FakeTime(), ""), "10.1234/nope")


def test_crossref_answer_that_is_not_json(server: HTTPServer) -> None:
    server.expect_request("/works/10.1234/x").respond_with_data("<html>oops</html>")
    with pytest.raises(ServiceError) as err:
        crossref.fetch(client(server, FakeTime(), ""), "10.1234/x")
    assert str(err.value) == ("Crossref sent an answer that is not JSON for DOI 10.1234/x — "
                              "try again later, " + MANUAL_HINT)


def test_crossref_year_falls_back_and_skips_empty_date_parts() -> None:
    work = crossref.parse_work({"title": ["T"], "issued": {"date-parts": [[None]]},
                                "published-online": {"date-parts": [[2023, 5]]}}, "10.1/x")
    assert work.year == 2023
    assert work.doi == "10.1/x"


# --- politeness -----------------------------------------------------------------------

def test_user_agent_names_the_tool_and_the_contact(server: HTTPServer) -> None:
    server.expect_request("/api").respond_with_data("ok")
    client(server, FakeTime()).get("")
    agent = server.log[0][0].headers["User-Agent"]
    assert agent.startswith("site-builder/")
    assert agent.endswith(" (+https://github.com/example/list; mailto:me@example.org)")
    assert user_agent(None) == f"site-builder/{__version__}"  # no project URL of its own
    assert user_agent("me@example.org").endswith(" (mailto:me@example.org)")


def test_429_retry_after_seconds_is_honoured(server: HTTPServer) -> None:
    server.expect_ordered_request("/api").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"})
    server.expect_ordered_request("/api").respond_with_data("ok")
    fake = FakeTime()
    response = client(server, fake).get("")
    assert response.text == "ok"
    assert len(server.log) == 2
    assert fake.sleeps == [7.0]


def test_retry_after_http_date_is_capped_at_60_seconds(server: HTTPServer) -> None:
    later = email.utils.format_datetime(dt.datetime.now(dt.timezone.utc) +
                                        dt.timedelta(hours=1), usegmt=True)
    server.expect_ordered_request("/api").respond_with_data(
        "busy", status=503, headers={"Retry-After": later})
    server.expect_ordered_request("/api").respond_with_data("ok")
    fake = FakeTime()
    assert client(server, fake).get("").text == "ok"
    assert fake.sleeps == [60.0]


def test_retry_after_parsing() -> None:
    now = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
    assert retry_after("5", now) == 5.0
    assert retry_after("3600", now) == 60.0
    assert retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now) == 30.0
    assert retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now) == 0.0
    assert retry_after("soon", now) is None
    assert retry_after(None, now) is None


def test_5xx_backs_off_and_gives_up_after_three_tries(server: HTTPServer) -> None:
    server.expect_request("/api").respond_with_data("down", status=502)
    fake = FakeTime()
    with pytest.raises(ServiceError, match=r"answered 502 .*\(3 tries\)") as err:
        client(server, fake).get("")
    assert len(server.log) == 3
    assert fake.sleeps == [2.0, 4.0]
    assert "\n" not in str(err.value)


def test_pacing_waits_between_requests_only_as_long_as_needed(server: HTTPServer) -> None:
    server.expect_request("/api").respond_with_data("ok")
    fake = FakeTime()
    paced = client(server, fake, min_interval=3.0)
    paced.get("")
    assert fake.sleeps == []
    fake.now += 1.0
    paced.get("")
    assert fake.sleeps == [2.0]
    fake.now += 10.0
    paced.get("")
    assert fake.sleeps == [2.0]


def test_slow_server_hits_the_timeout(server: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.5)
        return Response("late")

    server.expect_request("/api").respond_with_handler(slow)
    fake = FakeTime()
    started = time.monotonic()
    with pytest.raises(ServiceError, match=r"did not answer within 0.1 s \(2 tries\)"):
        client(server, fake, timeout=(1.0, 0.1), tries=2).get("")
    assert time.monotonic() - started < 1.0
    assert fake.sleeps == [2.0]


def test_connection_refused_is_offline_in_one_line() -> None:
    fake = FakeTime()
    refused = Client("Crossref", f"http://127.0.0.1:{closed_port()}", agent="t",
                     clock=fake.clock, sleep=fake.sleep)
    with pytest.raises(Offline) as err:
        refused.get("/works/10.1/x")
    message = str(err.value)
    assert message.startswith("cannot reach Crossref at 127.0.0.1:")
    assert "connection refused" in message and "--title" in message
    assert "\n" not in message
    assert fake.sleeps == []  # offline is not retried
    assert isinstance(err.value, SiteBuilderError) and err.value.exit_code == 2


def test_fixtures_are_what_they_claim() -> None:
    """Guard against a fixture edit silently weakening the tests above."""
    body = json.loads((FIXTURES / "crossref_cvpr.json").read_text(encoding="utf-8"))
    assert "<jats:p>" in body["message"]["abstract"]
    assert "Anomaly\n  Segmentation" in (FIXTURES / "arxiv_entry.xml").read_text("utf-8")
