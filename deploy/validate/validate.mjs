// Offline validation of FiSAO's deployment files, run by .ci/run through deploy/validate/run.sh. No Docker engine,
// no cluster, no network (after `npm ci`). Exit code 1 when anything is invalid; every problem is printed.
//
//   Dockerfiles (deploy/docker/*.Dockerfile): dockerfile-utils' linter (the Docker language server's), plus checks
//     that matter here: multi-stage with no SDK in the final stage, a non-root USER, a HEALTHCHECK decision, an
//     ENTRYPOINT, every COPY source present and not dropped by .dockerignore, the published project present, and
//     its whole ProjectReference graph inside the copied folders.
//   Compose files (docker-compose*.yml): the official compose-spec JSON schema (vendored), then references:
//     depends_on targets, named volumes, build contexts and Dockerfiles, bind-mounted repository files.
//   Kubernetes (deploy/k8s/**/kustomization.yaml): rendered by a small kustomize subset (resources, namespace,
//     labels, images, inline JSON6902 patches; anything else is refused, not ignored), then every object is checked
//     against the Kubernetes OpenAPI schema (kubernetes-models: types, required fields, formats) and strictly for
//     unknown fields (the field lists of @kubernetes/client-node, generated from the Kubernetes 1.36 OpenAPI spec),
//     then cross-references (selectors, ports, volumes, claims, image tags) and FiSAO's own requirements.
//
// Usage: node validate.mjs [--root DIR]   (DIR defaults to the repository root two levels up)

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";
import Ajv from "ajv";
import { validate as lintDockerfile } from "dockerfile-utils";

const here = path.dirname(fileURLToPath(import.meta.url));
// State of one run (validateTree resets it).
let root = "";
let problems = [];
let notes = [];
let checked = 0;
let dockerignore = [];

const rel = (p) => path.relative(root, p) || ".";
const fail = (where, message) => problems.push(`${where}: ${message}`);
const exists = (p) => fs.existsSync(path.join(root, p));

// ---------------------------------------------------------------------------------------------------------------------
// .dockerignore (Docker's rules: patterns in order, the last matching one wins, "!" re-includes, a pattern that matches
// a parent folder matches everything under it; "**" any number of folders, "*" and "?" within one name).
function loadDockerignore() {
  const file = path.join(root, ".dockerignore");
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#")).map((line) => {
    const negate = line.startsWith("!");
    let pattern = path.posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+/, "").replace(/\/+$/, "");
    let re = "";
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === "*" && pattern[i + 1] === "*") {
        i++;
        if (pattern[i + 1] === "/") { i++; re += "(?:.*/)?"; } else re += ".*";
      } else if (c === "*") re += "[^/]*";
      else if (c === "?") re += "[^/]";
      else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
    return { negate, pattern, regex: new RegExp(`^${re}$`) };
  });
}
function dockerIgnored(relPath) {
  const parts = relPath.split("/").filter(Boolean);
  let ignored = false;
  for (const rule of dockerignore) {
    for (let n = 1; n <= parts.length; n++) {
      if (rule.regex.test(parts.slice(0, n).join("/"))) { ignored = !rule.negate; break; }
    }
  }
  return ignored;
}

// ---------------------------------------------------------------------------------------------------------------------
// Dockerfiles
function projectGraph(csproj, seen = new Set()) {
  const full = path.join(root, csproj);
  if (seen.has(csproj) || !fs.existsSync(full)) return seen;
  seen.add(csproj);
  const text = fs.readFileSync(full, "utf8");
  for (const m of text.matchAll(/<ProjectReference\s+Include="([^"]+)"/g)) {
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(csproj), m[1].replaceAll("\\", "/")));
    if (!fs.existsSync(path.join(root, target))) fail(csproj, `ProjectReference ${m[1]} does not exist`);
    projectGraph(target, seen);
  }
  return seen;
}

function checkDockerfile(file) {
  const where = rel(file);
  const text = fs.readFileSync(file, "utf8");
  checked++;
  for (const d of lintDockerfile(text)) {
    const severity = d.severity === 1 ? "error" : d.severity === 2 ? "warning" : "note";
    if (severity === "note") continue;
    fail(`${where}:${d.range.start.line + 1}`, `${severity}: ${d.message}`);
  }

  // Logical lines (continuations joined, comments dropped) grouped by stage.
  const lines = [];
  let current = "";
  let startLine = 0;
  text.split("\n").forEach((raw, i) => {
    if (!current && /^\s*#/.test(raw)) return;
    if (!current) startLine = i + 1;
    if (/\\\s*$/.test(raw)) { current += raw.replace(/\\\s*$/, " "); return; }
    current += raw;
    if (current.trim()) lines.push({ line: startLine, text: current.trim() });
    current = "";
  });
  const globalArgs = {};
  const stages = [];
  for (const l of lines) {
    const [instruction] = l.text.split(/\s+/, 1);
    const upper = instruction.toUpperCase();
    const rest = l.text.slice(instruction.length).trim();
    if (upper === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(rest);
      const image = m[1].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? `\${${a ?? b}}`);
      stages.push({ image, name: m[2], line: l.line, instructions: [], args: {} });
    } else if (upper === "ARG" && stages.length === 0) {
      const [k, v] = rest.split("=");
      globalArgs[k] = v;
    } else if (stages.length) {
      const stage = stages.at(-1);
      if (upper === "ARG") { const [k, v] = rest.split("="); stage.args[k] = v; }
      stage.instructions.push({ upper, rest, line: l.line });
    }
  }
  if (stages.length < 2) fail(where, "not a multi-stage build (a build stage and a runtime stage expected)");
  const final = stages.at(-1);
  if (!final) return;
  if (/dotnet\/sdk/.test(final.image)) fail(`${where}:${final.line}`, `the final stage is the SDK image (${final.image})`);
  const users = final.instructions.filter((i) => i.upper === "USER");
  if (!users.length) fail(where, "the final stage runs as root: no USER");
  else if (/^(root|0)(:|$)/.test(users.at(-1).rest)) fail(`${where}:${users.at(-1).line}`, "the final USER is root");
  const health = final.instructions.filter((i) => i.upper === "HEALTHCHECK");
  if (!health.length) fail(where, "the final stage has no HEALTHCHECK (write HEALTHCHECK NONE, with the reason, if none fits)");
  if (!final.instructions.some((i) => i.upper === "ENTRYPOINT")) fail(where, "the final stage has no ENTRYPOINT");

  const planned = /^# PLANNED:/m.test(text);
  for (const stage of stages) {
    for (const ins of stage.instructions) {
      if (ins.upper === "COPY" || ins.upper === "ADD") {
        if (/--from=/.test(ins.rest)) continue;
        const words = ins.rest.split(/\s+/).filter((w) => !w.startsWith("--"));
        for (const source of words.slice(0, -1)) {
          const clean = source.replace(/^\.\/?/, "").replace(/\/$/, "");
          if (clean && !exists(clean)) fail(`${where}:${ins.line}`, `COPY source ${source} does not exist in the repository`);
          else if (clean && dockerIgnored(clean)) fail(`${where}:${ins.line}`, `COPY source ${source} is excluded by .dockerignore`);
        }
      }
      if (ins.upper === "RUN" && /dotnet\s+publish/.test(ins.rest)) {
        const m = /dotnet\s+publish\s+("?)(\$\{?\w+\}?|\S+\.csproj)\1/.exec(ins.rest);
        if (!m) { fail(`${where}:${ins.line}`, "dotnet publish without a .csproj path"); continue; }
        const project = m[2].replace(/^\$\{?(\w+)\}?$/, (_, name) => stage.args[name] ?? globalArgs[name] ?? "");
        if (!project.endsWith(".csproj")) { fail(`${where}:${ins.line}`, `cannot resolve the published project ${m[2]}`); continue; }
        if (!/-p:TorchBackend=(cpu|cuda)\b/.test(ins.rest)) fail(`${where}:${ins.line}`, "dotnet publish without -p:TorchBackend=cpu|cuda");
        const wantsCuda = /\.cuda\.Dockerfile$/.test(file);
        if (wantsCuda !== /-p:TorchBackend=cuda\b/.test(ins.rest))
          fail(`${where}:${ins.line}`, `a ${wantsCuda ? "CUDA" : "CPU"} image must publish with -p:TorchBackend=${wantsCuda ? "cuda" : "cpu"}`);
        if (!exists(project)) {
          if (planned) notes.push(`${where}: ${project} does not exist yet (marked PLANNED); its sources were not checked`);
          else fail(`${where}:${ins.line}`, `the published project ${project} does not exist`);
          continue;
        }
        // Everything the project graph needs must be copied into the build stage and survive .dockerignore.
        const copied = stage.instructions.filter((i) => i.upper === "COPY" && !/--from=/.test(i.rest))
          .flatMap((i) => i.rest.split(/\s+/).filter((w) => !w.startsWith("--")).slice(0, -1))
          .map((s) => s.replace(/^\.\/?/, "").replace(/\/$/, ""));
        const needed = [...projectGraph(project)].flatMap((p) => [p, path.posix.dirname(p)]);
        for (const file of ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props"]) needed.push(file);
        for (const n of needed) {
          if (!copied.some((c) => n === c || n.startsWith(`${c}/`))) fail(`${where}:${ins.line}`, `${n} (needed to build ${project}) is not copied into the build stage`);
          else if (dockerIgnored(n)) fail(`${where}:${ins.line}`, `${n} (needed to build ${project}) is excluded by .dockerignore`);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Compose
const interpolate = (value) => {
  if (typeof value === "string")
    return value.replace(/\$\{(\w+)(?::?[-?+]([^}]*))?\}|\$(\w+)/g, (_, a, def, b) => process.env[a ?? b] ?? def ?? "");
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  return value;
};
const ajv = new Ajv({ allErrors: true, strict: false });
// The schema declares draft-07 by its https address, which Ajv does not register; draft-07 is Ajv's default anyway.
const composeSchema = ajv.compile({ ...JSON.parse(fs.readFileSync(path.join(here, "schemas", "compose-spec.json"), "utf8")), $schema: undefined });

function readYaml(file) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"), { merge: true });
  for (const d of docs) for (const e of d.errors) fail(rel(file), `YAML: ${e.message}`);
  return docs.map((d) => d.toJS({ maxAliasCount: 100 })).filter((d) => d != null);
}

function mergeCompose(base, override) {
  const out = structuredClone(base);
  for (const [key, value] of Object.entries(override ?? {})) {
    if (Array.isArray(value) && Array.isArray(out[key])) out[key] = [...out[key], ...value];
    else if (value && typeof value === "object" && !Array.isArray(value) && out[key] && typeof out[key] === "object") out[key] = mergeCompose(out[key], value);
    else out[key] = value;
  }
  return out;
}

function checkComposeFile(file) {
  checked++;
  const [doc] = readYaml(file);
  if (!doc) { fail(rel(file), "empty compose file"); return null; }
  const model = interpolate(doc);
  if (!composeSchema(model))
    for (const e of composeSchema.errors) fail(rel(file), `compose-spec: ${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
  return model;
}

function checkComposeProject(files, models) {
  const where = files.map(rel).join(" + ");
  const project = models.reduce((a, b) => mergeCompose(a, b), {});
  const services = project.services ?? {};
  const volumes = project.volumes ?? {};
  const profiles = new Set();
  for (const [name, service] of Object.entries(services)) {
    for (const p of service.profiles ?? []) profiles.add(p);
    if (!service.image && !service.build) fail(where, `service ${name} has neither image nor build`);
    const deps = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const d of deps) if (!services[d]) fail(where, `service ${name} depends on unknown service ${d}`);
    for (const [d, spec] of Object.entries(Array.isArray(service.depends_on) ? {} : service.depends_on ?? {}))
      if (spec?.condition === "service_healthy" && !services[d]?.healthcheck) fail(where, `service ${name} waits for ${d} to be healthy, but ${d} has no healthcheck`);
    if (service.build) {
      const context = typeof service.build === "string" ? service.build : service.build.context ?? ".";
      const dockerfile = typeof service.build === "string" ? "Dockerfile" : service.build.dockerfile ?? "Dockerfile";
      const resolved = path.posix.join(context, dockerfile);
      if (!exists(context)) fail(where, `service ${name}: build context ${context} does not exist`);
      else if (!exists(resolved)) fail(where, `service ${name}: Dockerfile ${resolved} does not exist`);
    }
    for (const v of service.volumes ?? []) {
      const spec = typeof v === "string" ? { source: v.split(":")[0], type: /^[./~]/.test(v) ? "bind" : "volume" } : v;
      if (typeof v === "string" && !v.includes(":")) continue; // anonymous volume
      if (spec.type === "volume" && spec.source && !(spec.source in volumes)) fail(where, `service ${name} mounts undeclared volume ${spec.source}`);
      if (spec.type === "bind" && spec.source?.startsWith("./deploy/") && !exists(spec.source)) fail(where, `service ${name} bind-mounts ${spec.source}, which is not in the repository`);
    }
  }
  return { services: Object.keys(services), profiles: [...profiles] };
}

// ---------------------------------------------------------------------------------------------------------------------
// Kubernetes: a kustomize subset, then schema, strict fields, cross-references.
const clusterScoped = new Set(["Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass"]);
const kustomizationKeys = new Set(["apiVersion", "kind", "namespace", "labels", "resources", "images", "patches"]);

function decodePointer(pointer) {
  return pointer.split("/").slice(1).map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}
function applyJsonPatch(object, ops, where) {
  for (const op of ops) {
    const keys = decodePointer(op.path);
    const last = keys.pop();
    let parent = object;
    for (const k of keys) {
      if (parent == null || typeof parent !== "object" || !(k in parent)) { fail(where, `patch ${op.op} ${op.path}: ${k} does not exist`); parent = null; break; }
      parent = parent[k];
    }
    if (parent == null) continue;
    if (op.op === "add" || op.op === "replace") {
      if (Array.isArray(parent)) {
        if (last === "-") parent.push(op.value);
        else parent.splice(Number(last), op.op === "replace" ? 1 : 0, op.value);
      } else {
        if (op.op === "replace" && !(last in parent)) fail(where, `patch replace ${op.path}: nothing to replace`);
        parent[last] = op.value;
      }
    } else if (op.op === "remove") {
      if (!(last in parent)) fail(where, `patch remove ${op.path}: nothing to remove`);
      if (Array.isArray(parent)) parent.splice(Number(last), 1); else delete parent[last];
    } else fail(where, `patch op ${op.op} is not supported by this validator`);
  }
}

function podSpecs(object) {
  const spec = object.spec ?? {};
  if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(object.kind)) return spec.template?.spec ? [spec.template.spec] : [];
  if (object.kind === "CronJob") return spec.jobTemplate?.spec?.template?.spec ? [spec.jobTemplate.spec.template.spec] : [];
  if (object.kind === "Pod") return [spec];
  return [];
}
const containersOf = (pod) => [...(pod.initContainers ?? []), ...(pod.containers ?? [])];

function renderKustomization(dir) {
  const file = path.join(dir, "kustomization.yaml");
  const where = rel(file);
  checked++;
  const [k] = readYaml(file);
  if (!k) { fail(where, "empty kustomization"); return []; }
  for (const key of Object.keys(k)) if (!kustomizationKeys.has(key)) fail(where, `field ${key} is not supported by the offline validator (extend deploy/validate/validate.mjs)`);
  if (k.kind !== "Kustomization" || !String(k.apiVersion).startsWith("kustomize.config.k8s.io/")) fail(where, "not a kustomize.config.k8s.io Kustomization");
  let objects = [];
  for (const r of k.resources ?? []) {
    const target = path.resolve(dir, r);
    if (!fs.existsSync(target)) { fail(where, `resource ${r} does not exist`); continue; }
    if (fs.statSync(target).isDirectory()) objects.push(...renderKustomization(target));
    else {
      checked++;
      for (const o of readYaml(target)) objects.push({ ...o, __file: rel(target) });
    }
  }
  for (const p of k.patches ?? []) {
    if (p.path || typeof p.patch !== "string") { fail(where, "only inline JSON6902 patches (patch: |- with a target) are supported"); continue; }
    const ops = YAML.parse(p.patch);
    if (!Array.isArray(ops)) { fail(where, "only JSON6902 patches (a list of operations) are supported"); continue; }
    const matches = objects.filter((o) => (!p.target?.kind || o.kind === p.target.kind) && (!p.target?.name || o.metadata?.name === p.target.name));
    if (!matches.length) fail(where, `patch target ${JSON.stringify(p.target)} matches no resource`);
    for (const o of matches) applyJsonPatch(o, ops, `${where} (patch on ${o.kind}/${o.metadata?.name})`);
  }
  for (const image of k.images ?? []) {
    let used = false;
    for (const o of objects) for (const pod of podSpecs(o)) for (const c of containersOf(pod)) {
      const name = c.image?.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
      if (name !== image.name) continue;
      used = true;
      c.image = `${image.newName ?? image.name}${image.digest ? `@${image.digest}` : `:${image.newTag ?? (c.image.match(/:([^/:]*)$/)?.[1] ?? "latest")}`}`;
    }
    if (!used) fail(where, `images entry ${image.name} matches no container image`);
  }
  for (const l of k.labels ?? []) {
    for (const o of objects) {
      o.metadata = o.metadata ?? {};
      o.metadata.labels = { ...(o.metadata.labels ?? {}), ...l.pairs };
      if (l.includeTemplates || l.includeSelectors) fail(where, "labels with includeTemplates/includeSelectors are not supported by the offline validator");
    }
  }
  if (k.namespace) for (const o of objects) {
    if (o.kind === "Namespace") o.metadata.name = k.namespace;
    else if (!clusterScoped.has(o.kind)) o.metadata = { ...(o.metadata ?? {}), namespace: k.namespace };
  }
  return objects;
}

const modelCache = new Map();
async function k8sModel(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion : `v1`;
  const key = `${group}/${kind}`;
  if (!modelCache.has(key)) {
    try { modelCache.set(key, (await import(`kubernetes-models/${group}`))[kind] ?? null); }
    catch { modelCache.set(key, null); }
  }
  return modelCache.get(key);
}
const typeCache = new Map();
async function attributeTypes(type) {
  if (!typeCache.has(type)) {
    let map = null;
    if (/^[A-Z]\w+$/.test(type) && type !== "IntOrString") {
      try {
        const module = await import(`@kubernetes/client-node/dist/gen/models/${type}.js`);
        map = module[type]?.getAttributeTypeMap?.() ?? null;
      } catch { map = null; }
    }
    typeCache.set(type, map);
  }
  return typeCache.get(type);
}
async function strictFields(value, type, at, where) {
  if (value == null) return;
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) await strictFields(v, m[1], `${at}[${i}]`, where);
    return;
  }
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) await strictFields(v, m[1], `${at}.${k}`, where);
    return;
  }
  const map = await attributeTypes(type);
  if (!map || typeof value !== "object" || Array.isArray(value)) return;
  const byName = new Map(map.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!byName.has(k)) {
      const near = [...byName.keys()].filter((n) => n.toLowerCase() === k.toLowerCase() || levenshtein(n, k) <= 2);
      fail(where, `${at}.${k}: unknown field${near.length ? ` (did you mean ${near.join(", ")}?)` : ""}`);
    } else await strictFields(v, byName.get(k), `${at}.${k}`, where);
  }
}
function levenshtein(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++)
    d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

async function checkK8s(objects, label) {
  for (const o of objects) {
    const file = o.__file;
    delete o.__file;
    const where = `${label} ${o.kind}/${o.metadata?.name} (${file})`;
    if (!o.apiVersion || !o.kind) { fail(where, "apiVersion and kind are required"); continue; }
    const Model = await k8sModel(o.apiVersion, o.kind);
    if (!Model) { fail(where, `unknown apiVersion/kind ${o.apiVersion} ${o.kind}`); continue; }
    try { new Model(structuredClone(o)).validate(); }
    catch (e) { fail(where, `schema: ${e.message}`); }
    const version = o.apiVersion.split("/").at(-1);
    await strictFields(o, `${version[0].toUpperCase()}${version.slice(1)}${o.kind}`, o.kind, where);
    if (!o.metadata?.name) fail(where, "metadata.name is required");
  }
  const byKind = (kind) => objects.filter((o) => o.kind === kind);
  const workloads = objects.filter((o) => podSpecs(o).length);
  const pvcs = new Set(byKind("PersistentVolumeClaim").map((o) => o.metadata.name));
  for (const w of workloads) {
    const where = `${label} ${w.kind}/${w.metadata.name}`;
    const pod = podSpecs(w)[0];
    if (w.spec?.selector?.matchLabels) {
      const labels = w.spec.template?.metadata?.labels ?? {};
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels)) if (labels[k] !== v) fail(where, `selector ${k}=${v} does not match the pod template's labels`);
    }
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    for (const v of pod.volumes ?? []) if (v.persistentVolumeClaim && !pvcs.has(v.persistentVolumeClaim.claimName)) fail(where, `volume ${v.name} claims ${v.persistentVolumeClaim.claimName}, which is not defined`);
    for (const c of containersOf(pod)) {
      if (!/:[^/:]+$|@sha256:/.test(c.image ?? "")) fail(where, `container ${c.name}: image ${c.image} has no tag after rendering`);
      for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) fail(where, `container ${c.name} mounts unknown volume ${m.name}`);
      const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
      const portNumbers = new Set((c.ports ?? []).map((p) => p.containerPort));
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const p = c[probe];
        const handler = p && (p.grpc ?? p.httpGet ?? p.tcpSocket);
        if (!handler) continue;
        const port = typeof handler.port === "string" ? ports.get(handler.port) : handler.port;
        if (!portNumbers.has(port)) fail(where, `container ${c.name}: ${probe} port ${handler.port} is not a container port`);
        if (p.grpc && typeof p.grpc.port !== "number") fail(where, `container ${c.name}: ${probe}.grpc.port must be a number`);
      }
    }
  }
  for (const s of byKind("Service")) {
    const where = `${label} Service/${s.metadata.name}`;
    const selector = s.spec?.selector ?? {};
    const selected = workloads.filter((w) => Object.entries(selector).every(([k, v]) => w.spec?.template?.metadata?.labels?.[k] === v));
    if (!selected.length) { fail(where, "selects no workload"); continue; }
    for (const p of s.spec?.ports ?? []) {
      if (typeof p.targetPort !== "string") continue;
      const named = selected.some((w) => containersOf(podSpecs(w)[0]).some((c) => (c.ports ?? []).some((cp) => cp.name === p.targetPort)));
      if (!named) fail(where, `targetPort ${p.targetPort} names no container port of the selected pods`);
    }
  }

  // FiSAO's own requirements (issue 7): replicated verifier with gRPC probes and resources, headless Service, trainer Job.
  const verifier = byKind("Deployment").find((d) => d.metadata.name === "fisao-verifier");
  if (!verifier) fail(label, "no fisao-verifier Deployment");
  else {
    if (!(verifier.spec.replicas >= 2)) fail(label, "the verifier Deployment should run several replicas");
    const c = verifier.spec.template.spec.containers[0];
    for (const probe of ["readinessProbe", "livenessProbe"]) if (!c[probe]?.grpc) fail(label, `the verifier has no gRPC ${probe}`);
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) fail(label, "the verifier has no CPU/memory requests");
    const headless = byKind("Service").find((s) => s.spec?.clusterIP === "None" &&
      Object.entries(s.spec.selector ?? {}).every(([k, v]) => verifier.spec.template.metadata.labels[k] === v));
    if (!headless) fail(label, "no headless Service (clusterIP: None) for client-side round-robin over the verifier");
  }
  if (!byKind("Job").length) fail(label, "no trainer Job");
}

// ---------------------------------------------------------------------------------------------------------------------
const walk = (dir, test) => !fs.existsSync(dir) ? [] : fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? (e.name === "node_modules" ? [] : walk(path.join(dir, e.name), test)) : test(e.name) ? [path.join(dir, e.name)] : []);

/** Validates the deployment files under repository root `tree`; returns { problems, notes, checked }. */
export async function validateTree(tree) {
  root = path.resolve(tree);
  problems = [];
  notes = [];
  checked = 0;
  dockerignore = loadDockerignore();

  const dockerfiles = walk(path.join(root, "deploy", "docker"), (n) => n.endsWith("Dockerfile"));
  if (!dockerfiles.length) fail("deploy/docker", "no Dockerfiles found");
  for (const f of dockerfiles) checkDockerfile(f);

  const base = path.join(root, "docker-compose.yml");
  if (!fs.existsSync(base)) fail(".", "docker-compose.yml is missing");
  else {
    const baseModel = checkComposeFile(base);
    const overrides = fs.readdirSync(root).filter((n) => /^docker-compose\..+\.ya?ml$/.test(n)).map((n) => path.join(root, n));
    const summary = checkComposeProject([base], [baseModel]);
    notes.push(`docker-compose.yml: services ${summary.services.join(", ")}; profiles ${summary.profiles.join(", ") || "none"}`);
    for (const o of overrides) {
      const model = checkComposeFile(o);
      if (model) checkComposeProject([base, o], [baseModel, model]);
    }
  }

  const kustomizations = walk(path.join(root, "deploy", "k8s"), (n) => n === "kustomization.yaml").map(path.dirname);
  if (!kustomizations.length) fail("deploy/k8s", "no kustomization.yaml found");
  const inKustomization = new Set();
  for (const dir of kustomizations) {
    const objects = renderKustomization(dir);
    for (const o of objects) inKustomization.add(o.__file);
    await checkK8s(objects, rel(dir));
    notes.push(`${rel(dir)}: ${objects.length} objects (${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(", ")})`);
  }
  for (const f of walk(path.join(root, "deploy", "k8s"), (n) => /\.ya?ml$/.test(n) && n !== "kustomization.yaml"))
    if (!inKustomization.has(rel(f))) fail(rel(f), "not listed in any kustomization.yaml, so never validated nor applied");
  return { problems, notes, checked };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rootArg = process.argv.indexOf("--root");
  const result = await validateTree(rootArg > 0 ? process.argv[rootArg + 1] : path.join(here, "..", ".."));
  for (const n of result.notes) console.log(`note: ${n}`);
  if (result.problems.length) {
    for (const p of result.problems) console.error(`INVALID ${p}`);
    console.error(`deploy validation: ${result.problems.length} problem(s) in ${result.checked} files`);
    process.exit(1);
  }
  console.log(`deploy validation: ${result.checked} files valid (Dockerfiles, compose files, Kubernetes manifests)`);
}
