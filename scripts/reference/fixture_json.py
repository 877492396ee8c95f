"""The JSON layout of the reference fixtures: one line per leaf object or list.

Shared by the fixture scripts so that every fixture written this way stays small but diffable
in the same layout.
"""
import json


def dumps(obj, indent=0, allow_nan=True):
    """JSON with one line per leaf object/list; allow_nan=False refuses NaN/Inf as json.dumps does."""
    pad = " " * indent

    def leaf(o):
        if isinstance(o, dict):
            return all(not isinstance(v, (dict, list)) or (isinstance(v, list) and leaf(v)) for v in o.values())
        if isinstance(o, list):
            return all(not isinstance(v, (dict, list)) for v in o)
        return True

    if leaf(obj) or not isinstance(obj, (dict, list)):
        return json.dumps(obj, ensure_ascii=False, allow_nan=allow_nan)
    inner = " " * (indent + 1)
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, indent + 1, allow_nan)}"
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [f"{inner}{dumps(v, indent + 1, allow_nan)}" for v in obj]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"
