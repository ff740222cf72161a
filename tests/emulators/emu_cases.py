"""emu_cases.py - what the emulator suites' make_cases.py share.

Out makes OUT/api (data for tests/lib/prefect_api.py) from the e2e cases
(tests/e2e/gen_cases.py): a copy of their api data, to which block
documents and states are added whose results live in an emulator; and
the rows of OUT/cases.tsv: name, state id, expected ("OK" + expect file,
or "ERR code regex"), environment (K=V;K=V or -).  A suite subclasses it
for where the bytes go (upload) and its default bucket or container.
"""
import json
import os
import shutil
import uuid


class Out:
    bucket = None           # the default bucket (Azure: container)

    def __init__(self, src, out, ns):
        """src: the e2e cases; out: OUT (made anew); ns: the uuid5
        namespace of the ids made here (one per suite)."""
        self.src, self.out, self.ns = src, out, ns
        self.api = os.path.join(out, "api")
        self.rows = []
        with open(os.path.join(src, "cases.json"), encoding="utf-8") as f:
            self.cases = {c["name"]: c for c in json.load(f)}
        if os.path.exists(out):
            shutil.rmtree(out)
        shutil.copytree(os.path.join(src, "api"), self.api)
        os.makedirs(os.path.join(self.api, "block_documents"),
                    exist_ok=True)

    def uid(self, *parts):
        return str(uuid.uuid5(self.ns, "/".join(parts)))

    def write(self, path, data):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path, mode, **({} if mode == "wb"
                                 else {"encoding": "utf-8"})) as f:
            f.write(data)

    def block(self, name, slug, data, refs=None):
        uid = self.uid
        bid = uid("block", name)
        doc = {"id": bid, "name": name, "data": data,
               "block_schema_id": uid("schema", slug),
               "block_schema": {"id": uid("schema", slug), "fields": {
                   "secret_fields": []}},
               "block_type_id": uid("type", slug),
               "block_type_name": slug,
               "block_type": {"id": uid("type", slug), "name": slug,
                              "slug": slug},
               "block_document_references": refs or {},
               "is_anonymous": False}
        self.write(os.path.join(self.api, "block_documents", bid + ".json"),
                   json.dumps(doc, ensure_ascii=False))
        return bid

    def upload(self, bucket, obj, data):
        raise NotImplementedError

    def state(self, name, src_case, block_id, key, obj=None, bucket=None,
              expect=None, env="-"):
        """A state like src_case's whose result is `key` in block_id;
        the bytes go to bucket/obj (self.bucket when bucket is None;
        nowhere when obj is None)."""
        c = self.cases[src_case]
        with open(os.path.join(self.src, "api", c["state_kind"],
                               c["state_id"] + ".json"), "rb") as f:
            st = json.loads(f.read())
        sid = self.uid("state", name)
        st["id"] = sid
        st["data"]["storage_key"] = key
        st["data"]["storage_block_id"] = block_id
        self.write(os.path.join(self.api, c["state_kind"], sid + ".json"),
                   json.dumps(st, ensure_ascii=False))
        if obj is not None:
            with open(c["file"], "rb") as f:
                self.upload(self.bucket if bucket is None else bucket, obj,
                            f.read())
        if expect is None:
            expect = "OK " + os.path.join(self.src, "expect",
                                          src_case + ".plain")
        self.rows.append([name, sid, expect, env])

    def write_rows(self):
        """OUT/cases.tsv."""
        with open(os.path.join(self.out, "cases.tsv"), "w",
                  encoding="utf-8") as f:
            for r in self.rows:
                f.write("\t".join(r) + "\n")
