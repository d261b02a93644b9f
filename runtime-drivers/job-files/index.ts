/**
 * The runtime-independent finalize pieces shared by every driver: output matching, Level 4
 * checks, persisting, manifest.json, the job log and metadata.json, status messages and the
 * redaction applied before anything leaves the backend.
 */
export { finalizeJobFiles, type ContainerFacts, type FinalizeJobFilesInput } from "./finalize-job.js";
export { findOutputs, findUnmatchedOutputs, type OutputMatch } from "./find-outputs.js";
export { globVolume, resolveVolumeFile } from "./volume-glob.js";
export {
  statusMessageFor,
  unmatchedPatternsMessage,
  unmatchedOutputsHint,
  outOfMemoryMessage,
  EXIT_CODE_MESSAGES,
  COMPLETED_MESSAGE,
  CANCELLED_MESSAGE,
  ERRORED_MESSAGE,
  type StatusMessage,
  type StatusMessageInput,
} from "./status-messages.js";
export { checkLevel4File, pythonSuffix, type Level4Limits, type Level4Result } from "./level4-checks.js";
export { csvCounts, csvCountsFromBytes, type CsvCounts } from "./csv-counts.js";
export { parseCsvRecords } from "./csv-records.js";
export { persistOutputs, type PersistInput } from "./persist-outputs.js";
export {
  applyJobToManifest,
  manifestEntry,
  manifestPath,
  readManifest,
  sha256File,
  updateManifest,
  writeManifest,
  MANIFEST_FILE,
  type Manifest,
  type ManifestEntry,
} from "./manifest.js";
export { jobSummary, writeJobLog, JOB_LOG_MARKER, LOG_FILE, SUMMARY_KEYS, type ContainerLogFile } from "./job-log.js";
export {
  buildJobMetadata,
  findJobMetadataFile,
  readJobMetadata,
  readJobMetadataById,
  writeJobMetadata,
  METADATA_DEFAULTS,
  METADATA_FILE,
} from "./job-metadata.js";
export { redactContainerInspect, redactEnvLine, SAFE_ENVIRONMENT_VARIABLES, REDACTED_VALUE } from "./env-redaction.js";
export { redactResultsForController } from "./results-redaction.js";
export {
  containerName,
  highWorkspaceDir,
  jobLogDir,
  logMonth,
  mediumWorkspaceDir,
  workspaceLogFile,
  METADATA_DIR,
  TIMESTAMP_REFERENCE_FILE,
} from "./storage-paths.js";
export { copyFileAtomic, writeFileAtomic } from "./atomic-file.js";
