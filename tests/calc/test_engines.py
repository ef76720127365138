"""The column engine (Polars, scaled integers) and the row engine (the core, row by row) agree exactly."""

import pytest
from polars.testing import assert_frame_equal

from bench.generate_workbook import generate
from vbp.calc import engine
from vbp.calc.run import load
from vbp.presets import PRESETS, load_preset


@pytest.fixture(scope="module", params=[3, 11])
def generated(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated") / f"seed{request.param}"
    generate(folder, rows=600, seed=request.param, hospitals=7, fmt="csv")
    inputs, _ = load(folder)
    return inputs


@pytest.mark.parametrize("preset", list(PRESETS))
def test_both_engines_give_every_figure_identically(generated, preset):
    rule_set = load_preset(preset)

    columns = engine.compute(generated, rule_set, engine="vectorized")
    rows = engine.compute(generated, rule_set, engine="rows")

    assert len(columns.rows) == 600
    assert_frame_equal(columns.rows, rows.rows, check_column_order=False, check_dtypes=False)  # both in input order
    pool_keys = ["row_id", "pool"]
    assert_frame_equal(
        columns.pools.sort(pool_keys), rows.pools.sort(pool_keys), check_column_order=False, check_dtypes=False
    )
    assert_frame_equal(
        columns.hospitals.sort("hospital"),
        rows.hospitals.sort("hospital"),
        check_column_order=False,
        check_dtypes=False,
    )


def test_generated_data_reaches_every_kind_of_row(generated):
    """The comparison above means something only if the data holds vetoes, surpluses and deficits."""
    frames = engine.compute(generated, load_preset("shanxi"), engine="rows")
    rows = frames.rows
    assert (rows["surplus"] > 0).any()
    assert (rows["surplus"] < 0).any()
    assert rows["vetoed"].any()
    assert (~rows["vetoed"]).any()
