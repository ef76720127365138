"""The shared SQL's exact arithmetic: ratios rounded half-up once, money summed in fen."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from vbp.monitor.figures import compute, connect, statements


@pytest.fixture
def sql():
    connection = connect()
    connection.execute(
        "CREATE TABLE orders (order_no VARCHAR, hospital VARCHAR, batch VARCHAR, generic VARCHAR, winning BOOLEAN,"
        " distributor VARCHAR, offline BOOLEAN, quantity BIGINT, amount DECIMAL(18,2), ordered DATE, delivered DATE,"
        " received DATE, received_amount DECIMAL(18,2), paid DATE)"
    )
    connection.execute(
        "CREATE TABLE agreements"
        " (hospital VARCHAR, batch VARCHAR, generic VARCHAR, agreed BIGINT, starts DATE, ends DATE)"
    )
    connection.execute(
        "CREATE TABLE reports (hospital VARCHAR, batch VARCHAR, generic VARCHAR, reported BIGINT, last_year BIGINT)"
    )
    connection.execute("CREATE TABLE previous_orders AS SELECT * FROM orders LIMIT 0")
    compute(connection, datetime.date(2024, 6, 30))
    return connection


@pytest.mark.parametrize(
    ("n", "d", "expected"),
    [
        ("1", "20000", "0.0001"),  # 0.00005: half rounds up
        ("-1", "20000", "-0.0001"),  # and away from zero below it
        ("3", "80000", "0.0000"),  # 0.0000375
        ("1", "3", "0.3333"),
        ("2", "3", "0.6667"),
        ("0", "7", "0.0000"),
        ("1000.50", "1500.50", "0.6668"),  # 0.66677…: amounts in fen are made whole before dividing
        ("0.01", "0.03", "0.3333"),
        ("99999999999999.99", "0.01", "9999999999999999.0000"),
    ],
)
def test_ratio_is_exact_and_half_up(sql, n, d, expected):
    (value,) = sql.execute(f"SELECT ratio(CAST({n} AS DECIMAL(18,2)), CAST({d} AS DECIMAL(18,2)))").fetchall()[0]
    assert value == Decimal(expected)


def test_ratio_of_nothing_is_empty(sql):
    assert sql.execute("SELECT ratio(5, 0)").fetchall() == [(None,)]


def test_money_sums_stay_exact(sql):
    """A million lines of 0.01 yuan received sum to 10,000.00 exactly, not a float's 9999.999…"""
    sql.execute(
        "INSERT INTO orders SELECT 'L' || i, 'H1', 'B', 'G', true, 'D', false, 1, 0.01, DATE '2024-01-01',"
        " NULL, DATE '2024-01-02', 0.01, DATE '2024-01-03' FROM range(1000000) t(i)"
    )
    assert sql.execute("SELECT received_total, paid_in_30, paid_in_30_rate FROM payments").fetchall() == [
        (Decimal("10000.00"), Decimal("10000.00"), Decimal("1.0000"))
    ]


def test_statements_are_named_and_ordered():
    names = [name for name, _ in statements()]
    assert names[:2] == ["setup", "ratio"]
    assert {"lines", "progress", "report_check", "late_payments", "payments", "delivery", "platform"} <= set(names)
