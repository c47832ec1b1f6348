"""Barchart reports: jobs, their lifecycle, their links and the export files behind them.

The run posts its events into its private window (`ContractRun.window`), starts every job it
needs at once, then waits: against a real deployment the jobs run side by side, so the run waits
about as long as the slowest one, never more than `--job-timeout` for each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from schemathesis import Case, Response

from events_mock.contract.checks import barchart as rules
from events_mock.contract.checks import common
from events_mock.contract.clocks import wait_for_job
from events_mock.contract.flows import barchart
from events_mock.contract.run import ContractRun
from events_mock.contract.violations import ContractViolation

pytestmark = pytest.mark.api("barchart")
LINK_MINUTES = 15
writes = pytest.mark.writes


@dataclass
class Job:
    """One report job of this run, and everything the suite asked about it."""

    name: str
    sent: dict[str, Any]
    """The filter sent."""
    case: Case
    started: Response
    output: dict[str, Any] | None = None
    """The export options sent beside the filter, if any."""
    started_at: float = 0.0
    """When it was started, by the run's clock: its deadline counts from there."""
    early_link: tuple[Case, Response] | None = None
    status_after_early_link: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def source(self) -> str:
        body = _json(self.started)
        source = body.get("source") if isinstance(body, dict) else None
        if self.started.status_code != 200 or not isinstance(source, str):
            raise ContractViolation(
                "job_started", f"the {self.name} job could not be started", [self.started]
            )
        return source

    def wait(self, contract: ContractRun) -> list[dict[str, Any]]:
        if not self.history:
            source = self.source
            self.history = rules.finishes_in_time(
                contract.context,
                f"{self.name} ({source})",
                lambda: wait_for_job(
                    lambda: read_status(contract, source),
                    contract.clock,
                    contract.options.job_timeout,
                    started=self.started_at,
                ),
            )
        return self.history

    def link(self, contract: ContractRun) -> str:
        """A fresh link to the finished job's file."""
        self.wait(contract)
        response = contract.call(
            "getReportLink",
            path_parameters={"source": self.source},
            expect=200,
            why=f"the link to the finished {self.name} report",
        )
        return rules.link_is_download_url(contract.context, response)

    def download(self, contract: ContractRun) -> Response:
        """Ask for a link and follow it without credentials."""
        export = contract.download(self.link(contract))
        rules.downloads_without_credentials(contract.context, export)
        return export


def read_status(contract: ContractRun, source: str) -> dict[str, Any]:
    response = contract.call(
        "getReportAvailability",
        path_parameters={"source": source},
        expect=200,
        why=f"the status of job {source}",
    )
    return response.json()


@pytest.fixture(scope="session")
def posted(contract: ContractRun) -> list[dict[str, Any]]:
    """This run's events in its window, near misses around it; the events a report must hold."""
    inside, outside = barchart.report_events(contract.tag, contract.window)
    # Fixtures only set the scene; what the answers say is judged by the tests (the events
    # module judges POST /events), so one broken answer does not fail every report test.
    contract.send("createEvents", body={"events": inside + outside})
    # Refused as a whole, so its valid event must be absent from every report below.
    contract.send(
        "createEvents", body={"events": barchart.rejected_batch(contract.tag, contract.window)}
    )
    contract.send(
        "createEvents", body={"events": barchart.mismatched_batch(contract.tag, contract.window)}
    )
    return inside


@pytest.fixture(scope="session")
def jobs(contract: ContractRun, posted: list[dict[str, Any]]) -> dict[str, Job]:
    """Every job the tests need, started together; a link asked for before any can finish."""
    window = contract.window
    filters = {
        "window": barchart.report_filter(window),
        "typed": barchart.report_filter(
            window, types=[barchart.TYPED], start=str(window.start), end=str(window.end)
        ),
        # The export options where the vendor's JavaScript SDK sends them, and in the filter.
        "semicolon": barchart.report_filter(window),
        "comma-in-filter": barchart.report_filter(window, output={"delimiter": ","}),
        "backwards": barchart.report_filter(window, start=window.end, end=window.start),
        # A product asked for another product's types: no export can satisfy it.
        "foreign-types": barchart.report_filter(window, types=[barchart.FOREIGN_TYPE]),
        "to-time-out": barchart.report_filter(window),
        # No start: unbounded before the window (only old runs' events lie there; an open
        # end would take every real event, and time out).
        "open-start": {k: v for k, v in barchart.report_filter(window).items() if k != "start"},
    }
    # Where the file would be stored, which changes nothing about the link's file.
    bucket = {"bucketName": "contract-suite", "bucketKey": f"{contract.tag}/export.csv"}
    outputs = {"semicolon": {"delimiter": ";", **bucket}}
    started = {}
    for name, sent in filters.items():
        output = outputs.get(name)
        body = {"filter": sent} if output is None else {"filter": sent, "output": output}
        case, response = contract.send("startReport", body=body)
        started[name] = Job(
            name, sent, case, response, output=output, started_at=contract.clock.elapsed()
        )
    # Ended TIMEOUT at once where the target is an events-mock (its control plane), before
    # any wait lets it finish COMPLETE: a status never goes backwards.
    control = contract.control_url()
    timing_out = started["to-time-out"]
    if control is not None and timing_out.started.status_code == 200:
        contract.session.post(
            f"{control}/jobs/{timing_out.source}/status", json={"status": "TIMEOUT"}, timeout=30
        )
    window_job = started["window"]
    if window_job.started.status_code == 200:
        window_job.early_link = contract.send(
            "getReportLink", path_parameters={"source": window_job.source}
        )
        _, status = contract.send(
            "getReportAvailability", path_parameters={"source": window_job.source}
        )
        window_job.status_after_early_link = _json(status) or {}
    return started


@writes
def test_new_jobs_run_and_echo_their_filter(contract: ContractRun, jobs: dict[str, Job]) -> None:
    for name in ("window", "typed", "semicolon", "comma-in-filter"):
        job = jobs[name]
        contract.validate(
            job.case, job.started, expect=200, why=f"starting the {name} report ({job.sent})"
        )
        status = job.started.json()
        rules.job_started_running(contract.context, status, job.started)
        rules.filter_echoed(contract.context, job.sent, status, job.started, job.output)
        rules.timing_consistent(contract.context, status, job.started)


@writes
def test_job_finishes_once_and_stays_finished(contract: ContractRun, jobs: dict[str, Job]) -> None:
    job = jobs["window"]
    history = job.wait(contract)
    # Then later reads, to see the finished status hold.
    for pause in (1.0, contract.clock.max_step):
        contract.clock.pass_time(pause)
        history.append(read_status(contract, job.source))
    statuses = [status.get("status") for status in history]
    rules.status_moves_once(contract.context, statuses)
    started = job.started.json()
    record = rules.JobRecord(started.get("filter"), (started.get("timing") or {}).get("start"))
    for status in history:
        rules.job_unchanged(contract.context, record, status, job.started)
        rules.filter_echoed(contract.context, job.sent, status, job.started, job.output)
        rules.timing_consistent(contract.context, status, job.started)
    rules.job_completed(contract.context, statuses[-1], job.started)


@writes
def test_report_holds_exactly_the_runs_events(
    contract: ContractRun, jobs: dict[str, Job], posted: list[dict[str, Any]]
) -> None:
    export = jobs["window"].download(contract)
    rows = rules.export_delimited(
        contract.context, export, barchart.export_columns(barchart.PRODUCT)
    )
    expected = [barchart.export_row(event, barchart.PRODUCT) for event in posted]
    rules.export_exactly(contract.context, rows, expected, export)


@writes
def test_report_without_start_is_unbounded_before(
    contract: ContractRun, jobs: dict[str, Job], posted: list[dict[str, Any]]
) -> None:
    """It holds the window's events and the near miss just before it (older runs' events may
    be there too); a TIMEOUT is the service's right for a range that holds too many."""
    job = jobs["open-start"]
    if job.wait(contract)[-1].get("status") == "TIMEOUT":
        return
    export = job.download(contract)
    rows = rules.export_delimited(
        contract.context, export, barchart.export_columns(barchart.PRODUCT)
    )
    expected = [barchart.export_row(event, barchart.PRODUCT) for event in posted]
    before = barchart.just_before(contract.tag, contract.window)
    expected.append(barchart.export_row(before, barchart.PRODUCT))
    rules.export_includes(contract.context, rows, expected, export)


@writes
def test_new_link_can_be_asked_for_at_any_time(
    contract: ContractRun, jobs: dict[str, Job], posted: list[dict[str, Any]]
) -> None:
    job = jobs["window"]
    first, second = job.download(contract), job.download(contract)
    columns = barchart.export_columns(barchart.PRODUCT)
    rules.export_exactly(
        contract.context,
        rules.export_delimited(contract.context, second, columns),
        rules.export_delimited(contract.context, first, columns),
        second,
    )


@writes
def test_types_filter_and_times_sent_as_strings(
    contract: ContractRun, jobs: dict[str, Job], posted: list[dict[str, Any]]
) -> None:
    job = jobs["typed"]
    common.answered_with(
        contract.context, job.started, 200, "a filter with types and times as strings"
    )
    for status in job.wait(contract):
        rules.filter_echoed(contract.context, job.sent, status, job.started, job.output)
    export = job.download(contract)
    rows = rules.export_delimited(
        contract.context, export, barchart.export_columns(barchart.PRODUCT)
    )
    expected = [
        barchart.export_row(event, barchart.PRODUCT)
        for event in posted
        if event["type"] == barchart.TYPED
    ]
    rules.export_exactly(contract.context, rows, expected, export)


@writes
@pytest.mark.parametrize(
    "name,delimiter", [("semicolon", ";"), ("comma-in-filter", ",")], ids=["output", "filter"]
)
def test_delimiter_option(
    contract: ContractRun,
    jobs: dict[str, Job],
    posted: list[dict[str, Any]],
    name: str,
    delimiter: str,
) -> None:
    """The delimiter where the vendor's SDK sends it (`output`) and in `filter.output`."""
    job = jobs[name]
    for status in job.wait(contract):
        rules.filter_echoed(contract.context, job.sent, status, job.started, job.output)
    export = job.download(contract)
    rows = rules.export_delimited(
        contract.context, export, barchart.export_columns(barchart.PRODUCT), delimiter
    )
    expected = [barchart.export_row(event, barchart.PRODUCT) for event in posted]
    rules.export_exactly(contract.context, rows, expected, export)


@writes
def test_link_refused_while_running(contract: ContractRun, jobs: dict[str, Job]) -> None:
    job = jobs["window"]
    if job.early_link is None:
        raise ContractViolation(
            "job_started", "the window report could not be started", [job.started]
        )
        return
    case, early = job.early_link
    if early.status_code == 200 and job.status_after_early_link.get("status") == "COMPLETE":
        return  # a deployment fast enough to finish first; the link was right then
    contract.validate(case, early, received_earlier=True)
    rules.refused_with(
        contract.context, early, 409, rules.STILL_RUNNING, "a link asked for while the job runs"
    )


@writes
def test_job_that_cannot_succeed_gives_no_link(contract: ContractRun, jobs: dict[str, Job]) -> None:
    """A filter whose start is after its end: refused (400), or a job ending FAILED/TIMEOUT
    whose link is refused with EVENT_JOB_GET_FAILED, or at worst a COMPLETE empty export."""
    job = jobs["backwards"]
    if job.started.status_code == 400:
        return
    final = job.wait(contract)[-1].get("status")
    if final == "COMPLETE":
        export = job.download(contract)
        rows = rules.export_delimited(
            contract.context, export, barchart.export_columns(barchart.PRODUCT)
        )
        rules.export_exactly(contract.context, rows, [], export)
        return
    link = contract.call(
        "getReportLink",
        path_parameters={"source": job.source},
        expect=409,
        why=f"the link of a job that ended {final}",
    )
    rules.refused_with(
        contract.context, link, 409, rules.JOB_FAILED, f"the link of a job that ended {final}"
    )


def test_unknown_source_refused(contract: ContractRun) -> None:
    source = barchart.unknown_source()
    for operation in ("getReportAvailability", "getReportLink"):
        response = contract.call(operation, path_parameters={"source": source})
        rules.refused_with(
            contract.context, response, 404, rules.NO_JOB, f"{operation} of an unknown source"
        )
        overlong = contract.call(operation, path_parameters={"source": barchart.OVERLONG_SOURCE})
        rules.refused_with(
            contract.context,
            overlong,
            400,
            rules.INVALID,
            f"{operation} of a source of {len(barchart.OVERLONG_SOURCE)} characters",
        )


@writes
def test_filter_without_its_wrapper_is_refused(contract: ContractRun) -> None:
    """The guide's prose body (`{customer, product, ...}`, no `filter`): 400, no job."""
    response = contract.call("startReport", body=barchart.report_filter(contract.window))
    rules.refused_with(
        contract.context, response, 400, rules.INVALID, "a filter sent without its wrapper"
    )


@writes
def test_options_given_two_values_are_refused(contract: ContractRun) -> None:
    """Judged by `barchart_valid_requests_accepted`, as every answer is."""
    sent = barchart.report_filter(contract.window, output={"delimiter": ";"})
    contract.call("startReport", body={"filter": sent, "output": {"delimiter": ","}})


@writes
def test_report_no_export_can_satisfy_fails(contract: ContractRun, jobs: dict[str, Job]) -> None:
    job = jobs["foreign-types"]
    if job.started.status_code == 400:
        return  # refused up front: no job, no file, as good as FAILED
    history = job.wait(contract)
    rules.job_failed(contract.context, history[-1].get("status"), job.started)
    link = contract.call("getReportLink", path_parameters={"source": job.source})
    rules.refused_with(
        contract.context, link, 409, rules.JOB_FAILED, "the link of a job that ended FAILED"
    )


@writes
def test_link_grants_its_report_and_nothing_else(
    contract: ContractRun, jobs: dict[str, Job]
) -> None:
    """An earlier link stays good when a new one is issued; an altered one, or one report's
    file with another's token, downloads nothing."""
    window, typed = jobs["window"], jobs["typed"]
    earlier, later = window.link(contract), window.link(contract)
    columns = barchart.export_columns(barchart.PRODUCT)
    for url, why in ((earlier, "a link issued before the latest one"), (later, "the latest")):
        rules.link_still_valid(contract.context, why, contract.download(url))
    for kind, forged in barchart.altered_links(later):
        rules.forged_link_refused(contract.context, kind, contract.download(forged))
    mixed = barchart.mixed_link(later, typed.link(contract))
    if mixed is not None:
        rules.foreign_link_refused(
            contract.context,
            "the window report's file with the typed report's token",
            contract.download(mixed),
        )
    # The forgeries revoked nothing: the real link still downloads the file.
    rules.export_delimited(contract.context, contract.download(earlier), columns)


@writes
def test_job_that_timed_out_gives_no_link(contract: ContractRun, jobs: dict[str, Job]) -> None:
    """TIMEOUT cannot be caused on purpose; an events-mock's control plane ends a job so."""
    control = contract.control_url()
    if control is None:
        pytest.skip("not an events-mock: a job cannot be made to time out")
    job = jobs["to-time-out"]
    final = job.wait(contract)[-1].get("status")
    link = contract.call("getReportLink", path_parameters={"source": job.source})
    rules.refused_with(
        contract.context, link, 409, rules.JOB_FAILED, f"the link of a job that ended {final}"
    )


@writes
def test_link_is_good_for_15_minutes(contract: ContractRun, jobs: dict[str, Job]) -> None:
    """Moves the target's clock past 15 minutes: last in this module, after every job."""
    if contract.control_url() is None:
        pytest.skip("no clock control: a link's 15 minutes are not waited for in real time")
    window = jobs["window"]
    url = window.link(contract)
    contract.clock.pass_time(LINK_MINUTES * 60 - 1)
    rules.link_still_valid(
        contract.context, "a link a second before its 15 minutes end", contract.download(url)
    )
    fresh = window.link(contract)
    contract.clock.pass_time(2)
    rules.link_expires(contract.context, contract.download(url))
    rules.link_still_valid(
        contract.context,
        "a fresh link asked for 15 minutes after the first, 2 s later",
        contract.download(fresh),
    )


def _json(response: Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
