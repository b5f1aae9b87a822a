"""The conformance driver's write scenarios: Feast's SDK writing to a Featureflow server, and raw bodies built with
Feast's own pydantic request models. Each returns what it did; the scenario after it reads the rows back.

Frames arrive from scenarios.json as columns of JSON values and are typed the way a Feast user's pandas frame is:
the view's batch source timestamp columns as tz-aware datetimes, float32/int32 features as numpy float32/int32,
timestamp features as datetimes, and the strings "NaN", "Infinity", "-Infinity" in float features as those floats.
"""

import json
import math
from typing import Any, Dict, List

import numpy as np
import pandas as pd
import requests
from feast import FeatureStore, FeatureView
from feast.data_source import PushMode
from feast.feature_server import PushFeaturesRequest, WriteToFeatureStoreRequest
from feast.types import Array, Float32, Float64, Int32, UnixTimestamp

PUSH_MODES = {"online": PushMode.ONLINE, "offline": PushMode.OFFLINE, "online_and_offline": PushMode.ONLINE_AND_OFFLINE}
NON_FINITE = {"NaN", "Infinity", "-Infinity"}


def as_float(value: Any) -> Any:
    return float(value) if isinstance(value, str) and value in NON_FINITE else value


def as_datetime(value: Any) -> Any:
    return None if value is None else pd.Timestamp(value, tz="UTC") if isinstance(value, (int, float)) else pd.Timestamp(value)


def typed_column(values: List[Any], dtype: Any) -> Any:
    """One feature column as a user's pandas frame holds it."""
    if isinstance(dtype, Array):
        inner = dtype.base_type
        if inner in (Float32, Float64):
            return [None if v is None else [as_float(x) for x in v] for v in values]
        if inner == UnixTimestamp:
            return [None if v is None else [as_datetime(x) for x in v] for v in values]
        return values
    if dtype == Float32:
        return np.array([as_float(v) for v in values], dtype=np.float32)
    if dtype == Float64:
        return np.array([as_float(v) for v in values], dtype=np.float64)
    if dtype == Int32 and None not in values:
        return np.array(values, dtype=np.int32)
    if dtype == UnixTimestamp:
        return pd.to_datetime(pd.Series(values), utc=True)
    return values


def frame(view: FeatureView, columns: Dict[str, List[Any]]) -> pd.DataFrame:
    dtypes = {f.name: f.dtype for f in view.features}
    source = view.batch_source
    timestamps = {source.timestamp_field, source.created_timestamp_column} - {""}
    data: Dict[str, Any] = {}
    for name, values in columns.items():
        if name in timestamps:
            data[name] = pd.to_datetime(pd.Series(values), utc=True)
        elif name in dtypes:
            data[name] = typed_column(values, dtypes[name])
        else:
            data[name] = values
    return pd.DataFrame(data)


def push_source_view(objects: Dict[str, Any], push_source: str) -> FeatureView:
    """A view fed by the push source: they share its batch source, which types the frame."""
    return next(v for v in objects["views"].values() if v.stream_source is not None and v.stream_source.name == push_source)


def write_to_online_store(store: FeatureStore, objects: Dict[str, Any], args: Dict[str, Any]) -> Dict[str, Any]:
    """args: view, writes (frames, each one `store.write_to_online_store(view, df)` call, in order)."""
    view = objects["views"][args["view"]]
    for columns in args["writes"]:
        store.write_to_online_store(args["view"], frame(view, columns))
    return {"writes": len(args["writes"])}


def push(store: FeatureStore, objects: Dict[str, Any], args: Dict[str, Any]) -> Dict[str, Any]:
    """args: push_source, to (online by default), writes (frames, each one `store.push(...)` call, in order)."""
    view = push_source_view(objects, args["push_source"])
    for columns in args["writes"]:
        store.push(args["push_source"], frame(view, columns), to=PUSH_MODES[args.get("to", "online")])
    return {"writes": len(args["writes"])}


def untag(value: Any) -> Any:
    """{"float": "NaN"} -> float("nan"), anywhere in a body: JSON cannot carry the float itself."""
    if isinstance(value, dict):
        return float(value["float"]) if set(value) == {"float"} else {k: untag(v) for k, v in value.items()}
    if isinstance(value, list):
        return [untag(v) for v in value]
    return value


def has_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(has_non_finite(v) for v in value.values())
    if isinstance(value, list):
        return any(has_non_finite(v) for v in value)
    return False


def raw_request(store: FeatureStore, objects: Dict[str, Any], args: Dict[str, Any]) -> Dict[str, Any]:
    """args: endpoint (`push` | `write-to-online-store`), body. The body goes through Feast's own request model
    (PushFeaturesRequest / WriteToFeatureStoreRequest) and `model_dump()`, then out with `requests`: as `json=`
    when it is strict JSON, else as Python's `json.dumps` text (bare NaN / Infinity), which `json=` refuses."""
    model = PushFeaturesRequest if args["endpoint"] == "push" else WriteToFeatureStoreRequest
    body = model(**untag(args["body"])).model_dump()
    url = f"{store.config.online_store.path}/{args['endpoint']}"
    bare_tokens = has_non_finite(body)
    if bare_tokens:
        response = requests.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"}, timeout=60)
    else:
        response = requests.post(url, json=body, timeout=60)
    return {"sent": sorted(body.keys()), "bare_tokens": bare_tokens, "status": response.status_code, "answer": response.json()}
