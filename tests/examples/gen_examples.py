#!/usr/bin/python3
"""Writes the bundled examples that `make demo` decodes.

hello-world.result is what Prefect 3.0.4+ writes for a flow that returns
"hello world" with the default result serializer: the bare serializer
output, base64.encodebytes(cloudpickle.dumps(value)), with no JSON
wrapper.  Handing that file to cloudpickle.load is the classic
"invalid literal for int() with base 10" failure.

Run: /usr/bin/python3 tests/examples/gen_examples.py
"""
import base64
import datetime
import decimal
import json
import os
import uuid

import cloudpickle

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def record(value):
    """A Prefect 3 ResultRecord as pydantic v2 writes it (compact JSON)."""
    meta = {"storage_key": "/home/ana/.prefect/storage/0f3c9d1e2b7a4c58",
            "expiration": None,
            "serializer": {"type": "pickle", "picklelib": "cloudpickle",
                           "picklelib_version": None},
            "prefect_version": "3.4.1", "storage_block_id": None}
    payload = base64.encodebytes(cloudpickle.dumps(value)).decode()
    return json.dumps({"metadata": meta, "result": payload},
                      separators=(",", ":")).encode()


def flow_run():
    """GET /api/flow_runs/{id} as a Prefect 3.4 server answers it for the
    demo home's cloudpickle flow result (prefect-home/storage/<key>): the
    state's data is only a reference to the file."""
    state = {
        "id": "d0000002-0000-4000-8000-000000000001",
        "type": "COMPLETED", "name": "Completed",
        "timestamp": "2026-11-29T04:26:45.012339Z", "message": None,
        "data": {"storage_key": "/home/ana/.prefect/storage/"
                                "6f1e0c2a9b7d4e3f8a1b2c3d4e5f6071",
                 "expiration": None,
                 "serializer": {"type": "pickle", "picklelib": "cloudpickle",
                                "picklelib_version": None},
                 "prefect_version": "3.4.1", "storage_block_id": None},
        "state_details": {"flow_run_id":
                          "d0000001-0000-4000-8000-000000000001",
                          "task_run_id": None}}
    run = {"id": "d0000001-0000-4000-8000-000000000001", "name": "demo-run",
           "state_id": state["id"], "state_type": "COMPLETED",
           "state_name": "Completed", "state": state}
    return json.dumps(run, separators=(",", ":")).encode() + b"\n"


def main():
    write("flow-run.json", flow_run())
    write("hello-world.result",
          base64.encodebytes(cloudpickle.dumps("hello world")))
    write("task-record.json", record({
        "rows": 3,
        "loaded_at": datetime.datetime(2026, 11, 29, 4, 45, 30, 123456,
                                       tzinfo=datetime.timezone.utc),
        "total": decimal.Decimal("1234.50"),
        "run": uuid.UUID("6f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"),
        "tags": {"daily"},
        "ratio": 0.1,
    }))


if __name__ == "__main__":
    main()
