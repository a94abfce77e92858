/**
 * subpop-pipe as a library: the pieces of the SubPOP experiment for scripts and notebooks. The pipeline itself
 * runs through the `pipe` command (pipeline.yaml); these are the same functions its stages call.
 */

// Survey files
export { openSav, SavReader } from './formats/sav/reader.js';
export { SavError } from './formats/sav/errors.js';
export { savMeta } from './formats/sav/meta.js';
export { isMissingNumber, isMissingString } from './formats/sav/missing.js';
export { download } from './net/download.js';
export { extractMember } from './net/zip.js';
export { fetchWave } from './net/fetch-wave.js';
export { fetchReleased, loadReleasedManifest } from './net/fetch-released.js';
export { loadWaveManifest } from './net/waves.js';
export { defaultRelease, fetchReleaseFile, loadRelease, readReleaseFile } from './net/release.js';
export { findInboxFile } from './survey/inbox.js';
export { ingestWave } from './survey/ingest.js';

// Subpopulation distributions and the split
export { loadSubpopulations } from './survey/subpopulations.js';
export { aggregate } from './survey/aggregate.js';
export { readReleasedRows } from './survey/released-rows.js';
export { assignQuestionsNumpy, splitRows } from './survey/split.js';
export { numpyShuffle } from './survey/numpy-legacy.js';

// Prompts, models, fine-tuning
export { buildPrompt, surveyBlock, STEERING_STYLES, type SteeringStyle } from './survey/prompts.js';
export { loadGroupSetCsv, loadSteering } from './survey/subpopulation-metadata.js';
export { loadModel, mergeAdapter, type LoadedModel } from './lm/load.js';
export { checkModelWeights, loadRegistry, modelDir } from './lm/registry.js';
export { readAdapter, writeAdapter } from './lm/peft.js';
export { trainLora, type TrainMetrics, type TrainOptions, type TrainResult } from './lm/train.js';
export { writeTinyModel } from './lm/tiny.js';
export { useBackend } from './lm/backend.js';
export { convertModel, QUANTS, type Quant } from './lm/gguf/convert.js';
export { convertAdapter } from './lm/gguf/adapter.js';
export { writeGguf } from './lm/gguf/writer.js';
export { loadGgufModel, type LlamaCppModel } from './lm/llamacpp/engine.js';

// Evaluation
export { wasserstein } from './survey/wasserstein.js';
export { klDivergence, readDistributions, scorePrediction } from './survey/evaluate.js';
export { summarise } from './survey/evaluate-summary.js';
export { chooseExamples, examplePool, fewShotPrompt } from './survey/few-shot.js';
export { loadHighRelevance } from './survey/high-relevance.js';
export { humanBound, uniformBound } from './survey/bootstrap.js';
export { loadResults, resultsMarkdown } from './survey/report.js';
export { reportHtml } from './survey/report-html.js';

// Writing stages of your own
export { defineStage, type StageContext, type StageModule } from './runner/stage.js';
export { StageParams } from './lib/stage-params.js';
export { splitFiles } from './lib/split-files.js';
export { readJson, readJsonl } from './lib/json-files.js';
