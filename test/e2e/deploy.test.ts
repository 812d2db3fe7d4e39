// Proves the deployment artifacts hold together without a container engine: the Kubernetes
// manifests validate offline against the Kubernetes JSON schemas (kubeconform, strict), the compose
// file parses and wires a 3-node NATS cluster to 2 serves, the image's build runs the Makefile
// targets CI runs and its HEALTHCHECK command really probes /readyz, and systemd accepts the unit.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { startServe, type ServeProcess } from "../support/serve.js"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const at = (...p: Array<string>) => join(ROOT, ...p)
const read = (...p: Array<string>) => readFileSync(at(...p), "utf8")

// Installed by `bash deploy/tools.sh` (`make setup`): kubeconform from the Go module proxy, and the
// Kubernetes JSON schemas that the kubernetes-validate package ships, with PyYAML beside it.
const KUBECONFORM = at(".tools", "bin", "kubeconform")
const PYTHONPATH = at(".tools", "python")
const SCHEMAS = at(".tools", "python", "kubernetes_validate", "kubernetes-json-schema")
const haveKubeconform = existsSync(KUBECONFORM) && existsSync(SCHEMAS)
const haveYaml = spawnSync("python3", ["-c", "import yaml"], { env: { ...process.env, PYTHONPATH } }).status === 0
const haveSystemd = spawnSync("systemd-analyze", ["--version"]).status === 0
/** A skipped check says why in its title. */
const unless = (have: boolean, why: string) => (have ? "" : ` (skipped: ${why})`)
const NO_TOOLS = "kubeconform or the schemas are missing; run bash deploy/tools.sh"
const NO_YAML = "PyYAML is missing; run bash deploy/tools.sh"

/** Every document of a YAML file, through PyYAML (no YAML parser among the npm dependencies). */
const yamlDocs = (file: string): Array<any> =>
  JSON.parse(
    execFileSync(
      "python3",
      ["-c", "import json,sys,yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))", file],
      {
        env: { ...process.env, PYTHONPATH },
        encoding: "utf8",
      },
    ),
  )

/** The newest `-local-strict` schema set, with its absolute /api/_definitions.json refs made local files. */
const offlineSchemas = (kinds: ReadonlyArray<string>): string => {
  const newest = readdirSync(SCHEMAS)
    .filter((d) => d.endsWith("-local-strict"))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
    .pop()!
  const dir = mkdtempSync(join(tmpdir(), "dagnats-k8s-schemas-"))
  for (const f of [...kinds, "_definitions"]) {
    const text = readFileSync(join(SCHEMAS, newest, `${f}.json`), "utf8")
    writeFileSync(
      join(dir, `${f}.json`),
      text.replaceAll('"/api/_definitions.json#', `"file://${dir}/_definitions.json#`),
    )
  }
  return dir
}

describe("deploy - Kubernetes manifests", () => {
  it.skipIf(!haveKubeconform)(
    `deploy - every manifest in deploy/kubernetes validates strictly against the Kubernetes schemas, offline${unless(haveKubeconform, NO_TOOLS)}`,
    () => {
      const schemas = offlineSchemas([
        "deployment-apps-v1",
        "service-v1",
        "configmap-v1",
        "secret-v1",
        "poddisruptionbudget-policy-v1",
      ])
      try {
        const r = spawnSync(
          KUBECONFORM,
          [
            "-strict",
            "-summary",
            "-schema-location",
            `${schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
            at("deploy", "kubernetes"),
          ],
          {
            encoding: "utf8",
          },
        )
        expect(r.stdout + r.stderr).toMatch(
          /Summary: 5 resources found in 5 files - Valid: 5, Invalid: 0, Errors: 0, Skipped: 0/,
        )
        expect(r.status).toBe(0)
        // The check can fail: an unknown field is refused.
        const bad = join(schemas, "bad.yaml")
        writeFileSync(bad, read("deploy", "kubernetes", "service.yaml").replace("spec:", "spec:\n  bogus: 1"))
        const refused = spawnSync(
          KUBECONFORM,
          ["-strict", "-schema-location", `${schemas}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, bad],
          { encoding: "utf8" },
        )
        expect(refused.status).toBe(1)
        expect(refused.stdout).toMatch(/additional properties 'bogus' not allowed/)
      } finally {
        rmSync(schemas, { recursive: true, force: true })
      }
    },
  )

  it.skipIf(!haveYaml)(
    `deploy - the Deployment probes /readyz and /healthz, runs as non-root, reads the ConfigMap and Secret, and gives the drain 30 s${unless(haveYaml, NO_YAML)}`,
    () => {
      const [deployment] = yamlDocs(at("deploy", "kubernetes", "deployment.yaml"))
      const pod = deployment.spec.template.spec
      const container = pod.containers[0]
      expect(container.readinessProbe.httpGet.path).toBe("/readyz")
      expect(container.livenessProbe.httpGet.path).toBe("/healthz")
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30)
      expect(pod.securityContext.runAsNonRoot).toBe(true)
      expect(container.envFrom).toEqual([
        { configMapRef: { name: "dagnats-config" } },
        { secretRef: { name: "dagnats-secrets" } },
      ])
      const [configMap] = yamlDocs(at("deploy", "kubernetes", "configmap.yaml"))
      const [secret] = yamlDocs(at("deploy", "kubernetes", "secret.yaml"))
      expect([configMap.metadata.name, secret.metadata.name]).toEqual(["dagnats-config", "dagnats-secrets"])
      expect(configMap.data.DAGNATS_HTTP_ADDR).toBe("0.0.0.0:8080")
    },
  )
})

describe("deploy - compose", () => {
  it.skipIf(!haveYaml)(
    `deploy - compose.yaml parses and runs 3 clustered NATS nodes from their own confs and 2 serves with replicas 3${unless(haveYaml, NO_YAML)}`,
    () => {
      const [compose] = yamlDocs(at("deploy", "compose", "compose.yaml"))
      expect(Object.keys(compose.services).sort()).toEqual(["nats-1", "nats-2", "nats-3", "serve-1", "serve-2"])
      for (const n of [1, 2, 3]) {
        const volume = compose.services[`nats-${n}`].volumes.find((v: string) => v.endsWith(":/etc/nats/nats.conf:ro"))
        const conf = join(ROOT, "deploy", "compose", volume.split(":")[0])
        const text = readFileSync(conf, "utf8")
        expect(text).toContain(`server_name: nats-${n}`)
        for (const m of [1, 2, 3]) expect(text).toContain(`nats-route://nats-${m}:6222`)
      }
      for (const s of ["serve-1", "serve-2"]) {
        const serve = compose.services[s]
        expect(serve.environment.NATS_URL).toBe("nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222")
        expect(serve.environment.DAGNATS_REPLICAS).toBe("3")
        expect(existsSync(join(ROOT, "deploy", "compose", serve.build.context, serve.build.dockerfile))).toBe(true)
      }
    },
  )
})

describe("deploy - container image", () => {
  let nats: TestNatsServer
  let serve: ServeProcess
  beforeAll(async () => {
    nats = await startNatsServer()
    serve = await startServe({ natsUrl: nats.url })
  })
  afterAll(async () => {
    await serve?.stop()
    await nats?.dispose()
  })

  const containerfile = () => read("deploy", "Containerfile")

  it("deploy - the Containerfile is multi-stage, builds with the Makefile targets CI runs, runs `dagnats serve` as a non-root user", () => {
    const text = containerfile()
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2)
    const targets = new Set([...read("Makefile").matchAll(/^([a-z]+):/gm)].map((m) => m[1]))
    const runLines = text
      .split("\n")
      .filter((l) => l.startsWith("RUN "))
      .join("\n")
    const makeCalls = [...runLines.matchAll(/\bmake ([a-z]+)/g)].map((m) => m[1])
    expect(makeCalls).toEqual(["build", "test"])
    for (const t of makeCalls) expect(targets, `make ${t}`).toContain(t)
    expect(read(".ci", "run")).toMatch(/^make test$/m)
    const users = [...text.matchAll(/^USER (\S+)/gm)].map((m) => m[1])
    expect(users).toEqual(["node"])
    expect(text).toMatch(/^ENTRYPOINT \["node", "\/app\/bin\/dagnats", "serve"\]$/m)
  })

  it("deploy - the image's HEALTHCHECK command exits 0 against a ready serve and 1 when nothing answers", () => {
    const m = /^HEALTHCHECK .*\\\n\s+CMD \[(.*)\]$/m.exec(containerfile())
    const argv = JSON.parse(`[${m![1]}]`) as Array<string>
    expect(argv.slice(0, 2)).toEqual(["node", "-e"])
    expect(argv[2]).toContain("/readyz")
    const probe = (addr: string) =>
      spawnSync(process.execPath, ["-e", argv[2]!], {
        env: { ...process.env, DAGNATS_HTTP_ADDR: addr },
        timeout: 10_000,
      }).status
    expect(probe(`0.0.0.0:${serve.httpPort}`)).toBe(0)
    expect(probe("0.0.0.0:1")).toBe(1)
  })
})

describe("deploy - systemd", () => {
  it.skipIf(!haveSystemd)(
    `deploy - systemd-analyze verify accepts dagnats.service without a warning${unless(haveSystemd, "systemd-analyze is not installed")}`,
    () => {
      const r = spawnSync("systemd-analyze", ["verify", at("deploy", "systemd", "dagnats.service")], {
        encoding: "utf8",
      })
      expect(r.stderr.trim()).toBe("")
      expect(r.status).toBe(0)
      expect(read("deploy", "systemd", "dagnats.service")).toMatch(
        /^ExecStart=\/usr\/bin\/node \/opt\/dagnats\/bin\/dagnats serve$/m,
      )
    },
  )
})
