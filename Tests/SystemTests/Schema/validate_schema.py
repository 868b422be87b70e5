"""Validates a JSON document (stdin) against a JSON Schema (argv[1]): the subset of draft
2020-12 that Docs/status.schema.json uses, with the standard library only, so the check
runs on any python3. A keyword it does not know is an error, never silently passed."""
import json
import re
import sys

KNOWN = {"$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
         "additionalProperties", "items", "minimum", "maximum", "pattern", "oneOf", "propertyNames",
         "minLength", "maxLength", "const", "enum"}
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def is_type(value, name):
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def errors(value, schema, root, path):
    unknown = set(schema) - KNOWN
    if unknown:
        yield f"{path}: schema keyword(s) not supported by this validator: {sorted(unknown)}"
        return
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        yield from errors(value, root["$defs"][ref[len("#/$defs/"):]], root, path)
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(is_type(value, n) for n in names):
            yield f"{path}: {value!r} is not of type {names}"
            return
    if "const" in schema and value != schema["const"]:
        yield f"{path}: {value!r} is not {schema['const']!r}"
    if "enum" in schema and value not in schema["enum"]:
        yield f"{path}: {value!r} is not one of {schema['enum']}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            yield f"{path}: {value} < {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            yield f"{path}: {value} > {schema['maximum']}"
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            yield f"{path}: {value!r} does not match {schema['pattern']}"
        if "minLength" in schema and len(value) < schema["minLength"]:
            yield f"{path}: {value!r} is too short"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            yield f"{path}: {value!r} is too long"
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not list(errors(value, s, root, path))]
        if len(matching) != 1:
            yield f"{path}: {value!r} matches {len(matching)} of oneOf, not exactly one"
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                yield f"{path}: missing {key!r}"
        for key, item in value.items():
            if "propertyNames" in schema:
                yield from errors(key, schema["propertyNames"], root, f"{path}.{key} (name)")
            if key in properties:
                yield from errors(item, properties[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                yield f"{path}: unexpected {key!r}"
            elif isinstance(schema.get("additionalProperties"), dict):
                yield from errors(item, schema["additionalProperties"], root, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            yield from errors(item, schema["items"], root, f"{path}[{i}]")


def main():
    schema = json.load(open(sys.argv[1]))
    found = list(errors(json.load(sys.stdin), schema, schema, "$"))
    for line in found:
        print(line, file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
