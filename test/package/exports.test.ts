import test from 'ava';
import * as api from 'subpop-pipe';

test('the package exports the metric and the building blocks by name', (t) => {
  // The first documented example of the SubPOP authors (issue #6): 0.15.
  t.is(Number(api.wasserstein([0.1, 0.5, 0.4], [0.2, 0.3, 0.5], [1, 2, 1.5]).toFixed(12)), 0.15);
  t.true(Number.isNaN(api.wasserstein([0.5, 0.5], [0.2, 0.8], [1, 1])));
  for (const name of ['loadModel', 'buildPrompt', 'openSav', 'fetchWave', 'ingestWave', 'aggregate', 'splitRows', 'trainLora', 'humanBound', 'resultsMarkdown', 'defineStage', 'readReleaseFile', 'loadSteering', 'readReleasedRows', 'fetchReleased', 'fewShotPrompt', 'numpyShuffle'] as const) {
    t.is(typeof api[name], 'function', name);
  }
  t.deepEqual([...api.STEERING_STYLES], ['QA', 'BIO', 'PORTRAY']);
});
