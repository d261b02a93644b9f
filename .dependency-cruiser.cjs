/**
 * Layering rules, checked by `npm run check:layers` in the test command (scripts/test.sh).
 *
 * Inside controller/ the flow is one way: faces (rest/, rpc/, dashboard/) call the domain services
 * (rap/, scheduling/, pipeline/, admin/, agents/, git/, auth/, telemetry/), which call store/; all of
 * them speak the domain model in jobs/ (jobs, tasks, statuses, results), which imports none of them.
 * The composition root (controller-app.ts, request-handler.ts, server.ts, service.ts) wires it all and nothing below it
 * imports it; small shared modules at controller/'s root (config, logger, deps, node-http) may be
 * imported by any layer. Across the tree: no import cycles at all, and the top-level
 * boundaries of DESIGN §8 (controller and agent meet only through gen/; runtime-drivers is a leaf).
 */
const FACES = "^controller/(rest|rpc|dashboard)/";
const DOMAIN = "^controller/(rap|scheduling|pipeline|admin|agents|git|auth|telemetry)/";
const STORE = "^controller/store/";
const MODEL = "^controller/jobs/";
const COMPOSITION_ROOT = "^controller/(controller-app|request-handler|server|service)\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "An import cycle anywhere in the tree: split the shared part into its own module.",
      from: {},
      to: { circular: true },
    },
    {
      name: "domain-not-to-faces",
      severity: "error",
      comment: "The domain must not know how it is served: move the shared type into the domain.",
      from: { path: DOMAIN },
      to: { path: FACES },
    },
    {
      name: "store-not-upwards",
      severity: "error",
      comment: "store/ is the bottom layer: it imports no face and no domain module.",
      from: { path: STORE },
      to: { path: [FACES, DOMAIN] },
    },
    {
      name: "model-at-the-bottom",
      severity: "error",
      comment: "jobs/ is the domain model every layer shares; it may name pipeline types, nothing else.",
      from: { path: MODEL },
      to: { path: [FACES, DOMAIN, STORE], pathNot: "^controller/pipeline/types\\.ts$" },
    },
    {
      name: "not-to-composition-root",
      severity: "error",
      comment: "Only the entry points import the composition root; pass what you need in as a dependency.",
      from: { path: "^controller/[^/]+/" },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: "controller-agent-apart",
      severity: "error",
      comment: "controller/ and agent/ meet only through the contract in gen/.",
      from: { path: "^(controller|agent)/" },
      to: { path: "^(controller|agent)/", pathNot: "^$1/" },
    },
    {
      name: "drivers-are-a-leaf",
      severity: "error",
      comment: "runtime-drivers/ imports nothing else of the project but common/.",
      from: { path: "^runtime-drivers/" },
      to: { path: "^(controller|agent|cli|gen)/" },
    },
    {
      name: "common-is-a-leaf",
      severity: "error",
      comment: "common/ holds dependency-free utilities every side may use; it imports nothing of the project.",
      from: { path: "^common/" },
      to: { path: "^(controller|agent|cli|gen|runtime-drivers|scripts|test)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|gen/.*_pb\\.ts$)" },
    tsConfig: { fileName: "tsconfig.json" },
    tsPreCompilationDeps: true,
  },
};
