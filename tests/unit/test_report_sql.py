"""Each report's SQL file is valid BigQuery SQL, uses only the parameters REPORTS declares for it, reads
only the history tables, and reads every one of them for the asked workspace alone."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from shared.history.reports import REPORTS, STANDARD_PARAMETERS, Report
from shared.history.tables import history_tables

FOLDER = Path(__file__).parents[2] / "shared" / "history" / "reports"


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
