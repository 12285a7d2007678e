"""Record linkage on Splink's Spark backend, for lists too large for one machine.

Same model as :mod:`puente.locate.linkage` (the same prepared columns, comparisons, fixed m/u
probabilities, blocking rules and prior), so the same input gives the same pairs; only the
engine differs. The three DuckDB functions the comparisons use are written in Spark SQL here:
``list_intersect`` is ``array_intersect``, ``len`` of a list is ``size``, and
``jaro_winkler_similarity`` is ``jaro_winkler`` from the jar Splink ships (registered on the
session below).

The session: ``PUENTE_SPARK_MASTER`` (default ``local[2]``: this machine's cores), e.g.
``spark://host:7077`` or ``yarn`` for a cluster; ``PUENTE_SPARK_DRIVER_MEMORY`` (default 2g);
``PUENTE_SPARK_CONF`` extra ``key=value`` pairs separated by ``;``. See docs/scale.md.
"""

from __future__ import annotations

import copy
import logging
import os
import re
from typing import Any, Literal

import pandas as pd

from .linkage import REVIEW, _settings, prepare_frame

logger = logging.getLogger(__name__)

_SPARK_SQL = [
    (re.compile(r"\blen\(\s*list_intersect\(([^()]*)\)\s*\)"), r"size(array_intersect(\1))"),
    (re.compile(r"\blist_intersect\("), "array_intersect("),
    (re.compile(r"\bjaro_winkler_similarity\("), "jaro_winkler("),
]


def spark_sql(condition: str) -> str:
    """A comparison's DuckDB condition in Spark SQL."""
    for pattern, replacement in _SPARK_SQL:
        condition = pattern.sub(replacement, condition)
    return condition


def spark_settings(link_type: Literal["link_only", "link_and_dedupe", "dedupe_only"], prior: float) -> dict[str, Any]:
    """The DuckDB engine's settings as a Splink settings dictionary for Spark."""
    settings = copy.deepcopy(_settings(link_type, prior).create_settings_dict(sql_dialect_str="spark"))
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = spark_sql(level["sql_condition"])
    return settings


def spark_session(app_name: str = "puente-linkage") -> Any:
    """A Spark session with Splink's similarity jar; local unless PUENTE_SPARK_MASTER says otherwise."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (
        SparkSession.builder.appName(app_name)
        .master(os.environ.get("PUENTE_SPARK_MASTER", "local[2]"))
        .config("spark.driver.memory", os.environ.get("PUENTE_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", os.environ.get("PUENTE_SPARK_PARTITIONS", "4"))
        .config("spark.default.parallelism", os.environ.get("PUENTE_SPARK_PARTITIONS", "4"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
    )
    for pair in filter(None, os.environ.get("PUENTE_SPARK_CONF", "").split(";")):
        key, _, value = pair.partition("=")
        builder = builder.config(key.strip(), value.strip())
    return builder.getOrCreate()


def _for_spark(frame: pd.DataFrame) -> pd.DataFrame:
    """NaN (pandas' missing number) is not SQL NULL in Spark: make every missing value None."""
    return frame.astype(object).where(frame.notna(), None)


def link_frames_spark(left: pd.DataFrame, right: pd.DataFrame, threshold: float = REVIEW,
                      spark: Any = None) -> pd.DataFrame:
    """:func:`puente.locate.linkage.link_frames` on Spark: the same columns, the same pairs."""
    from splink import Linker, SparkAPI

    lp, rp = prepare_frame(left), prepare_frame(right)
    prior = 1.0 / max(len(lp), len(rp), 10_000)
    spark = spark or spark_session()
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    tables = [db_api.register(_for_spark(lp)), db_api.register(_for_spark(rp))]
    linker = Linker(tables, spark_settings("link_only", prior))
    logging.getLogger("splink").setLevel(logging.WARNING)
    pred = linker.inference.predict(threshold_match_probability=threshold)
    df = pred.as_pandas_dataframe()
    if df.empty:
        return pd.DataFrame(columns=["left_id", "right_id", "match_probability"])
    first = sorted(df["source_dataset_l"].astype(str).unique().tolist()
                   + df["source_dataset_r"].astype(str).unique().tolist())[0]
    flip = df["source_dataset_l"].astype(str) != first
    left_ids = df["unique_id_l"].where(~flip, df["unique_id_r"]).astype(str)
    right_ids = df["unique_id_r"].where(~flip, df["unique_id_l"]).astype(str)
    out = pd.DataFrame({"left_id": left_ids, "right_id": right_ids,
                        "match_probability": df["match_probability"].astype(float)})
    order = {v: i for i, v in enumerate(left["id"].astype(str))}
    out["_o"] = out["left_id"].map(order)
    out = out.sort_values(["_o", "match_probability", "right_id"], ascending=[True, False, True])
    return out.drop(columns="_o").reset_index(drop=True)
