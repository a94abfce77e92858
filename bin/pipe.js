#!/usr/bin/env node
import { launch } from './launch.js';

// The CLI bundled into one file starts faster than its 30 modules (a no-op run is mostly start-up).
await launch('runner/cli', 'pipe/cli');
