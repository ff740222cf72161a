# prefect.jq - jq helpers for Prefect API data (prefect-result, issue 6).
#
#   import "prefect" as prefect;       (jq -L DIR, or installed in lib/jq)
#
# Everything here is plain jq and works under jq 1.6 and 1.7, except the
# helpers marked "prefect-jq", which call the native functions; under
# plain jq those fail with "... run this filter with prefect-jq".
module {"name": "prefect", "version": "0.1.0"};

include "prefect-native" {"search": "./"};

# ---- listings -----------------------------------------------------------

# The items of an API listing: an array (POST /flow_runs/filter), a page
# object ({"results": [...]}), or one object.
def items:
  if type == "array" then .[]
  elif type == "object" and (.results | type) == "array" then .results[]
  else . end;

# The ids of a listing's items (items that are strings are ids).
def ids: items | if type == "string" then . else .id end
         | select(type == "string");

# The state ids of a listing: a run's state_id (or its state's id), a
# state's own id.
def state_ids:
  items
  | if (.state_id | type) == "string" then .state_id
    elif (.state | type) == "object" then .state.id
    else .id end
  | select(type == "string");

# ---- states -------------------------------------------------------------

# A run's state, or the state itself.
def state_of: if type == "object" and (.state | type) == "object"
              then .state else . end;

# The data of a state or of a run's state.
def data_of: state_of | .data;

# What a state's `data` is (docs/prefect-results.md section 1), tested in
# the order Prefect's own reader uses:
#   "none"           null: no result (failed states: see .message)
#   "metadata"       3.0.2+ ResultRecordMetadata (storage_key, serializer)
#   "reference"      2.6-2.20 and 3.0.0-3.0.1 {"type": "reference"}
#   "literal"        2.x {"type": "literal", "value": ...}
#   "unknown"        2.15+ {"type": "unknown"}: a forced completion
#   "unpersisted"    2.9+ {"type": "unpersisted"}: never stored
#   "data_document"  2.0-2.5 {"encoding", "blob"}
#   "inline"         anything else: the value itself
def data_kind:
  if . == null then "none"
  elif type != "object" then "inline"
  elif has("storage_key") and .type != "reference" then "metadata"
  elif .type == "reference" then "reference"
  elif .type == "literal" then "literal"
  elif .type == "unknown" then "unknown"
  elif .type == "unpersisted" then "unpersisted"
  elif has("encoding") and has("blob") then "data_document"
  else "inline" end;

# The era that wrote a state's data: "A" (2.0-2.5), "B" (2.6-2.20),
# "C" (3.0.0-3.0.1), "D" (3.0.2+), or null when the data does not say.
def data_era:
  data_kind as $k
  | if $k == "metadata" then "D"
    elif $k == "reference" then
      (if has("serialize_to_none") or has("expiration") then "C" else "B" end)
    elif $k == "literal" or $k == "unknown" or $k == "unpersisted" then "B"
    elif $k == "data_document" then "A"
    else null end;

# Where a state's result lives: {storage_key, storage_block_id,
# serializer} for metadata and references (era A: the blob's key and
# filesystem document), else null.
def data_location:
  data_kind as $k
  | if $k == "metadata" or $k == "reference" then
      {storage_key, storage_block_id,
       serializer: (.serializer // (if .serializer_type
                                    then {type: .serializer_type}
                                    else null end))}
    elif $k == "data_document" then
      (.blob | fromjson? // {})
      | {storage_key: .key, storage_block_id: .filesystem_document_id,
         serializer: null}
    else null end;

# One line about a state (or a run's state), e.g. for tables.
def summary:
  state_of
  | {id, type, name, timestamp,
     data_kind: (.data | data_kind), era: (.data | data_era),
     storage_key: (.data | data_location | .storage_key?)};

# ---- values -------------------------------------------------------------

# Prefect's JSON serializer wraps values JSON cannot hold in
# {"__class__": "mod.Qual", "data": ...}; this keeps only the data, at
# every depth (what prefect-jq's plain mode prints).
def unwrap:
  walk(if type == "object" and (keys == ["__class__", "data"])
       then .data else . end);

# A cell for @tsv/@csv: scalars as they are, arrays and objects as JSON.
def cell: if type == "array" or type == "object" then tojson else . end;

# The column names of records: every key, in order of first appearance.
def columns:
  reduce (.[] | select(type == "object") | keys_unsorted[]) as $k
    ([]; if any(.[]; . == $k) then . else . + [$k] end);

# Records as rows ready for @tsv or @csv: a header row, then one array of
# cells per record.  Also takes pandas' split form ({"columns", "data"}).
def rows($cols):
  ($cols | map(tostring)),
  (.[] | . as $r | [$cols[] as $c | $r[$c] | cell]);
def rows:
  if type == "object" and (.columns | type) == "array"
     and (.data | type) == "array" then
    (.columns | map(tostring)), (.data[] | map(cell))
  else
    columns as $c | rows($c)
  end;

# ---- prefect-jq only ------------------------------------------------------

# For each item of a listing (runs, states or ids): {id, type, value}
# or {id, type, error}; one failure does not stop the others.
def results:
  items
  | (if type == "string" then {id: ., type: null}
     else {id, type: (state_of | .type)} end)
    + (try {value: prefect_result} catch {error: .});

# {id: value} for a listing; items whose result fails are left out.
def values_by_id:
  reduce (results | select(has("value"))) as $r ({}; .[$r.id] = $r.value);
