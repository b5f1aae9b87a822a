"""Feast's own Python SDK against a Featureflow server: the conformance driver.

Builds a Feast repo in a fresh folder from a Featureflow repo file (featureflow.json): feature_store.yaml with
`provider: local`, a local registry file, `online_store: {type: remote, path: <server>}` and the `file` offline
store; one Feast Entity, FeatureView and FeatureService per Featureflow one, with the same names and dtypes. Then
`store.apply(...)` and the scenarios, each through Feast's public API exactly as a user calls it. Prints one JSON
object, scenario name -> result (or {"error": {"type", "message"}}), on stdout.

    python feast_driver.py --repo featureflow.json --server http://127.0.0.1:6566 --scenarios scenarios.json

scenarios.json: a list of {"name": ..., "kind": ..., "args": {...}}, run in order (a write, then a read of what it
wrote). Kinds: `get_online_features`
(args: features | feature_service, entity_rows, full_feature_names, include_feature_view_version_metadata), and the
write kinds of feast_writes.py: `write_to_online_store`, `push` (Feast's SDK writing) and `raw_request` (bodies
built with Feast's own pydantic request models, posted with `requests`).
"""

import argparse
import base64
import json
import math
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Dict, List

import feast_writes  # this folder: the write scenarios

from feast import Entity, FeatureService, FeatureStore, FeatureView, Field, FileSource, PushSource, ValueType
from feast.types import Array, Bool, Bytes, Float32, Float64, Int32, Int64, String, UnixTimestamp

SCALARS = {
    "int32": Int32,
    "int64": Int64,
    "float32": Float32,
    "float64": Float64,
    "string": String,
    "bool": Bool,
    "bytes": Bytes,
    "timestamp": UnixTimestamp,
}
VALUE_TYPES = {
    "int32": ValueType.INT32,
    "int64": ValueType.INT64,
    "string": ValueType.STRING,
    "bool": ValueType.BOOL,
    "bytes": ValueType.BYTES,
}


def feast_dtype(dtype: str):
    return Array(SCALARS[dtype[:-2]]) if dtype.endswith("[]") else SCALARS[dtype]


def write_feature_store_yaml(folder: Path, project: str, server: str) -> None:
    (folder / "feature_store.yaml").write_text(
        "\n".join(
            [
                f"project: {project}",
                "provider: local",
                f"registry: {folder / 'registry.db'}",
                "online_store:",
                "  type: remote",
                f"  path: {server}",
                "offline_store:",
                "  type: file",
                "entity_key_serialization_version: 3",
                "",
            ]
        )
    )


def feast_sources(repo: Dict[str, Any], repo_dir: Path) -> Dict[str, Any]:
    """A FileSource per file source (paths as the server resolves them) and a PushSource per push source.

    Feast reads a pushed frame's timestamps under its batch source's timestamp_field / created_timestamp_column,
    where Featureflow reads them under the push source's names: the fixture gives both the same names.
    """
    out: Dict[str, Any] = {}
    for s in repo["sources"]:
        if s["type"] == "file":
            out[s["name"]] = FileSource(
                name=s["name"],
                path=str(repo_dir / s["path"]),
                timestamp_field=s.get("timestampField", "event_timestamp"),
                created_timestamp_column=s.get("createdTimestampField", ""),
            )
    for s in repo["sources"]:
        if s["type"] == "push":
            out[s["name"]] = PushSource(name=s["name"], batch_source=out[s["batchSource"]])
    return out


def feast_objects(repo: Dict[str, Any], repo_dir: Path) -> Dict[str, Any]:
    """Entities, views and services mirroring the Featureflow repo (names, join keys, dtypes, TTLs, services)."""
    # A Feast Entity has one join key; a Featureflow entity with several has no Feast counterpart.
    entities = {
        e["name"]: Entity(
            name=e["name"],
            join_keys=e["joinKeys"][:1],
            value_type=VALUE_TYPES.get(e.get("valueType", ""), ValueType.UNKNOWN),
        )
        for e in repo["entities"]
    }
    key_types = {e["joinKeys"][0]: e.get("valueType", "string") for e in repo["entities"]}
    sources = feast_sources(repo, repo_dir)
    views = {}
    for v in repo["featureViews"]:
        view_entities = [entities[name] for name in v["entities"]]
        key_fields = [Field(name=e.join_key, dtype=feast_dtype(key_types[e.join_key])) for e in view_entities]
        views[v["name"]] = FeatureView(
            name=v["name"],
            entities=view_entities,
            ttl=timedelta(seconds=int(v.get("ttl", 0))),  # the fixture gives TTLs in seconds
            schema=key_fields + [Field(name=f["name"], dtype=feast_dtype(f["dtype"])) for f in v["schema"]],
            source=sources[v["source"]],
            online=v.get("online", True),
        )
    services = {
        s["name"]: FeatureService(name=s["name"], features=[views[view][names] for view, names in s["features"].items()])
        for s in repo.get("featureServices", [])
    }
    return {"entities": entities, "views": views, "services": services}


def tag(value: Any) -> Any:
    """A value of OnlineResponse.to_dict() as JSON, keeping what JSON cannot say (bytes, datetimes, NaN) visible."""
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": str(value)}
    if isinstance(value, list):
        return [tag(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return tag(value.item())
    return value


def type_name(value: Any) -> str:
    if isinstance(value, list):
        inner = sorted({type_name(v) for v in value})
        return f"list[{'|'.join(inner)}]"
    return type(value).__name__


def get_online_features(store: FeatureStore, objects: Dict[str, Any], args: Dict[str, Any]) -> Dict[str, Any]:
    features = objects["services"][args["feature_service"]] if "feature_service" in args else args["features"]
    response = store.get_online_features(
        features=features,
        entity_rows=args["entity_rows"],
        full_feature_names=args.get("full_feature_names", False),
        include_feature_view_version_metadata=args.get("include_feature_view_version_metadata", False),
    )
    as_dict = response.to_dict()
    df = response.to_df()
    metadata = response.proto.metadata
    return {
        "columns": list(as_dict.keys()),
        "values": {name: tag(values) for name, values in as_dict.items()},
        "types": {name: [type_name(v) for v in values] for name, values in as_dict.items()},
        "statuses": [[int(s) for s in result.statuses] for result in response.proto.results],
        "feature_view_metadata": [{"name": m.name, "version": m.version} for m in metadata.feature_view_metadata],
        "df_columns": [str(c) for c in df.columns],
        "df_rows": len(df.index),
    }


SCENARIOS: Dict[str, Callable[[FeatureStore, Dict[str, Any], Dict[str, Any]], Dict[str, Any]]] = {
    "get_online_features": get_online_features,
    "write_to_online_store": feast_writes.write_to_online_store,
    "push": feast_writes.push,
    "raw_request": feast_writes.raw_request,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="the Featureflow repo file (featureflow.json)")
    parser.add_argument("--server", required=True, help="the Featureflow server, e.g. http://127.0.0.1:6566")
    parser.add_argument("--scenarios", required=True, help="a JSON file: [{name, kind, args}]")
    options = parser.parse_args()
    repo = json.loads(Path(options.repo).read_text())
    scenarios: List[Dict[str, Any]] = json.loads(Path(options.scenarios).read_text())
    with tempfile.TemporaryDirectory(prefix="feast-conformance-") as tmp:
        folder = Path(tmp)
        write_feature_store_yaml(folder, repo["project"], options.server)
        objects = feast_objects(repo, Path(options.repo).resolve().parent)
        store = FeatureStore(repo_path=str(folder))
        store.apply(
            [*objects["entities"].values(), *objects["views"].values(), *objects["services"].values()]
        )
        results: Dict[str, Any] = {}
        for scenario in scenarios:
            try:
                results[scenario["name"]] = SCENARIOS[scenario["kind"]](store, objects, scenario.get("args", {}))
            except Exception as err:  # each scenario reports its own failure; the others still run
                results[scenario["name"]] = {"error": {"type": type(err).__name__, "message": str(err)}}
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
