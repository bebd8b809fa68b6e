// Renders every kustomization under deploy/kubernetes (base/ and each overlays/*/) with
// `kubectl kustomize`, parses every document, and validates every object against its schema:
// kubernetes-models for the built-in kinds, @kubernetes-models/prometheus-operator for
// monitoring.coreos.com, and against their field lists (unknown-fields.mjs: the schemas let any
// extra field through). A kind that neither package knows fails, and so does a Secret (the
// manifests name Secrets, they never hold one). On top of the schemas, a few rules of the
// deployment itself are checked on every pod that runs maxpool (checkMaxpoolPod).
//
// Usage: node validate.mjs --kubectl KUBECTL --modules NODE_MODULES DEPLOY_KUBERNETES_DIR
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

function parseArgs(argv) {
  const args = { kubectl: "kubectl", modules: null, dir: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--kubectl") args.kubectl = argv[++i];
    else if (argv[i] === "--modules") args.modules = argv[++i];
    else args.dir = argv[i];
  }
  if (!args.modules || !args.dir) {
    console.error("usage: node validate.mjs --kubectl KUBECTL --modules NODE_MODULES DIR");
    process.exit(2);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const importFrom = (relative) =>
  import(pathToFileURL(path.join(args.modules, relative)).href);
const YAML = await importFrom("yaml/dist/index.js");
const { FieldChecker } = await import("./unknown-fields.mjs");
const fieldChecker = new FieldChecker(args.modules);

// The directory of one apiVersion's classes in the two packages.
function versionDir(apiVersion) {
  if (apiVersion.startsWith("monitoring.coreos.com/")) {
    return path.join("@kubernetes-models/prometheus-operator", apiVersion);
  }
  return path.join("kubernetes-models", apiVersion);
}

// The module holding the classes of one apiVersion, or null when neither package has it.
const moduleCache = new Map();
async function modelsFor(apiVersion) {
  if (moduleCache.has(apiVersion)) return moduleCache.get(apiVersion);
  const file = path.join(versionDir(apiVersion), "index.js");
  const models = existsSync(path.join(args.modules, file)) ? await importFrom(file) : null;
  moduleCache.set(apiVersion, models);
  return models;
}

const failures = [];
const fail = (where, message) => failures.push(`${where}: ${message}`);

// Duration of a `maxpool drain --deadline` value in seconds (30s, 2m, 1h30m).
function durationSeconds(text) {
  const re = /(\d+)(h|m|s)/gy;
  let total = 0;
  let match;
  let consumed = 0;
  while ((match = re.exec(text)) !== null) {
    total += Number(match[1]) * { h: 3600, m: 60, s: 1 }[match[2]];
    consumed = re.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : NaN;
}

// The deployment's own rules for a pod that runs maxpool.
function checkMaxpoolPod(where, podSpec) {
  const inits = podSpec.initContainers ?? [];
  const containers = podSpec.containers ?? [];
  const maxpool = [...inits, ...containers].find((c) => c.name === "maxpool");
  if (!maxpool) return false;
  const asSidecar = inits.includes(maxpool);
  if (asSidecar && maxpool.restartPolicy !== "Always") {
    fail(where, "maxpool as an init container must be a native sidecar (restartPolicy: Always)");
  }
  const pod = podSpec.securityContext ?? {};
  if (pod.runAsNonRoot !== true) fail(where, "the pod must set runAsNonRoot: true");
  if (pod.runAsUser !== 10001 || pod.runAsGroup !== 10001 || pod.fsGroup !== 10001) {
    fail(where, "the pod must run as 10001:10001 with fsGroup 10001 (the image's user)");
  }
  if (pod.seccompProfile?.type !== "RuntimeDefault") fail(where, "seccompProfile RuntimeDefault");
  const sc = maxpool.securityContext ?? {};
  if (sc.readOnlyRootFilesystem !== true) fail(where, "maxpool: readOnlyRootFilesystem: true");
  if (sc.allowPrivilegeEscalation !== false) fail(where, "maxpool: allowPrivilegeEscalation: false");
  if (!(sc.capabilities?.drop ?? []).includes("ALL")) fail(where, "maxpool: capabilities drop ALL");
  if (!maxpool.resources?.requests?.memory || !maxpool.resources?.limits?.memory) {
    fail(where, "maxpool: memory request and limit");
  }

  const ports = new Map((maxpool.ports ?? []).map((p) => [p.name, p.containerPort]));
  if (ports.get("admin") !== 3458) fail(where, "maxpool: a port named admin, 3458");
  const probe = (name, wantPath) => {
    const get = maxpool[name]?.httpGet;
    if (!get || get.path !== wantPath || get.port !== "admin") {
      fail(where, `maxpool: ${name} must GET ${wantPath} on the admin port`);
    }
  };
  probe("startupProbe", "/livez");
  probe("livenessProbe", "/livez");
  probe("readinessProbe", "/readyz");

  const env = new Map((maxpool.env ?? []).map((e) => [e.name, e.value]));
  const wantEnv = {
    MAXPOOL_CONFIG: "/etc/maxpool/config/maxpool.json",
    MAXPOOL_ACCOUNTS_DIR: "/etc/maxpool/accounts",
    MAXPOOL_STATE_DIR: "/var/lib/maxpool",
    MAXPOOL_ADMIN_HOST: "0.0.0.0",
    MAXPOOL_LOG_FORMAT: "json",
    MAXPOOL_CONTROL_TOKEN_FILE: "/etc/maxpool/secrets/control-token",
  };
  for (const [name, value] of Object.entries(wantEnv)) {
    if (env.get(name) !== value) fail(where, `maxpool: env ${name}=${value}`);
  }
  if (env.has("MAXPOOL_CONTROL_HOST")) fail(where, "maxpool: the control plane stays on loopback");
  if (env.get("MAXPOOL_PROXY_HOST") && !env.get("MAXPOOL_PROXY_KEY_FILE")) {
    fail(where, "maxpool: a proxy beyond loopback needs MAXPOOL_PROXY_KEY_FILE");
  }

  const mounts = new Map((maxpool.volumeMounts ?? []).map((m) => [m.mountPath, m]));
  const volumes = new Map((podSpec.volumes ?? []).map((v) => [v.name, v]));
  const wantMounts = {
    "/etc/maxpool/config": (v) => v.configMap?.name === "maxpool-config",
    "/etc/maxpool/accounts": (v) => v.secret?.secretName === "maxpool-accounts",
    "/etc/maxpool/secrets": (v) => v.secret?.secretName === "maxpool-secrets",
    "/var/lib/maxpool": (v) => Boolean(v.emptyDir || v.persistentVolumeClaim),
  };
  for (const [mountPath, isRight] of Object.entries(wantMounts)) {
    const mount = mounts.get(mountPath);
    const volume = mount && volumes.get(mount.name);
    if (!volume || !isRight(volume)) fail(where, `maxpool: the volume at ${mountPath}`);
    else if (mountPath !== "/var/lib/maxpool" && mount.readOnly !== true) {
      fail(where, `maxpool: ${mountPath} must be mounted read-only`);
    }
  }

  // preStop: `maxpool drain --wait --deadline D`; the grace period covers the accept grace, the
  // deadline and the 30 s that --wait gives the server to exit.
  const command = maxpool.lifecycle?.preStop?.exec?.command ?? [];
  if (command[0] !== "/usr/bin/maxpool" || command[1] !== "drain" || !command.includes("--wait")) {
    fail(where, "maxpool: preStop must run /usr/bin/maxpool drain --wait");
  }
  const valueOf = (flag) => {
    const i = command.indexOf(flag);
    return i >= 0 ? durationSeconds(command[i + 1] ?? "") : 0;
  };
  const deadline = valueOf("--deadline");
  const grace = valueOf("--accept-grace");
  if (!(deadline > 0)) fail(where, "maxpool: preStop drain needs --deadline");
  const needed = grace + deadline + 30;
  if (!((podSpec.terminationGracePeriodSeconds ?? 30) >= needed)) {
    fail(where, `terminationGracePeriodSeconds must be at least ${needed} (accept grace + ` +
      "drain deadline + 30 s for the exit)");
  }

  // The agents of a sidecar pod reach maxpool on the loopback address.
  if (asSidecar) {
    for (const c of containers) {
      const base = (c.env ?? []).find((e) => e.name === "ANTHROPIC_BASE_URL")?.value;
      if (base !== "http://127.0.0.1:3456") {
        fail(where, `container ${c.name}: ANTHROPIC_BASE_URL=http://127.0.0.1:3456`);
      }
    }
  }
  return true;
}

function podSpecOf(obj) {
  if (obj.kind === "Deployment") return obj.spec?.template?.spec;
  if (obj.kind === "Job") return obj.spec?.template?.spec;
  return undefined;
}

// kubectl 1.20 and older embed kustomize v2, which knows neither `labels`, `patches`, the
// options of one generator nor directories in `resources`.
let clientVersion;
try {
  clientVersion = JSON.parse(
    execFileSync(args.kubectl, ["version", "--client", "-o", "json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }),
  ).clientVersion;
} catch (e) {
  console.error(`FAIL ${args.kubectl} version --client: ${(e.stderr || e.message).trim()}`);
  process.exit(1);
}
if (Number(clientVersion.major) === 1 && parseInt(clientVersion.minor, 10) < 21) {
  console.error(
    `FAIL kubectl ${clientVersion.gitVersion} embeds kustomize v2, which cannot read these ` +
      "kustomizations; use a newer kubectl (tested with 1.32, kustomize v5.5)",
  );
  process.exit(1);
}
console.log(`kubectl ${clientVersion.gitVersion}`);

const root = path.resolve(args.dir);
const dirs = [path.join(root, "base")];
const overlays = path.join(root, "overlays");
for (const entry of readdirSync(overlays, { withFileTypes: true })) {
  if (entry.isDirectory() && existsSync(path.join(overlays, entry.name, "kustomization.yaml"))) {
    dirs.push(path.join(overlays, entry.name));
  }
}

let objects = 0;
for (const dir of dirs) {
  const name = path.relative(root, dir);
  let rendered;
  try {
    rendered = execFileSync(args.kubectl, ["kustomize", dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    fail(name, `kubectl kustomize failed: ${(e.stderr || e.message).trim()}`);
    continue;
  }
  const failuresBefore = failures.length;
  const docs = YAML.parseAllDocuments(rendered);
  const kinds = [];
  let maxpoolPods = 0;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      fail(name, `unparsable YAML: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    const where = `${name}: ${obj.kind}/${obj.metadata?.name}`;
    objects++;
    kinds.push(`${obj.kind}/${obj.metadata?.name}`);
    if (obj.kind === "Secret") {
      fail(where, "a Secret is rendered; create Secrets with kubectl instead (README.md)");
      continue;
    }
    const models = obj.apiVersion ? await modelsFor(obj.apiVersion) : null;
    const Model = models?.[obj.kind];
    if (typeof Model !== "function" || Model.kind !== obj.kind) {
      fail(where, `unknown kind ${obj.apiVersion} ${obj.kind}: no schema to validate it with`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      fail(where, `invalid: ${e.message}`);
      continue;
    }
    const declarations = path.join(args.modules, versionDir(obj.apiVersion), `${obj.kind}.d.ts`);
    if (!existsSync(declarations)) {
      fail(where, `no field list for ${obj.apiVersion} ${obj.kind} (${declarations})`);
      continue;
    }
    const unknown = fieldChecker.unknownFields(obj, declarations);
    if (unknown.length > 0) {
      fail(where, `unknown field(s): ${unknown.join(", ")}`);
      continue;
    }
    const podSpec = podSpecOf(obj);
    if (podSpec && checkMaxpoolPod(where, podSpec)) maxpoolPods++;
  }
  if (name !== "base" && maxpoolPods === 0 && failures.length === failuresBefore) {
    fail(name, "no pod runs maxpool");
  }
  console.log(`${name}: ${kinds.length} objects (${kinds.join(", ")})`);
}

if (failures.length > 0) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
console.log(`ok: ${dirs.length} kustomizations, ${objects} objects valid`);
