// Helpers shared by driver.js and tls.js: the built client package, the environment, and the
// compiled examples run as child processes.
"use strict";

const { spawn } = require("node:child_process");
const { createRequire } = require("node:module");
const path = require("node:path");

const clientDir = process.env.CLIENT_DIR;
if (!clientDir) throw new Error("CLIENT_DIR is not set (run through run.sh)");
/** The built package (clients/typescript/dist/src/index.js). */
const mp = require(path.join(clientDir, "dist/src/index.js"));
/** @connectrpc/connect as the package resolves it. */
const connectrpc = createRequire(path.join(clientDir, "package.json"))("@connectrpc/connect");

/** The variable's value; throws when it is unset. */
function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run through run.sh)`);
  return v;
}

/** A RegExp matching `text` literally. */
const literal = (text) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

/** Children still running, killed by killChildren() (so that a failed test cannot hang the run). */
const children = new Set();
function killChildren() {
  for (const child of children) child.kill("SIGKILL");
}

/** Runs a compiled example; resolves with its exit code and output (or rejects on timeout). */
function runExample(name, args, extraEnv = {}, timeoutMs = 30_000) {
  const child = spawn(process.execPath, [path.join(clientDir, "dist/examples", `${name}.js`), ...args], {
    env: { ...process.env, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} ${args.join(" ")} still running after ${timeoutMs} ms\n` +
        `stdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  /** Resolves when stdout has a line matching `re`. */
  const waitFor = (re, ms = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (re.test(stdout)) {
          clearTimeout(timer);
          child.stdout.off("data", check);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        child.stdout.off("data", check);
        reject(new Error(`${name} never printed ${re}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }, ms);
      child.stdout.on("data", check);
      check();
    });
  return { child, done, waitFor };
}

/** Puts a child's output in the test report, a line at a time. */
function diag(t, title, r) {
  t.diagnostic(`${title} (exit ${r.code ?? r.signal}):`);
  for (const line of `${r.stdout}${r.stderr}`.split("\n")) if (line) t.diagnostic(`  ${line}`);
}

const describeRun = (name, r) => `${name} exited ${r.code ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;

module.exports = { mp, connectrpc, env, literal, runExample, killChildren, diag, describeRun };
