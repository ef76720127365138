"""The column engine (Polars, scaled integers) and the row engine (the core, row by row) agree exactly."""

import pytest
from polars.testing import assert_frame_equal

from bench.generate_workbook import generate
from vbp.calc import engine
from vbp.calc.run import load
from vbp.core.rules import parse_rule_set
from vbp.presets import PRESETS, load_preset

# Every preset, and one that lets renewal (接续) batches retain (no preset does).
RULE_SETS = {
    **{preset: load_preset(preset) for preset in PRESETS},
    "shanxi-renewals-retain": parse_rule_set({**load_preset("shanxi").source, "renewal_retains": True}),
}


@pytest.fixture(scope="module", params=[3, 11])
def generated(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated") / f"seed{request.param}"
    generate(folder, rows=600, seed=request.param, hospitals=7, fmt="csv")
    inputs, _ = load(folder)
    return inputs


@pytest.mark.parametrize("name", list(RULE_SETS))
def test_both_engines_give_every_figure_identically(generated, name):
    rule_set = RULE_SETS[name]

    columns = engine.compute(generated, rule_set, engine="vectorized")
    rows = engine.compute(generated, rule_set, engine="rows")

    assert len(columns.rows) == 600
    assert_frame_equal(columns.rows, rows.rows, check_column_order=False, check_dtypes=False)  # both in input order
    pool_keys = ["row_id", "pool"]
    assert_frame_equal(
        columns.pools.sort(pool_keys), rows.pools.sort(pool_keys), check_column_order=False, check_dtypes=False
    )
    assert_frame_equal(columns.pools, rows.pools, check_column_order=False, check_dtypes=False)  # and in one order
    assert_frame_equal(
        columns.hospitals.sort("hospital"),
        rows.hospitals.sort("hospital"),
        check_column_order=False,
        check_dtypes=False,
    )


def test_generated_data_reaches_every_kind_of_row(generated):
    """The comparison above means something only if the data holds vetoes, renewals, surpluses and deficits."""
    frames = engine.compute(generated, load_preset("shanxi"), engine="rows")
    rows = frames.rows.with_columns(renewal=generated.products["renewal"])
    assert (rows["surplus"] > 0).any()
    assert (rows["surplus"] < 0).any()
    assert rows["vetoed"].any()
    assert (~rows["vetoed"]).any()
    renewal = rows.filter("renewal")
    assert renewal.height and (renewal["retention_ratio"] == 0).all()
    assert (renewal["surplus"] != 0).all()
    retaining = engine.compute(generated, RULE_SETS["shanxi-renewals-retain"], engine="rows").rows
    assert (retaining.filter(generated.products["renewal"])["retention_ratio"] > 0).any()
