#!/usr/bin/env node
// The `cw` command: loads the bundled CLI (cw-main.js, beside this file) through V8's code cache.
//
// Every `cw` run is a fresh Node process, and most of what a short command costs beyond Node's own start is
// compiling the bundle. V8 can skip that with the code it compiled last time (`cachedData`), which Node 20 offers
// only to scripts compiled through `vm`, not to ES modules; so the CLI is a CommonJS bundle run from here.
// The cache is written at the end of a run when there is none or V8 rejected it (another Node version); a write
// that fails (a read-only install) only costs the speed-up. Plain CommonJS, no dependencies: this file is not bundled.
'use strict';
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const Module = require('module');

const file = path.join(__dirname, 'cw-main.js');
const cacheFile = path.join(__dirname, 'cw-main.cache');

let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined; // no cache yet: compile from source and write one at exit
}
// The bundle is one function expression, the wrapper Node gives a CommonJS module (written so by the build: no
// copy of the source to wrap it here). latin1: the bundle is ASCII, and a one-byte string is the cheapest to make.
const source = fs.readFileSync(file, 'latin1');
const script = new vm.Script(source, {
  filename: file,
  cachedData,
});

if (cachedData === undefined || script.cachedDataRejected) {
  process.once('exit', () => {
    // After the run, so the functions it compiled lazily are in the cache too. Written whole, then renamed:
    // parallel first runs must not leave a torn file behind.
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      try {
        fs.rmSync(tmp, { force: true });
      } catch {
        // nothing to clean up
      }
    }
  });
}

const mod = new Module(file, module);
mod.filename = file;
mod.paths = Module._nodeModulePaths(__dirname);
mod.loaded = true;
script.runInThisContext()(mod.exports, Module.createRequire(file), mod, file, __dirname);
