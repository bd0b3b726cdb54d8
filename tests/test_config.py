"""engagement.yaml: valid files load into the typed model; every mistake is named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.config import ISO_4217, EngagementConfig, load_config
from helpers.errors import ConfigError

MINIMAL = {
    "client_name": "Maison Durand",
    "engagement_slug": "maison-durand",
    "currency": "EUR",
    "language": "fr",
    "period_start": "2023-01",
}


def write(root: Path, content: dict | str) -> Path:
    text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
    (root / "engagement.yaml").write_text(text, encoding="utf-8")
    return root


def with_data(tmp_path: Path, **source) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tx.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    return write(tmp_path, {**MINIMAL, "data": {"transactions": {"path": "data/tx.csv", **source}}})


def test_minimal_file_loads_with_documented_defaults(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    assert config.client_name == "Maison Durand"
    assert config.root == tmp_path.resolve()
    assert config.thresholds.abc == (0.80, 0.95)
    assert config.thresholds.bcg_growth == 0.10
    assert config.ltv.time_unit == "days"
    assert config.pipeline.framework == "BANT"
    assert config.data == {}


def test_data_source_paths_resolve_against_the_engagement(tmp_path):
    config = load_config(with_data(tmp_path, columns={"customer_id": "N° client"}))
    assert config.has("transactions")
    assert not config.has("journey")
    assert config.source_path("transactions") == (tmp_path / "data" / "tx.csv").resolve()
    assert config.input_files() == [(tmp_path / "data" / "tx.csv").resolve()]


def test_misspelled_key_is_named_with_a_suggestion(tmp_path):
    write(tmp_path, {**MINIMAL, "thresholds": {"bcg_grwoth": 0.2}})
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    message = str(err.value)
    assert "unknown key 'thresholds.bcg_grwoth'" in message
    assert 'did you mean "bcg_growth"?' in message


def test_misspelled_top_level_key(tmp_path):
    write(tmp_path, {**MINIMAL, "langage": "en"})
    with pytest.raises(ConfigError, match=r"unknown key 'langage'; did you mean \"language\"\?"):
        load_config(tmp_path)


def test_missing_file_names_the_key_and_the_path(tmp_path):
    write(tmp_path, {**MINIMAL, "data": {"transactions": {"path": "data/raw/nope.csv"}}})
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path)
    assert "file not found for data.transactions.path: data/raw/nope.csv" in str(err.value)


def test_unknown_source_and_unknown_canonical_column(tmp_path):
    write(tmp_path, {**MINIMAL, "data": {"transaction": {"path": "x.csv"}}})
    with pytest.raises(ConfigError, match="unknown data source 'transaction'; did you mean"):
        load_config(tmp_path, check_files=False)
    write(tmp_path, {**MINIMAL, "data": {"transactions": {"path": "x", "columns": {"amout": "M"}}}})
    with pytest.raises(ConfigError, match="'amout' is not a column of transactions; did you mean"):
        load_config(tmp_path, check_files=False)


def test_two_canonical_names_mapped_to_one_column(tmp_path):
    with_data(tmp_path, columns={"amount": "Montant", "margin": "Montant"})
    with pytest.raises(ConfigError, match='client column "Montant" is mapped twice'):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("engagement_slug", "../x", "not a valid slug"),
        ("engagement_slug", "Acme Corp!", "not a valid slug"),
        ("currency", "EURO", "'EURO' is not an ISO 4217 currency code; did you mean EUR?"),
        ("language", "de", "language"),
        ("period_start", "2023-13", "period_start must be a month YYYY-MM"),
        ("client_name", "", "client_name"),
    ],
)
def test_bad_values_are_refused(tmp_path, key, value, expected):
    write(tmp_path, {**MINIMAL, key: value})
    with pytest.raises(ConfigError, match=expected.replace("?", r"\?")):
        load_config(tmp_path)


def test_missing_required_key(tmp_path):
    content = {k: v for k, v in MINIMAL.items() if k != "period_start"}
    write(tmp_path, content)
    with pytest.raises(ConfigError, match="missing key 'period_start'"):
        load_config(tmp_path)


def test_invalid_yaml_and_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found; run the command inside an engagement"):
        load_config(tmp_path)
    write(tmp_path, "client_name: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_config(tmp_path)


def test_overrides_use_dotted_keys_and_are_validated(tmp_path):
    write(tmp_path, MINIMAL)
    config = load_config(tmp_path, overrides={"thresholds.bcg_growth": 0.15, "language": "en"})
    assert config.thresholds.bcg_growth == 0.15
    assert config.language == "en"
    with pytest.raises(ConfigError, match=r"unknown key 'thresholds\.nope'"):
        load_config(tmp_path, overrides={"thresholds.nope": 1})


def test_abc_thresholds_must_be_ordered(tmp_path):
    write(tmp_path, {**MINIMAL, "thresholds": {"abc": [0.95, 0.8]}})
    with pytest.raises(ConfigError, match="abc must be two shares"):
        load_config(tmp_path)


def test_parameters_are_json_ready_and_exclude_the_local_root(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    params = config.parameters()
    assert "root" not in params
    assert params["thresholds"]["abc"] == [0.8, 0.95]
    assert str(tmp_path) not in repr(params)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(ISO_4217)))
def test_every_iso_code_is_accepted(code):
    config = EngagementConfig.model_validate({**MINIMAL, "currency": code})
    assert config.currency == code
