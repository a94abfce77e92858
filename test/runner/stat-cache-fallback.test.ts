import './native-off.js';
import test from 'ava';
import { statImplementation } from '../../runner/stat-names.js';
import { statCacheCases } from './stat-cache-cases.js';

// Without the native stat helper: fs.statSync gives the rows.
test('PIPE_NATIVE=0 selects fs.statSync', (t) => t.is(statImplementation, 'fs.statSync'));
statCacheCases(test);
