// Upstream's is_database_action: image name plus sub-command.
import { describe, expect, it } from "vitest";
import { isDatabaseAction } from "../../../controller/pipeline/database-action.js";
import { shellSplit } from "../../../controller/pipeline/shell-words.js";
import { oneAction, onlyAction } from "./helpers.js";

describe("isDatabaseAction", () => {
  const database = [
    "ehrql:v1 generate-dataset analysis/dataset.py --output output/d.csv",
    "ehrql:v1 generate-measures analysis/measures.py --output output/m.csv",
    "sqlrunner:v1 analysis/query.sql --output output/q.csv",
    "sqlrunner:latest",
    "cohortextractor:latest generate_cohort --study-definition study_definition",
    "cohortextractor:v1 generate_codelist_report",
    "databuilder:v0 generate-dataset analysis/dataset.py",
    "ehrql:v1\n  generate-dataset analysis/dataset.py",
  ];
  const notDatabase = [
    "ehrql:v1",
    "ehrql:v1 assure analysis/test.py",
    "ehrql:v1 sandbox",
    "cohortextractor:latest generate_measures",
    "databuilder:v0 generate_dataset analysis/dataset.py",
    "python:v2 analysis/generate-measures.py generate-dataset",
    "ghcr.io/opensafely-core/ehrql:v1 generate-dataset a.py",
    "r:v1 generate_cohort",
    "cohortextractor-v2:v1 generate_cohort",
  ];
  for (const run of database) it(`database: ${JSON.stringify(run)}`, () => expect(isDatabaseAction(shellSplit(run))).toBe(true));
  for (const run of notDatabase)
    it(`not database: ${JSON.stringify(run)}`, () => expect(isDatabaseAction(shellSplit(run))).toBe(false));

  it("is false for an empty word list", () => {
    expect(isDatabaseAction([])).toBe(false);
  });

  it("is exposed on parsed actions", () => {
    const sql = oneAction(["run: sqlrunner:v1 q.sql --output output/q.csv", "outputs: {highly_sensitive: {q: output/q.csv}}"]);
    expect(onlyAction(sql).isDatabaseAction).toBe(true);
    const py = oneAction(["run: python:v2 a.py", "outputs: {highly_sensitive: {q: output/q.csv}}"]);
    expect(onlyAction(py).isDatabaseAction).toBe(false);
  });
});
