/**
 * A realistic large project.yaml for benchmarks, shaped like the OpenSAFELY post-covid studies: a
 * few ehrQL database extracts, per-cohort cleaning chains, one Cox model per cohort x analysis x
 * outcome (a reusable action with `--df_input`/`--df_output` arguments), per-outcome plots, and
 * fan-in actions that need every model. Generated, so the action count is exact.
 */

const COHORTS = ["prevax", "vax", "unvax"] as const;
const ANALYSES = [
  "main",
  "sub_covidhospital_true",
  "sub_covidhospital_false",
  "sub_sex_female",
  "sub_sex_male",
  "sub_age_18_39",
] as const;

function action(name: string, run: string, needs: readonly string[], outputs: string, extra = ""): string {
  const needsLine = needs.length > 0 ? `\n    needs: [${needs.join(", ")}]` : "";
  return `  ${name}:\n    run: ${run}${needsLine}${extra}\n    outputs:\n${outputs}\n`;
}

function highly(name: string, path: string): string {
  return `      highly_sensitive:\n        ${name}: ${path}`;
}

function moderately(entries: Readonly<Record<string, string>>): string {
  return `      moderately_sensitive:\n${Object.entries(entries)
    .map(([name, path]) => `        ${name}: ${path}`)
    .join("\n")}`;
}

/** A v4 project.yaml with exactly `total` actions (at least 40). */
export function postCovidProject(total = 300): string {
  const blocks: string[] = [];
  const add = (block: string) => blocks.push(block);

  add(
    action(
      "generate_dataset_index",
      "ehrql:v1 generate-dataset analysis/dataset_definition_index.py --output output/index_dates.csv.gz",
      [],
      highly("dataset", "output/index_dates.csv.gz"),
    ),
  );
  for (const cohort of COHORTS) {
    add(
      action(
        `generate_dataset_${cohort}`,
        `ehrql:v1 generate-dataset analysis/dataset_definition_${cohort}.py --output output/input_${cohort}.csv.gz`,
        ["generate_dataset_index"],
        highly("dataset", `output/input_${cohort}.csv.gz`),
      ),
    );
    add(
      action(
        `preprocess_data_${cohort}`,
        `r:v2 analysis/preprocess/preprocess_data.R ${cohort}`,
        [`generate_dataset_${cohort}`],
        highly("data", `output/input_${cohort}.rds`),
      ),
    );
    add(
      action(
        `stage1_data_cleaning_${cohort}`,
        `r:v2 analysis/preprocess/Stage1_data_cleaning.R ${cohort}`,
        [`preprocess_data_${cohort}`],
        `${highly("cleaned", `output/input_${cohort}_stage1.rds`)}\n${moderately({ flow: `output/flow_${cohort}.csv` })}`,
      ),
    );
    add(
      action(
        `table1_${cohort}`,
        `r:v2 analysis/descriptives/table1.R ${cohort}`,
        [`stage1_data_cleaning_${cohort}`],
        moderately({ table1: `output/table1_${cohort}.csv` }),
      ),
    );
  }

  // Everything else is models, plus per-outcome plots and the fan-in outputs at the end.
  const fixed = blocks.length;
  const fanIn = 2;
  const perOutcome = COHORTS.length * ANALYSES.length + 1;
  const outcomes = Math.floor((total - fixed - fanIn) / perOutcome);
  const padding = total - fixed - fanIn - outcomes * perOutcome;
  const models: string[] = [];
  for (let outcome = 0; outcome < outcomes; outcome++) {
    const name = `out_date_${String(outcome).padStart(2, "0")}`;
    const outcomeModels: string[] = [];
    for (const cohort of COHORTS) {
      for (const analysis of ANALYSES) {
        const id = `cox_ipw-cohort_${cohort}-${analysis}-${name}`;
        add(
          action(
            id,
            `cox-ipw:v0.0.30 --df_input=model_input-cohort_${cohort}-${analysis}-${name}.rds --ipw=TRUE --exposure=exp_date --outcome=${name} --strata=cov_cat_region --covariate_sex=cov_cat_sex --covariate_age=cov_num_age --cut_points=1;28;183;365;730;1065;1582 --df_output=model_output-cohort_${cohort}-${analysis}-${name}.csv`,
            [`stage1_data_cleaning_${cohort}`],
            moderately({ model_output: `output/model_output-cohort_${cohort}-${analysis}-${name}.csv` }),
          ),
        );
        outcomeModels.push(id);
      }
    }
    add(
      action(
        `plot_${name}`,
        `r:v2 analysis/model/plot_hr.R ${name}`,
        outcomeModels,
        moderately({ plot: `output/plot_${name}.svg` }),
        `\n    config:\n      outcome: ${name}\n      cohorts: [${COHORTS.join(", ")}]`,
      ),
    );
    models.push(...outcomeModels);
  }
  for (let index = 0; index < padding; index++) {
    const cohort = COHORTS[index % COHORTS.length]!;
    add(
      action(
        `venn_${index}`,
        `r:v2 analysis/descriptives/venn.R ${cohort} ${index}`,
        [`stage1_data_cleaning_${cohort}`],
        moderately({ venn: `output/venn_${index}.csv` }),
      ),
    );
  }
  add(
    action(
      "make_model_output",
      "r:v2 analysis/model/make_model_output.R",
      models,
      moderately({ output: "output/model_output.csv" }),
    ),
  );
  add(
    action(
      "make_output_tables",
      "python:v2 analysis/make_output_tables.py",
      ["make_model_output", ...COHORTS.map((cohort) => `table1_${cohort}`)],
      moderately({ tables: "output/output_tables.csv" }),
    ),
  );

  if (blocks.length !== total) throw new Error(`built ${blocks.length} actions, wanted ${total}`);
  return `version: '4.0'\n\nactions:\n\n${blocks.join("\n")}`;
}
