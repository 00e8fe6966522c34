"""Each report's SQL file is valid BigQuery SQL, uses only the parameters REPORTS declares for it, reads
only the history tables, and reads every one of them for the asked workspace alone. What several reports
share is written once, in a prelude (reports/preludes/), and no report file repeats it."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from shared.history.reports import PRELUDE_FOLDER, REPORTS, STANDARD_PARAMETERS, Report, prelude_ctes
from shared.history.tables import history_tables

FOLDER = Path(__file__).parents[2] / "shared" / "history" / "reports"
PRELUDES = sorted(path.stem for path in PRELUDE_FOLDER.glob("*.sql"))


def parsed(report: Report) -> exp.Expression:
    return sqlglot.parse_one(report.sql, read="bigquery", error_level=ErrorLevel.RAISE)


def history_table_reads(statement: exp.Expression) -> list[exp.Table]:
    ctes = {cte.alias for cte in statement.find_all(exp.CTE)}
    return [t for t in statement.find_all(exp.Table) if t.name not in ctes]


def test_every_sql_file_is_a_report_and_every_report_has_its_file() -> None:
    assert sorted(p.name for p in FOLDER.glob("*.sql")) == sorted(r.file for r in REPORTS.values())
    assert all(name == report.name for name, report in REPORTS.items())


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_the_sql_is_one_valid_bigquery_query_explained_in_its_header(name: str) -> None:
    report = REPORTS[name]

    statements = sqlglot.parse(report.sql, read="bigquery", error_level=ErrorLevel.RAISE)

    assert len(statements) == 1
    assert isinstance(statements[0], exp.Query)
    assert report.sql.startswith("-- ")
    assert "Parameters:" in report.sql and "Columns:" in report.sql


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_parameter_used_is_declared_and_every_declared_one_is_used(name: str) -> None:
    report = REPORTS[name]

    used = {parameter.name for parameter in parsed(report).find_all(exp.Parameter)}

    assert used == set(STANDARD_PARAMETERS) | set(report.parameters)
    assert set(report.defaults) <= set(report.parameters)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_only_history_tables_are_read_by_their_bare_names(name: str) -> None:
    tables = history_table_reads(parsed(REPORTS[name]))

    assert tables
    assert {t.name for t in tables} <= set(history_tables())
    assert all(not t.db and not t.catalog for t in tables)  # the warehouse's dataset, whichever it is


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_read_of_a_history_table_is_filtered_by_the_workspace(name: str) -> None:
    for table in history_table_reads(parsed(REPORTS[name])):
        select = table.find_ancestor(exp.Select)
        where = select.args.get("where") if select is not None else None
        assert where is not None, f"{name}: {table.sql()} is read without a WHERE"
        alias = table.alias_or_name
        filters = [
            eq for eq in where.find_all(exp.EQ)
            if isinstance(eq.left, exp.Column) and eq.left.name == "workspace_id" and eq.left.table in ("", alias)
            and isinstance(eq.right, exp.Parameter) and eq.right.name == "workspace_id"
        ]
        assert filters, f"{name}: {table.sql()} is not filtered by workspace_id = @workspace_id"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_the_sql_transpiles_to_duckdb_without_unsupported_constructs(name: str) -> None:
    parsed(REPORTS[name]).sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE)


# --- the preludes: what several reports share, written once ---------------------------------------------------

def own_query(report: Report) -> exp.Expression:
    """The report's own file, parsed alone: the preludes' CTEs read as if they were tables."""
    return sqlglot.parse_one(report.path.read_text(encoding="utf-8"), read="bigquery", error_level=ErrorLevel.RAISE)


def as_query(prelude: str) -> exp.Query:
    return sqlglot.parse_one(f"WITH {prelude_ctes(prelude)} SELECT 1", read="bigquery", error_level=ErrorLevel.RAISE)


def defined_by(prelude: str) -> set[str]:
    return {cte.alias for cte in as_query(prelude).ctes}


def preludes_read(statement: exp.Expression) -> set[str]:
    """The preludes whose CTEs ``statement`` reads as tables (the CTEs it defines itself aside)."""
    own = {cte.alias for cte in statement.find_all(exp.CTE)}
    read = {table.name for table in statement.find_all(exp.Table)} - own
    return {prelude for prelude in PRELUDES if read & defined_by(prelude)}


# This many SQL lines in a row, the same in a report and a prelude, are a copy (the window's filter, four
# lines, is every report's idiom, not the shared block).
RUN = 5


def code_lines(text: str) -> list[str]:
    """The lines that are SQL, not comments or blanks, without their indentation."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("--")]


def test_there_are_preludes_and_each_is_a_list_of_ctes_some_report_builds_on() -> None:
    assert PRELUDES
    for prelude in PRELUDES:
        assert defined_by(prelude), f"{prelude} defines no CTE"
        assert any(prelude in report.preludes for report in REPORTS.values()), f"no report names {prelude}"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_a_report_names_exactly_the_preludes_it_reads_each_after_those_it_builds_on(name: str) -> None:
    report = REPORTS[name]
    needed = preludes_read(own_query(report))
    while True:  # and the preludes those build on
        wider = needed | {under for prelude in needed for under in preludes_read(as_query(prelude))}
        if wider == needed:
            break
        needed = wider

    assert set(report.preludes) == needed
    assert len(report.preludes) == len(needed)
    for position, prelude in enumerate(report.preludes):
        assert preludes_read(as_query(prelude)) <= set(report.preludes[:position]), f"{prelude} comes too early"
        assert f"preludes/{prelude}.sql" in report.path.read_text(encoding="utf-8"), f"{name}'s header"


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_no_report_file_repeats_what_a_prelude_defines(name: str) -> None:
    report = REPORTS[name]
    text = report.path.read_text(encoding="utf-8")
    own_ctes = {cte.alias for cte in own_query(report).find_all(exp.CTE)}
    own_lines = code_lines(text)
    runs = {tuple(own_lines[i:i + RUN]) for i in range(len(own_lines) - RUN + 1)}

    for prelude in PRELUDES:
        assert not own_ctes & defined_by(prelude), f"{name} defines {prelude}'s {own_ctes & defined_by(prelude)}"
        shared_lines = code_lines(prelude_ctes(prelude))
        copied = [shared_lines[i:i + RUN] for i in range(len(shared_lines) - RUN + 1)
                  if tuple(shared_lines[i:i + RUN]) in runs]
        assert not copied, f"{name} repeats lines of the prelude {prelude}: {copied[0]}"


@pytest.mark.parametrize("name", sorted(report for report in REPORTS if REPORTS[report].preludes))
def test_the_query_run_is_the_preludes_ctes_then_the_report_as_written(name: str) -> None:
    report = REPORTS[name]
    own = own_query(report)

    whole = parsed(report)

    shared = [cte.alias for prelude in report.preludes for cte in as_query(prelude).ctes]
    assert [cte.alias for cte in whole.ctes] == shared + [cte.alias for cte in own.ctes]
    assert [cte.sql("bigquery") for cte in whole.ctes[len(shared):]] == [cte.sql("bigquery") for cte in own.ctes]
    assert without_with(whole) == without_with(own)


def without_with(statement: exp.Expression) -> str:
    bare = statement.copy()
    with_clause = bare.find(exp.With)
    if with_clause is not None and with_clause.parent is bare:
        with_clause.pop()
    return bare.sql(dialect="bigquery", comments=False)
