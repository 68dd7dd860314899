// Runs a wasm32-wasi command module under node's built-in WASI (preview1),
// the baseline the compute benchmark compares airlock against.
//
//   node --experimental-wasi-unstable-preview1 node_wasi.mjs MODULE.wasm [ARGS...]
//
// The guest sees argv = [basename of MODULE, ARGS...], no environment and no
// files; stdio passes through. Exits with the guest's exit code.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { WASI } from 'wasi';

const [modulePath, ...args] = process.argv.slice(2);
if (!modulePath) {
  console.error('usage: node_wasi.mjs MODULE.wasm [ARGS...]');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [basename(modulePath), ...args],
  env: {},
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(modulePath));
// wasiImport rather than getImportObject(): Debian 12 ships node 18,
// which lacks the latter.
const instance = await WebAssembly.instantiate(module, {
  wasi_snapshot_preview1: wasi.wasiImport,
});
process.exitCode = wasi.start(instance);
