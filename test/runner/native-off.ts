// Imported first by a test file that must run without the native stat helper: the choice is made when
// runner/stat-names.ts loads.
process.env['PIPE_NATIVE'] = '0';
