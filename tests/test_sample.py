"""The sample client: deterministic, realistic enough for every chapter, in client formats."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pandas.testing import assert_frame_equal

from helpers import sample
from helpers.config import load_config
from helpers.errors import DataWarning, InputError
from helpers.sample import client
from helpers.schema import INPUT_SOURCES, INPUTS_WORKBOOK, TABLES

START = pd.Timestamp("2023-01-01")
END = pd.Timestamp("2026-01-01")  # 36 months later, exclusive


# ---- fixtures -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return sample.generate()


@pytest.fixture(scope="module")
def tx(frames) -> pd.DataFrame:
    return frames["transactions"]


#: the written files are checked on a smaller client to keep the tests fast
WRITE_SCALE = 0.3


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("sample")
    return root, sample.write_sample(root, scale=WRITE_SCALE)


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _engagement(root: Path, data: dict) -> Path:
    config = {
        "client_name": "Maison Durand",
        "engagement_slug": "maison-durand",
        "period_start": "2023-01",
        "data": data,
    }
    (root / "engagement.yaml").write_text(
        yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return root


# ---- canonical columns --------------------------------------------------------------------
KIND_CHECKS = {
    "id": pd.api.types.is_string_dtype,
    "str": pd.api.types.is_string_dtype,
    "category": pd.api.types.is_string_dtype,
    "float": pd.api.types.is_numeric_dtype,
    "int": pd.api.types.is_integer_dtype,
    "date": pd.api.types.is_datetime64_any_dtype,
    "bool": pd.api.types.is_bool_dtype,
}


def _check_canonical(name: str, df: pd.DataFrame) -> None:
    """Every column of a sample table obeys its schema: name, kind, emptiness, range, set."""
    schema = TABLES[name]
    known = {c.name for c in schema.columns}
    missing = set(schema.required) - set(df.columns)
    assert not missing, f"{name}: missing {missing}"
    if not schema.allow_extra:
        assert set(df.columns) <= known, f"{name}: unknown {set(df.columns) - known}"
    for col in schema.columns:
        if col.name not in df.columns:
            continue
        values = df[col.name]
        if col.kind in ("float", "int", "date", "bool", "id") or values.notna().any():
            assert KIND_CHECKS[col.kind](values), f"{name}.{col.name}: {values.dtype}"
        if not col.allows_empty:
            assert values.notna().all(), f"{name}.{col.name} has empty values"
        present = values.dropna()
        if col.min is not None:
            assert (present >= col.min).all(), f"{name}.{col.name} below {col.min}"
        if col.max is not None:
            assert (present <= col.max).all(), f"{name}.{col.name} above {col.max}"
        if col.allowed is not None:
            assert set(present) <= set(col.allowed), f"{name}.{col.name}: {set(present)}"
    if schema.unique:
        assert not df.duplicated(list(schema.unique)).any(), f"{name}: duplicated {schema.unique}"


def test_every_table_is_canonical(frames):
    expected_raw = {"transactions", "customers", "journey", "opportunities"}
    assert expected_raw <= set(frames)
    assert set(INPUT_SOURCES) <= set(frames), set(INPUT_SOURCES) - set(frames)
    for name, df in frames.items():
        assert len(df) > 0, name
        _check_canonical(name, df)


# ---- transactions: the facts every chapter relies on --------------------------------------
def test_size_at_default_scale(frames, tx):
    assert len(frames["customers"]) == sample.CUSTOMERS_AT_SCALE_1
    assert 35_000 <= len(tx) <= 45_000
    assert set(tx.columns) == {c.name for c in TABLES["transactions"].columns}


def test_window_and_ids(frames, tx):
    assert tx["order_date"].min() >= START
    assert tx["order_date"].max() < END
    assert set(tx["customer_id"]) <= set(frames["customers"]["customer_id"])
    # ids keep their leading zeros: C000001 ... C002500
    assert frames["customers"]["customer_id"].iloc[0] == "C000001"
    assert tx["order_date"].is_monotonic_increasing


def test_seasonality_peaks_in_march_and_autumn_trough_in_august(tx):
    by_month = tx.groupby(tx["order_date"].dt.month)["amount"].sum()
    assert set(by_month.nlargest(3).index) == {3, 9, 10}
    assert by_month.idxmin() == 8
    assert by_month[8] < 0.6 * by_month.mean()


def test_growth_about_ten_percent_a_year(tx):
    by_year = tx.groupby(tx["order_date"].dt.year)["amount"].sum()
    assert list(by_year.index) == [2023, 2024, 2025]
    cagr = (by_year[2025] / by_year[2023]) ** 0.5 - 1
    assert 0.08 <= cagr <= 0.12
    assert (by_year.diff().dropna() > 0).all()


def test_pareto_top_fifth_of_customers_bring_70_to_80_percent(tx):
    revenue = tx.groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    top = revenue.iloc[: int(len(revenue) * 0.2)].sum() / revenue.sum()
    assert 0.70 <= top <= 0.80


def test_churn_many_customers_stop_buying(tx):
    last = tx[tx["amount"] > 0].groupby("customer_id")["order_date"].max()
    lapsed = (last < END - pd.Timedelta(days=365)).mean()
    assert 0.20 <= lapsed <= 0.60


def test_new_customers_keep_arriving(frames, tx):
    first = tx[tx["amount"] >= 0].groupby("customer_id")["order_date"].min()
    by_year = first[first >= START + pd.Timedelta(days=365)].dt.year.value_counts()
    assert by_year[2024] > 200 and by_year[2025] > 200
    # a new customer's first order is on its signup date
    customers = frames["customers"].set_index("customer_id")
    new = customers[customers["signup_date"] >= START]
    buyers = new.index.intersection(first.index)
    assert (first[buyers] == new.loc[buyers, "signup_date"]).all()


def test_refund_and_zero_lines_as_real_exports_have(tx):
    refunds = tx[tx["amount"] < 0]
    zeros = tx[tx["amount"] == 0]
    assert 0.003 <= len(refunds) / len(tx) <= 0.008
    assert 0.003 <= len(zeros) / len(tx) <= 0.008
    assert refunds["order_id"].str.startswith("AV-").all()
    assert tx.loc[tx["amount"] >= 0, "order_id"].str.startswith("CMD-").all()
    assert (refunds["quantity"] >= 1).all() and (refunds["discount"] == 0).all()
    assert (zeros["margin"] < 0).all()  # free goods still cost something


def test_mix_channels_regions_categories(tx):
    assert set(tx["channel"]) == set(client.CHANNELS)
    assert set(tx["region"]) == set(client.REGIONS)
    assert set(tx["category"]) == set(client.CATEGORIES)
    share = tx.groupby("channel")["amount"].sum() / tx["amount"].sum()
    assert share["field sales"] == share.max()  # key accounts buy through the sales force
    assert (share > 0.02).all()


def test_amounts_discounts_margins_are_consistent(tx):
    sales = tx[tx["amount"] > 0]
    assert np.allclose(sales["amount"], sales["amount"].round(2))
    assert (sales["discount"] < sales["amount"]).all()
    rate = sales["margin"].sum() / sales["amount"].sum()
    assert 0.15 <= rate <= 0.45
    assert (tx["quantity"] == tx["quantity"].round()).all()


def test_segments_differ_the_way_the_story_says(frames, tx):
    seg = frames["customers"].set_index("customer_id")["segment"]
    per_customer = tx.groupby("customer_id")["amount"].sum()
    mean_value = per_customer.groupby(seg.reindex(per_customer.index)).mean()
    assert mean_value.idxmax() == "Key account"
    assert mean_value.idxmin() == "Consumer"


# ---- customers and journey ----------------------------------------------------------------
def test_customers_table(frames):
    customers = frames["customers"]
    assert set(customers["segment"]) == set(client.SEGMENTS)
    assert 0.30 <= customers["nps"].isna().mean() <= 0.45
    assert customers["nps"].dropna().between(0, 10).all()
    existing = (customers["signup_date"] < START).mean()
    assert existing == pytest.approx(client.EXISTING_SHARE, abs=0.04)


def test_journey_funnel_narrows_and_maps_to_customers(frames, tx):
    journey = frames["journey"]
    counts = journey.groupby("stage")["contact_id"].nunique().reindex(client.JOURNEY_STAGES)
    assert counts.is_monotonic_decreasing and counts.iloc[-1] > 0
    buyers = journey.loc[journey["stage"] == "purchase", "contact_id"]
    assert set(buyers) <= set(frames["customers"]["customer_id"])
    assert set(journey.loc[journey["stage"] == "awareness", "contact_id"]).intersection(
        frames["customers"]["customer_id"]
    )
    # a purchase event is the customer's first order
    first = tx[tx["amount"] >= 0].groupby("customer_id")["order_date"].min()
    purchase = journey[journey["stage"] == "purchase"].set_index("contact_id")["event_date"]
    assert (purchase == first[purchase.index]).all()
    assert journey["event_date"].between(START, END - pd.Timedelta(days=1)).all()


def test_journey_has_a_friction_point_by_channel(frames):
    journey = frames["journey"]
    entry = journey[journey["stage"] == "awareness"].set_index("contact_id")["channel"]
    bought = set(journey.loc[journey["stage"] == "purchase", "contact_id"])
    conversion = entry.groupby(entry).apply(lambda s: s.index.isin(list(bought)).mean())
    assert conversion["referral"] > 2 * conversion["marketplace"]


# ---- determinism and independence ---------------------------------------------------------
def test_same_seed_same_frames_other_seed_other_frames(frames):
    again = sample.generate()
    for name in frames:
        assert_frame_equal(frames[name], again[name])
    other = sample.generate(seed=7, scale=0.2)
    assert (
        not other["transactions"]["amount"]
        .head(50)
        .equals(frames["transactions"]["amount"].head(50))
    )


def test_each_table_has_its_own_random_stream(tx):
    """Generating customers and journey (or not) does not change the transactions."""
    alone = sample._client_tables(
        seed=sample.DEFAULT_SEED,
        n_customers=sample.CUSTOMERS_AT_SCALE_1,
        start=sample.DEFAULT_START,
        months=sample.DEFAULT_MONTHS,
        journey=False,
    )["transactions"]
    assert_frame_equal(alone, tx)


def test_write_sample_is_byte_identical_for_a_seed(tmp_path):
    one = sample.write_sample(tmp_path / "one", scale=0.2)
    two = sample.write_sample(tmp_path / "two", scale=0.2)
    three = sample.write_sample(tmp_path / "three", scale=0.2, seed=7)
    assert one == two == three
    h1, h2, h3 = (_hashes(tmp_path / n) for n in ("one", "two", "three"))
    assert h1 == h2
    assert INPUTS_WORKBOOK in h1 and "data/raw/transactions.csv" in h1
    assert h3["data/raw/transactions.csv"] != h1["data/raw/transactions.csv"]


# ---- files in the client's formats --------------------------------------------------------
def test_transactions_file_is_a_french_excel_export(written):
    root, data = written
    raw = (root / data["transactions"]["path"]).read_bytes()
    header, first = raw.split(b"\r\n")[:2]
    assert header.decode("cp1252") == (
        "N° commande;N° client;Date de commande;Montant HT (€);Quantité;Remise;Marge;"
        "Canal;Région;Famille"
    )
    fields = first.decode("cp1252").split(";")
    assert fields[0].startswith("CMD-") and fields[1].startswith("C0")
    assert len(fields[2]) == 10 and fields[2][2] == "/" and fields[2][5] == "/"  # dd/mm/yyyy
    assert "," in fields[3] and "." not in fields[3]  # decimal comma
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")


def test_customers_file_is_utf8_with_bom_and_iso_dates(written):
    root, data = written
    raw = (root / data["customers"]["path"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header, first = raw[3:].decode("utf-8").splitlines()[:2]
    assert header == "Customer ID,Signup date,Segment,Region,Acquisition channel,NPS"
    assert first.split(",")[1][4] == "-"


def test_data_mapping_names_headers_that_exist(written):
    root, data = written
    assert set(data) >= {"transactions", "customers", "journey", "opportunities"}
    assert set(INPUT_SOURCES) <= set(data)
    for name, spec in data.items():
        path = root / spec["path"]
        assert path.exists(), name
        if path.suffix == ".csv":
            encoding = "cp1252" if name == "transactions" else "utf-8-sig"
            header = path.read_text(encoding=encoding).splitlines()[0]
            cols = header.split(";" if name == "transactions" else ",")
            assert set(spec.get("columns", {}).values()) <= set(cols), name
        else:
            assert spec == {"path": INPUTS_WORKBOOK}


def test_workbook_has_one_bold_frozen_sheet_per_input(written):
    root, _ = written
    wb = load_workbook(root / INPUTS_WORKBOOK)
    assert wb.sheetnames == [n for n in TABLES if n in INPUT_SOURCES]
    for name in wb.sheetnames:
        ws = wb[name]
        header = [c.value for c in ws[1]]
        assert set(TABLES[name].required) <= set(header)
        assert all(c.font.b for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.max_row > 1


def test_everything_loads_back_through_io(written):
    from helpers.io import load_source

    frames = sample.generate(scale=WRITE_SCALE)

    root, data = written
    config = load_config(_engagement(root, data))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = {name: load_source(config, name) for name in data}
    messages = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert any("negative amount" in m for m in messages)  # refunds are reported
    assert any("zero amount" in m for m in messages)
    for name in ("transactions", "customers", "journey"):
        got = loaded[name][list(frames[name].columns)]
        assert_frame_equal(got, frames[name], check_dtype=False)
    assert len(loaded["opportunities"]) == len(frames["opportunities"])
    for name in INPUT_SOURCES:
        assert len(loaded[name]) == len(frames[name]), name


def test_inputs_template_is_empty_documented_and_stable(tmp_path):
    one = sample.write_inputs_template(tmp_path / "a.xlsx")
    two = sample.write_inputs_template(tmp_path / "b.xlsx")
    assert one.read_bytes() == two.read_bytes()
    wb = load_workbook(one)
    assert wb.sheetnames == ["README", *INPUT_SOURCES]
    for name in INPUT_SOURCES:
        ws = wb[name]
        assert [c.value for c in ws[1]] == [c.name for c in TABLES[name].columns]
        assert ws.max_row == 1 and ws.freeze_panes == "A2"
    readme = pd.DataFrame(wb["README"].values)
    described = readme.iloc[1:, :2].dropna()
    swot_quadrant = described[(described[0] == "swot") & (described[1] == "quadrant")]
    assert len(swot_quadrant) == 1
    assert "strength" in str(readme.iloc[swot_quadrant.index[0], 4])


# ---- scale -------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [3_000, 20_000])
def test_transactions_reaches_the_requested_size(n):
    tx = sample.transactions(n_transactions=n)
    assert abs(len(tx) / n - 1) <= 0.10
    _check_canonical("transactions", tx)


def test_transactions_without_order_ids():
    tx = sample.transactions(n_transactions=5_000, order_ids=False)
    assert "order_id" not in tx.columns
    _check_canonical("transactions", tx)


def test_scale_grows_customers_linearly():
    small = sample.generate(scale=0.1)
    assert len(small["customers"]) == 250  # 2,500 x 0.1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"scale": 0}, "scale must be > 0"),
        ({"months": 0}, "months must be a whole number"),
        ({"start": "2023-13"}, "start must be a month"),
    ],
)
def test_bad_arguments_are_refused(kwargs, match):
    with pytest.raises(InputError, match=match):
        sample.generate(**kwargs)


def test_bad_size_is_refused():
    with pytest.raises(InputError, match="n_transactions must be a whole number"):
        sample.transactions(n_transactions=0)


# ---- hand-checked pieces ------------------------------------------------------------------
def test_calendar_of_36_months():
    cal = client.Calendar.build("2023-01", 36)
    # 2023: 365 days, 2024 (leap): 366, 2025: 365 -> 1,096 days
    assert cal.days == 1_096
    # intensities are normalised to a mean of 1 per day, so total mass = number of days
    assert cal.cumulative[-1] == pytest.approx(1_096)
    assert cal.acquisition_cumulative[-1] == pytest.approx(1.0)
    assert cal.to_datetime(np.array([0, 1_095]))[-1] == np.datetime64("2025-12-31")


def test_ids_are_zero_padded_text():
    assert list(client.customer_ids(3)) == ["C000001", "C000002", "C000003"]
    assert client.customer_ids(1_234_567)[-1] == "C1234567"  # widens past 6 digits
    assert list(client._numbered("AV-", 2, 6)) == ["AV-000001", "AV-000002"]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_customers=st.integers(1, 60),
    months=st.integers(1, 18),
)
def test_any_small_client_keeps_the_invariants(seed, n_customers, months):
    tables = sample._client_tables(
        seed=seed, n_customers=n_customers, start="2024-03", months=months
    )
    tx = tables["transactions"]
    end = pd.Timestamp("2024-03-01") + pd.DateOffset(months=months)
    for name, df in tables.items():
        if len(df):
            _check_canonical(name, df)
    assert ((tx["order_date"] >= "2024-03-01") & (tx["order_date"] < end)).all()
    assert (tx.loc[tx["amount"] < 0, "order_id"].str.startswith("AV-")).all()
    assert set(tx["customer_id"]) <= set(tables["customers"]["customer_id"])
    journey = tables["journey"]
    assert set(journey.loc[journey["stage"] == "purchase", "contact_id"]) <= set(tx["customer_id"])


# ---- the workshop text in the engagement's language -------------------------------------------
@pytest.fixture(scope="module")
def french():
    return sample.generate(scale=0.05, language="fr"), sample.generate(scale=0.05)


def test_french_workshop_text_is_complete_and_the_rest_identical(french):
    from helpers.sample.french import TEXT_COLUMNS, untranslated

    fr, en = french
    # every text of the sample workshop has its French version (the client name aside)
    assert untranslated(en) == ["", sample.DEFAULT_CLIENT]
    assert fr["swot"]["item"].iloc[0] == "Force de vente terrain reconnue par les grands comptes"
    for name, frame in en.items():
        other = fr[name]
        assert other.shape == frame.shape and list(other.columns) == list(frame.columns)
        text = set(TEXT_COLUMNS.get(name, ()))
        same = [c for c in frame.columns if c not in text]
        assert_frame_equal(other[same], frame[same], obj=name)  # ids, codes, numbers, dates
        for column in text & set(frame.columns):
            changed = frame[column].notna() & (frame[column] != other[column])
            assert changed.any(), f"{name}.{column} stayed English"


def test_french_sample_engagement_loads_back_through_io(tmp_path):
    from helpers.io import load_source

    root = sample.write_sample_engagement(tmp_path / "fr", language="fr", scale=0.05)
    config = load_config(root)
    assert config.language == "fr"
    swot = load_source(config, "swot")
    assert swot["item"].iloc[0] == "Force de vente terrain reconnue par les grands comptes"
    for name in INPUT_SOURCES:
        assert len(load_source(config, name)), name


def test_texts_with_numbers_from_the_data_are_translated_at_any_scale():
    from helpers.sample.french import french, untranslated

    assert untranslated(sample.generate(scale=0.3)) == ["", sample.DEFAULT_CLIENT]
    assert french("Raise orders by 53 % with self-service web ordering") == (
        "Augmenter les commandes de 53 % grâce à la commande en ligne en libre-service"
    )
