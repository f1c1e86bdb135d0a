// Loaded into every node process the tests start (scripts/run-tests.mjs puts it in NODE_OPTIONS):
// a process warning (MaxListenersExceededWarning, an unhandled rejection warning, a deprecation...)
// is a failure, not a line in the log. Under node:test the throw fails the running test; in a
// child process (a CLI, an example) it ends the process with an error its test sees.
process.on('warning', (warning) => {
  process.exitCode = 1;
  const error = new Error(`process warning: ${warning.name}: ${warning.message}`, { cause: warning });
  error.code = 'ERR_PROCESS_WARNING';
  throw error;
});
