/**
 * Request-body parsing and validation against upstream's exact words. Every expected message below
 * was produced by upstream's own code path (json.loads of the decoded body, then jsonschema 4.26's
 * validate against upstream's openapi.yaml component schemas), run once with Python; they are
 * pinned here so the suite needs no Python.
 */
import { describe, expect, it } from "vitest";
import type { Schema } from "../../../controller/rest/json-schema.js";
import { MAX_JSON_DEPTH, parsePythonJson } from "../../../controller/rest/python-json-parse.js";
import { parseBody } from "../../../controller/rest/request-body.js";
import {
  CANCEL_REQUEST_SCHEMA as CANCEL,
  CREATE_REQUEST_SCHEMA as CREATE,
  STATUS_REQUEST_SCHEMA as STATUS,
} from "../../../controller/rest/request-schemas.js";

const VALID_CREATE = {
  backend: "test",
  rap_id: "abcdefgh23456789",
  workspace: "workspace",
  repo_url: "https://github.com/opensafely/study",
  branch: "main",
  commit: "0".repeat(40),
  database_name: "default",
  requested_actions: ["summarise"],
  codelists_ok: true,
  force_run_dependencies: false,
  created_by: "u",
  project: "p",
  orgs: ["o"],
};

/** A create body with some keys replaced (or, given undefined, removed). */
function create(overrides: Record<string, unknown>): string {
  return JSON.stringify({ ...VALID_CREATE, ...overrides });
}

/** [schema, body text, upstream's `details`, or null when upstream accepts the body]. */
const CASES: readonly (readonly [Schema, string, string | null])[] = [
  [STATUS, "{}", "Invalid request body received: 'rap_ids' is a required property"],
  [STATUS, "[]", "Invalid request body received: [] is not of type 'object'"],
  [STATUS, '"x"', "Invalid request body received: 'x' is not of type 'object'"],
  [STATUS, "1", "Invalid request body received: 1 is not of type 'object'"],
  [STATUS, "1.0", "Invalid request body received: 1.0 is not of type 'object'"],
  [STATUS, "null", "Invalid request body received: None is not of type 'object'"],
  [STATUS, "true", "Invalid request body received: True is not of type 'object'"],
  [STATUS, "NaN", "Invalid request body received: nan is not of type 'object'"],
  [STATUS, "-Infinity", "Invalid request body received: -inf is not of type 'object'"],
  [STATUS, "1e400", "Invalid request body received: inf is not of type 'object'"],
  [
    STATUS,
    '{"rap_ids": "abcdefgh23456789"}',
    "Invalid request body received at $.rap_ids: 'abcdefgh23456789' is not of type 'array'",
  ],
  [STATUS, '{"rap_ids": ["A", "B"]}', "Invalid request body received at $.rap_ids[1]: 'B' does not match '^[a-z0-9]{16}$'"],
  [STATUS, '{"rap_ids": [1, "B"]}', "Invalid request body received at $.rap_ids[1]: 'B' does not match '^[a-z0-9]{16}$'"],
  [STATUS, '{"rap_ids": null}', "Invalid request body received at $.rap_ids: None is not of type 'array'"],
  [
    STATUS,
    '{"rap_ids": {"b": 1, "1": 2}}',
    "Invalid request body received at $.rap_ids: {'b': 1, '1': 2} is not of type 'array'",
  ],
  [STATUS, '{"rap_ids": [], "rap_ids": 5}', "Invalid request body received at $.rap_ids: 5 is not of type 'array'"],
  [STATUS, '{"rap_ids": ["\u00e9"]}', "Invalid request body received at $.rap_ids[0]: '\u00e9' does not match '^[a-z0-9]{16}$'"],
  [
    STATUS,
    '{"rap_ids": ["\\u0080\\u00a0"]}',
    "Invalid request body received at $.rap_ids[0]: '\\x80\\xa0' does not match '^[a-z0-9]{16}$'",
  ],
  [STATUS, '{"rap_ids": ["it\'s"]}', "Invalid request body received at $.rap_ids[0]: \"it's\" does not match '^[a-z0-9]{16}$'"],
  [
    STATUS,
    '{"rap_ids": ["a\\"b\'c"]}',
    "Invalid request body received at $.rap_ids[0]: 'a\"b\\'c' does not match '^[a-z0-9]{16}$'",
  ],
  [
    STATUS,
    '{"rap_ids": [12345678901234567890123]}',
    "Invalid request body received at $.rap_ids[0]: 12345678901234567890123 is not of type 'string'",
  ],
  [STATUS, '{"rap_ids": [-0]}', "Invalid request body received at $.rap_ids[0]: 0 is not of type 'string'"],
  [STATUS, '{"rap_ids": [-0.0]}', "Invalid request body received at $.rap_ids[0]: -0.0 is not of type 'string'"],
  [STATUS, '{"rap_ids": [1E5]}', "Invalid request body received at $.rap_ids[0]: 100000.0 is not of type 'string'"],
  [STATUS, '{"rap_ids": [1.5e-7]}', "Invalid request body received at $.rap_ids[0]: 1.5e-07 is not of type 'string'"],
  [STATUS, '{"rap_ids": [0.1]}', "Invalid request body received at $.rap_ids[0]: 0.1 is not of type 'string'"],
  [STATUS, '{"rap_ids": [[[]]]}', "Invalid request body received at $.rap_ids[0]: [[]] is not of type 'string'"],
  [
    STATUS,
    '{"rap_ids": ["\\ud83d\\ude00", "\\ud800"]}',
    "Invalid request body received at $.rap_ids[1]: '\\ud800' does not match '^[a-z0-9]{16}$'",
  ],
  [STATUS, '{"rap_ids": [true, false, null]}', "Invalid request body received at $.rap_ids[2]: None is not of type 'string'"],
  [
    STATUS,
    '{"rap_ids": [{"__proto__": 1}]}',
    "Invalid request body received at $.rap_ids[0]: {'__proto__': 1} is not of type 'string'",
  ],
  [STATUS, "\ufeff{}", "could not parse JSON from request body"],
  [STATUS, '{"rap_ids": []} x', "could not parse JSON from request body"],
  [STATUS, "", "could not parse JSON from request body"],
  [STATUS, '{"rap_ids": [], }', "could not parse JSON from request body"],
  [STATUS, '{"rap_ids": [01]}', "could not parse JSON from request body"],
  [STATUS, '{"rap_ids": ["\t"]}', "could not parse JSON from request body"],
  [STATUS, "{'rap_ids': []}", "could not parse JSON from request body"],
  [STATUS, '{"rap_ids": []}', null],
  [STATUS, '{"rap_ids": ["abcdefgh23456789"], "extra": {"x": [1, 2]}}', null],
  [CANCEL, '{"rap_id": "BAD", "actions": 5}', "Invalid request body received at $.rap_id: 'BAD' does not match '^[a-z0-9]{16}$'"],
  [CANCEL, '{"actions": []}', "Invalid request body received: 'rap_id' is a required property"],
  [CANCEL, '{"rap_id": "abcdefgh23456789", "actions": []}', "Invalid request body received at $.actions: [] should be non-empty"],
  [
    CANCEL,
    '{"rap_id": "abcdefgh23456789", "actions": ["a", 1, 2]}',
    "Invalid request body received at $.actions[2]: 2 is not of type 'string'",
  ],
  [CANCEL, '{"rap_id": 5, "actions": "x"}', "Invalid request body received at $.rap_id: 5 is not of type 'string'"],
  [CANCEL, '{"rap_id": "abcdefgh23456789", "actions": ["a"]}', null],
  [CREATE, create({ backend: undefined, rap_id: undefined }), "Invalid request body received: 'backend' is a required property"],
  [CREATE, create({ workspace: "" }), "Invalid request body received at $.workspace: '' does not match '[a-zA-Z0-9_-]+'"],
  [CREATE, create({ rap_id: "BAD", workspace: 5 }), "Invalid request body received at $.workspace: 5 is not of type 'string'"],
  [
    CREATE,
    create({ codelists_ok: "yes", commit: "x" }),
    "Invalid request body received at $.commit: 'x' does not match '^[0-9a-f]{40}$'",
  ],
  [CREATE, create({ database_name: 1 }), "Invalid request body received at $.database_name: 1 is not of type 'string'"],
  [CREATE, create({ database_name: "x" }), "Invalid request body received at $.database_name: 'x' is not one of ['default']"],
  [CREATE, create({ analysis_scope: null }), "Invalid request body received at $.analysis_scope: None is not of type 'object'"],
  [
    CREATE,
    create({ analysis_scope: { dataset_permissions: ["nope", 5] } }),
    "Invalid request body received at $.analysis_scope.dataset_permissions[1]: 5 is not of type 'string'",
  ],
  [
    CREATE,
    create({ analysis_scope: { dataset_permissions: ["nope"], component_access: [1] } }),
    "Invalid request body received at $.analysis_scope.dataset_permissions[0]: 'nope' is not one of ['appointments', 'icnarc', 'isaric', 'open_prompt', 'ukrr', 'waiting_list', 'sgss_covid_all_tests', 'occupation_on_covid_vaccine_record', 'covid_therapeutics']",
  ],
  [
    CREATE,
    create({ requested_actions: [], orgs: [1] }),
    "Invalid request body received at $.requested_actions: [] should be non-empty",
  ],
  [CREATE, create({ orgs: "x" }), "Invalid request body received at $.orgs: 'x' is not of type 'array'"],
  [CREATE, create({ extra: { a: 1 } }), null],
  [CREATE, create({ analysis_scope: {} }), null],
  [CREATE, create({ workspace: "bad workspace!" }), null],
  [
    CREATE,
    create({ commit: "A".repeat(40) }),
    "Invalid request body received at $.commit: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' does not match '^[0-9a-f]{40}$'",
  ],
  [
    CREATE,
    create({ force_run_dependencies: null }),
    "Invalid request body received at $.force_run_dependencies: None is not of type 'boolean'",
  ],
  [CREATE, create({ created_by: ["u"] }), "Invalid request body received at $.created_by: ['u'] is not of type 'string'"],
];

function details(schema: Schema, body: string | Uint8Array): string | null {
  const result = parseBody(schema, typeof body === "string" ? new TextEncoder().encode(body) : body);
  if (result.ok) return null;
  return String(result.response.body.details);
}

describe("request bodies as upstream parses and validates them", () => {
  it.each(CASES.map(([schema, body, expected], index) => ({ index, schema, body, expected })))(
    "case $index: $body",
    ({ schema, body, expected }) => {
      expect(details(schema, body)).toBe(expected);
    },
  );

  it("refuses bytes that are not UTF-8 with the parse error", () => {
    expect(details(STATUS, Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x5b, 0x5d, 0x7d]))).toBe(
      "could not parse JSON from request body",
    );
    expect(details(STATUS, Uint8Array.from([0xed, 0xa0, 0x80]))).toBe("could not parse JSON from request body");
  });

  it("accepts nesting up to the limit and refuses deeper nesting as unparseable", () => {
    const nested = (depth: number) => `{"rap_ids": ${"[".repeat(depth)}${"]".repeat(depth)}}`;
    // The object is one level, so rap_ids may hold MAX_JSON_DEPTH - 1 arrays.
    expect(details(STATUS, nested(MAX_JSON_DEPTH - 1))).toBe(
      `Invalid request body received at $.rap_ids[0]: ${"[".repeat(MAX_JSON_DEPTH - 2)}${"]".repeat(MAX_JSON_DEPTH - 2)} is not of type 'string'`,
    );
    expect(details(STATUS, nested(MAX_JSON_DEPTH))).toBe("could not parse JSON from request body");
    expect(details(STATUS, nested(200_000))).toBe("could not parse JSON from request body");
  });

  it("fixes upstream's trailing-newline hole: Python's `$` matches before a final newline", () => {
    // Upstream accepts this rap_id (and would store it); we refuse it.
    expect(details(STATUS, '{"rap_ids": ["abcdefgh23456789\\n"]}')).toBe(
      "Invalid request body received at $.rap_ids[0]: 'abcdefgh23456789\\n' does not match '^[a-z0-9]{16}$'",
    );
  });

  it("keeps a __proto__ key as an ordinary field", () => {
    const result = parseBody(STATUS, new TextEncoder().encode('{"rap_ids": [], "__proto__": {"polluted": true}}'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.getPrototypeOf(result.body)).toBe(Object.prototype);
    expect(Object.keys(result.body)).toEqual(["rap_ids", "__proto__"]);
  });

  it("keeps Python's distinction between integers and floats", () => {
    expect(parsePythonJson(new TextEncoder().encode("[1, 1.0, -0, 1e2, 123456789012345678901234567890]"))).toEqual({
      ok: true,
      value: [1n, 1, 0n, 100, 123456789012345678901234567890n],
    });
  });
});
