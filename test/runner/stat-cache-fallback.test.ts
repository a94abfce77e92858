import test from 'ava';
import { statCacheCases } from './stat-cache-cases.js';

// Without the native stat helper: fs.statSync gives the rows.
process.env['PIPE_NATIVE'] = '0';
const { statImplementation } = await import('../../runner/stat-names.js');
test('PIPE_NATIVE=0 selects fs.statSync', (t) => t.is(statImplementation, 'fs.statSync'));
statCacheCases(test);
