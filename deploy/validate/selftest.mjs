// Proves that validate.mjs can fail: copies the deployment files into a scratch tree (the large source folders are
// symlinked), breaks them one way at a time, and requires validate.mjs to reject each break with the expected message.
// Run by run.sh after the real validation (in-process: one second for all breaks).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { validateTree } from "./validate.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "fisao-deploy-selftest-"));

for (const name of ["services", "protos", "build", "clients", "trainer", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props"])
  fs.symlinkSync(path.join(root, name), path.join(scratch, name));
for (const name of fs.readdirSync(root).filter((n) => /^docker-compose.*\.ya?ml$/.test(n) || n === ".dockerignore"))
  fs.copyFileSync(path.join(root, name), path.join(scratch, name));
fs.cpSync(path.join(root, "deploy"), path.join(scratch, "deploy"), { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });

const breaks = [
  ["unknown Kubernetes field", "deploy/k8s/base/verifier-deployment.yaml", "readinessProbe:", "readinesProbe:", "readinesProbe: unknown field (did you mean readinessProbe?)"],
  ["wrong Kubernetes type", "deploy/k8s/base/verifier-deployment.yaml", "replicas: 3", 'replicas: "3"', "spec/replicas must be integer"],
  ["missing required field", "deploy/k8s/base/verifier-deployment.yaml", "- name: verifier\n", "- imagePullPolicy: Always\n", "must have required property"],
  ["undefined claim", "deploy/k8s/base/verifier-deployment.yaml", "claimName: fisao-verifier-data", "claimName: fisao-verifier-dta", "claims fisao-verifier-dta, which is not defined"],
  ["service selecting nothing", "deploy/k8s/base/verifier-services.yaml", "clusterIP: None\n  selector:\n    app.kubernetes.io/name: fisao-verifier", "clusterIP: None\n  selector:\n    app.kubernetes.io/name: fisao-verfier", "selects no workload"],
  ["probe on a port the container lacks", "deploy/k8s/base/verifier-deployment.yaml", "livenessProbe:\n            grpc:\n              port: 5000", "livenessProbe:\n            grpc:\n              port: 5001", "livenessProbe port 5001 is not a container port"],
  ["no headless Service", "deploy/k8s/base/verifier-services.yaml", "clusterIP: None", "clusterIP: 10.0.0.10", "no headless Service"],
  ["manifest outside the kustomization", "deploy/k8s/base/kustomization.yaml", "  - trainer-job.yaml\n", "", "not listed in any kustomization.yaml"],
  ["patch on a missing path", "deploy/k8s/overlays/cuda/kustomization.yaml", "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu\n        value: \"1\"\n      - op: add\n        path: /spec/template/spec/containers/0/env/-",
    "/spec/template/spec/containers/0/resourcez/limits/nvidia.com~1gpu\n        value: \"1\"\n      - op: add\n        path: /spec/template/spec/containers/0/env/-", "resourcez does not exist"],
  ["unsupported kustomize field", "deploy/k8s/base/kustomization.yaml", "namespace: fisao", "namespace: fisao\nnamePrefix: x-", "namePrefix is not supported"],
  ["compose schema: unknown service key", "docker-compose.yml", "    restart: unless-stopped\n    stop_grace_period", "    restrat: unless-stopped\n    stop_grace_period", "must NOT have additional properties (restrat)"],
  ["compose schema: wrong type", "docker-compose.yml", "      retries: 3", "      retries: [3]", "/services/verifier/healthcheck/retries"],
  ["compose: unknown dependency", "docker-compose.yml", "    depends_on:\n      verifier:\n        condition: service_healthy", "    depends_on:\n      verifer:\n        condition: service_healthy", "depends on unknown service verifer"],
  ["compose: undeclared volume", "docker-compose.yml", "      - checkpoints:/checkpoints", "      - checkpoint:/checkpoints", "mounts undeclared volume checkpoint"],
  ["compose: missing Dockerfile", "docker-compose.cuda.yml", "deploy/docker/verifier.cuda.Dockerfile", "deploy/docker/verifier-cuda.Dockerfile", "Dockerfile deploy/docker/verifier-cuda.Dockerfile does not exist"],
  ["compose: missing mounted file", "docker-compose.yml", "./deploy/prometheus/prometheus.yml:", "./deploy/prometheus/prom.yml:", "bind-mounts ./deploy/prometheus/prom.yml"],
  ["Dockerfile: runs as root", "deploy/docker/verifier.Dockerfile", "USER $APP_UID", "USER root", "the final USER is root"],
  ["Dockerfile: no HEALTHCHECK", "deploy/docker/verifier.Dockerfile", "HEALTHCHECK --interval", "# HEALTHCHECK --interval", "no HEALTHCHECK"],
  ["Dockerfile: SDK in the final stage", "deploy/docker/verifier.Dockerfile", "FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime", "FROM mcr.microsoft.com/dotnet/sdk:10.0 AS runtime", "the final stage is the SDK image"],
  ["Dockerfile: COPY of a missing path", "deploy/docker/verifier.Dockerfile", "COPY protos/ protos/", "COPY proto/ protos/", "COPY source proto/ does not exist"],
  ["Dockerfile: project graph not copied", "deploy/docker/verifier.Dockerfile", "COPY protos/ protos/\n", "", "needed to build services/Verifier/FiSAO.Verifier.csproj) is not copied"],
  ["Dockerfile: CPU image with the CUDA backend", "deploy/docker/verifier.Dockerfile", "-p:TorchBackend=cpu", "-p:TorchBackend=cuda", "a CPU image must publish with -p:TorchBackend=cpu"],
  ["Dockerfile: lint error", "deploy/docker/verifier.Dockerfile", "EXPOSE 5000", "EXPOSE 5000/tcpx", "error:"],
  [".dockerignore drops sources", ".dockerignore", "!services/", "!services/Verifier/", "is excluded by .dockerignore"],
];

let failures = 0;
for (const [label, file, from, to, expected] of breaks) {
  const target = path.join(scratch, file);
  const original = fs.readFileSync(target, "utf8");
  if (!original.includes(from)) { console.error(`selftest: "${label}": ${file} no longer contains the text to break; update selftest.mjs`); failures++; continue; }
  fs.writeFileSync(target, original.replace(from, to));
  const { problems } = await validateTree(scratch);
  fs.writeFileSync(target, original);
  if (problems.some((p) => p.includes(expected))) continue;
  failures++;
  console.error(`selftest: "${label}" was not rejected as expected (wanted "${expected}"); problems:\n  ${problems.join("\n  ") || "(none)"}`);
}
const clean = await validateTree(scratch);
if (clean.problems.length) { failures++; console.error(`selftest: the unbroken copy does not validate:\n  ${clean.problems.join("\n  ")}`); }
fs.rmSync(scratch, { recursive: true, force: true });
if (failures) { console.error(`deploy validator selftest: ${failures} of ${breaks.length + 1} checks failed`); process.exit(1); }
console.log(`deploy validator selftest: all ${breaks.length} deliberate breaks rejected, the unbroken copy accepted`);
