// Proves the deployment artifacts hold together without a container engine: the Kubernetes
// manifests validate offline against the Kubernetes JSON schemas (kubeconform, strict), the compose
// file parses and wires a 3-node NATS cluster to 2 serves, the image's build stage builds when its
// steps are replayed on exactly the files it copies (no Go, no npm beyond `npm ci`), its HEALTHCHECK
// command really probes /readyz, systemd accepts the unit, and every file the deployment files and
// their docs name exists. Also that `make run` installs only what serve needs, `make setup` the rest.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { execFileSync, spawnSync } from "node:child_process"
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { basename, delimiter, dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import { startNatsServer, type TestNatsServer } from "../support/nats-server.js"
import { startServe, type ServeProcess } from "../support/serve.js"
import { VERSION } from "../../src/version.js"

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

// ---- the Containerfile, read the way a builder reads it ----

interface Instruction {
  readonly op: string
  readonly args: string
}
interface Stage {
  readonly name: string
  readonly steps: ReadonlyArray<Instruction>
}

/** The stages of a Containerfile: comments dropped, continuation lines joined, `FROM … AS name` starting each. */
const containerStages = (text: string): Array<Stage> => {
  const lines = text.split("\n").filter((l) => !/^\s*#/.test(l))
  const joined: Array<string> = []
  let current = ""
  for (const line of lines) {
    current += line.endsWith("\\") ? `${line.slice(0, -1)} ` : line
    if (line.endsWith("\\")) continue
    if (current.trim() !== "") joined.push(current.trim())
    current = ""
  }
  const stages: Array<{ name: string; steps: Array<Instruction> }> = []
  for (const l of joined) {
    const m = /^(\S+)\s+(.*)$/.exec(l)!
    const op = m[1]!.toUpperCase()
    if (op === "FROM") stages.push({ name: /\sAS\s+(\S+)$/i.exec(m[2]!)?.[1] ?? `#${stages.length}`, steps: [] })
    else if (op !== "ARG" || stages.length > 0) stages.at(-1)?.steps.push({ op, args: m[2]!.replace(/\s+/g, " ") })
  }
  return stages
}

/**
 * The .dockerignore patterns as a predicate on context-relative paths: Go filepath.Match syntax with
 * `**`, matched against the path and each of its parents. An exception (`!`) is refused so the check
 * never silently copies what a builder would not.
 */
const dockerignore = (text: string): ((path: string) => boolean) => {
  const patterns = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((p) => {
      if (p.startsWith("!")) throw new Error(`.dockerignore exceptions are not replayed: ${p}`)
      const body = p
        .replace(/^\/+|\/+$/g, "")
        .split("")
        .map((c) => (c === "*" ? "\u0000" : c === "?" ? "[^/]" : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("")
        .replaceAll("\u0000\u0000", ".*")
        .replaceAll("\u0000", "[^/]*")
      return new RegExp(`^${body}$`)
    })
  return (path) => {
    const parts = path.split("/")
    return parts.some((_, i) => patterns.some((re) => re.test(parts.slice(0, i + 1).join("/"))))
  }
}

/** `COPY src… dest` of the build context into `workdir`, as a builder does, through the ignore filter. */
const replayCopy = (args: string, workdir: string, ignored: (path: string) => boolean) => {
  const words = args.split(" ")
  if (words.some((w) => w.startsWith("--")) || args.startsWith("[")) throw new Error(`COPY form not replayed: ${args}`)
  const dest = words.at(-1)!
  const sources = words.slice(0, -1)
  const into = (p: string) => join(workdir, p)
  for (const src of sources) {
    if (/[*?[]/.test(src)) throw new Error(`COPY glob not replayed: ${src}`)
    const from = join(ROOT, src)
    if (!existsSync(from) || ignored(src)) throw new Error(`COPY ${src}: not in the build context`)
    const intoDir = dest.endsWith("/") || sources.length > 1
    const target = statSync(from).isDirectory() ? into(dest) : intoDir ? join(into(dest), basename(src)) : into(dest)
    mkdirSync(statSync(from).isDirectory() ? target : dirname(target), { recursive: true })
    cpSync(from, target, {
      recursive: true,
      preserveTimestamps: true,
      filter: (f) => !ignored(relative(ROOT, f)),
    })
  }
}

/**
 * What `npm ci` leaves behind, without running npm: a node_modules whose entries are the installed
 * packages (links to this checkout's) and whose .package-lock.json, the Makefile's stamp, is written
 * after package.json was copied in, as npm ci writes it.
 */
const installedNodeModules = (workdir: string) => {
  const shared = at("node_modules")
  const target = join(workdir, "node_modules")
  mkdirSync(target)
  for (const entry of readdirSync(shared)) {
    if (entry === ".package-lock.json") copyFileSync(join(shared, entry), join(target, entry))
    else symlinkSync(join(shared, entry), join(target, entry))
  }
}

/**
 * A PATH like the build stage's: no Go anywhere on it, and npm, npx, pip and apt-get stopping the
 * build with a line naming them (the stage runs `npm ci` once, before `make build`, and nothing after).
 */
const buildStagePath = (dir: string): string => {
  const guards = join(dir, "guards")
  mkdirSync(guards)
  for (const tool of ["npm", "npx", "pip", "pip3", "apt-get", "sudo"]) {
    writeFileSync(join(guards, tool), `#!/bin/sh\necho "build stage ran ${tool} $*" >&2\nexit 127\n`)
    chmodSync(join(guards, tool), 0o755)
  }
  const noGo = (process.env["PATH"] ?? "").split(delimiter).filter((d) => d !== "" && !existsSync(join(d, "go")))
  return [guards, ...noGo].join(delimiter)
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

  it("deploy - the Containerfile is multi-stage, builds with `make build` (the Makefile target CI runs before its tests), runs `dagnats serve` as a non-root user", () => {
    const text = containerfile()
    expect(text.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2)
    const targets = new Set([...read("Makefile").matchAll(/^([a-z]+):/gm)].map((m) => m[1]))
    const runLines = text
      .split("\n")
      .filter((l) => l.startsWith("RUN "))
      .join("\n")
    const makeCalls = [...runLines.matchAll(/\bmake ([a-z]+)/g)].map((m) => m[1])
    expect(makeCalls).toEqual(["build"])
    for (const t of makeCalls) expect(targets, `make ${t}`).toContain(t)
    expect(read(".ci", "run")).toMatch(/^make test$/m)
    const users = [...text.matchAll(/^USER (\S+)/gm)].map((m) => m[1])
    expect(users).toEqual(["node"])
    expect(text).toMatch(/^ENTRYPOINT \["node", "--max-semi-space-size=32", "\/app\/bin\/dagnats", "serve"\]$/m)
  })

  it("deploy - the build stage, replayed on exactly the files it COPYs through Containerfile.dockerignore, builds dist/ with no Go and no npm after `npm ci`; the built CLI runs", () => {
    const stages = containerStages(containerfile())
    const build = stages.find((s) => s.name === "build")!
    const ignored = dockerignore(read("deploy", "Containerfile.dockerignore"))
    const dir = mkdtempSync(join(tmpdir(), "dagnats-image-build-"))
    try {
      const PATH = buildStagePath(dir)
      const root = join(dir, "root")
      let workdir = root
      const ran: Array<string> = []
      const aptPackages: Array<string> = []
      const buildArgs: Record<string, string> = {}
      for (const { op, args } of build.steps) {
        if (op === "ARG") {
          const [name, value = ""] = args.split("=")
          buildArgs[name!] = value
        } else if (op === "WORKDIR") {
          workdir = join(root, args)
          mkdirSync(workdir, { recursive: true })
        } else if (op === "COPY") {
          replayCopy(args, workdir, ignored)
        } else if (op === "RUN" && args.startsWith("apt-get ")) {
          // The base image's packages cannot be installed here; checked below, after the build ran.
          aptPackages.push(/apt-get install -y -qq --no-install-recommends ([a-z0-9 -]+?) &&/.exec(args)?.[1] ?? args)
        } else if (op === "RUN" && args.startsWith("npm ci")) {
          expect(args).toBe("npm ci --no-audit --no-fund --loglevel=error")
          expect(existsSync(join(workdir, "package-lock.json"))).toBe(true)
          installedNodeModules(workdir)
        } else if (op === "RUN") {
          const r = spawnSync("/bin/sh", ["-c", args], {
            cwd: workdir,
            env: { ...buildArgs, PATH, HOME: join(dir, "home") },
            encoding: "utf8",
            timeout: 120_000,
          })
          expect({ run: args, status: r.status, output: r.stdout + r.stderr }).toEqual({
            run: args,
            status: 0,
            output: expect.any(String),
          })
          ran.push(args)
        } else {
          throw new Error(`build stage instruction not replayed: ${op} ${args}`)
        }
      }
      expect(ran).toEqual(["make build"])
      // The build needs nothing of the base image's beyond make (ca-certificates: for apt and npm).
      expect(aptPackages).toEqual(["make ca-certificates"])
      // What the runtime stage takes from the build stage is there, and the CLI in it runs.
      const fromBuild = stages
        .flatMap((s) => s.steps)
        .filter((i) => i.op === "COPY" && i.args.startsWith("--from=build "))
        .map((i) => i.args.split(" ")[1]!)
      expect(fromBuild).toEqual(["/src/dist", "/src/bin"])
      for (const p of fromBuild) expect(existsSync(join(root, p)), p).toBe(true)
      expect(existsSync(join(root, "src", "dist", "cli", "main.js"))).toBe(true)
      const version = spawnSync(process.execPath, [join(root, "src", "bin", "dagnats"), "--version"], {
        encoding: "utf8",
      })
      expect([version.status, version.stdout.trim()]).toEqual([0, `dagnats v${VERSION}`])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("deploy - the replay's filters hold: Containerfile.dockerignore drops what it names at the context root, and a COPY of an ignored path is refused", () => {
    const ignored = dockerignore(read("deploy", "Containerfile.dockerignore"))
    expect(
      ["node_modules", "dist/cli/main.js", ".git", ".tools/bin/nats", "bench/run.mjs", "x.log"].map(ignored),
    ).toEqual([true, true, true, true, true, true])
    expect(["src/cli/main.ts", "bin/dagnats", "Makefile", "src/x.log", "deploy/tools.sh"].map(ignored)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ])
    const dir = mkdtempSync(join(tmpdir(), "dagnats-image-copy-"))
    try {
      expect(() => replayCopy("bench ./bench", dir, ignored)).toThrow("COPY bench: not in the build context")
      expect(() => replayCopy("deploy/nope ./x", dir, ignored)).toThrow("COPY deploy/nope: not in the build context")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
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

describe("deploy - files named exist", () => {
  const textFiles = (dir: string): Array<string> =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? textFiles(join(dir, e.name)) : [join(dir, e.name)],
    )
  const docs = [at("README.md"), ...textFiles(at("docs")), ...textFiles(at("deploy"))]

  it("deploy - every deploy/… path named in deploy/, README.md and docs/ exists", () => {
    const named = new Set(
      docs.flatMap((f) =>
        [...readFileSync(f, "utf8").matchAll(/\bdeploy\/[A-Za-z0-9_./-]*[A-Za-z0-9_/]/g)].map((m) => m[0]),
      ),
    )
    expect(named.size).toBeGreaterThan(5)
    expect([...named].filter((p) => !existsSync(at(p)))).toEqual([])
  })

  it.skipIf(!haveYaml)(
    `deploy - compose.yaml builds from a context and Containerfile that exist and mounts only files that exist${unless(haveYaml, NO_YAML)}`,
    () => {
      const dir = at("deploy", "compose")
      const [compose] = yamlDocs(join(dir, "compose.yaml"))
      const missing: Array<string> = []
      for (const [name, service] of Object.entries<any>(compose.services)) {
        const want = (p: string) => {
          if (!existsSync(join(dir, p))) missing.push(`${name}: ${p}`)
        }
        if (service.build !== undefined) {
          want(service.build.context)
          want(join(service.build.context, service.build.dockerfile))
        }
        for (const v of service.volumes ?? []) if (/^\.\.?\//.test(v)) want(v.split(":")[0])
        for (const f of [service.env_file ?? []].flat()) want(f)
      }
      expect(missing).toEqual([])
    },
  )

  it.skipIf(!haveYaml)(
    `deploy - every ConfigMap and Secret the Kubernetes Deployment reads is one of deploy/kubernetes' manifests${unless(haveYaml, NO_YAML)}`,
    () => {
      const manifests = readdirSync(at("deploy", "kubernetes")).flatMap((f) => yamlDocs(at("deploy", "kubernetes", f)))
      const defined = new Set(manifests.map((m) => `${m.kind}/${m.metadata.name}`))
      const pod = manifests.find((m) => m.kind === "Deployment").spec.template.spec
      const read = [
        ...pod.containers.flatMap((c: any) => c.envFrom ?? []),
        ...pod.containers.flatMap((c: any) => (c.env ?? []).map((e: any) => e.valueFrom ?? {})),
        ...(pod.volumes ?? []),
      ].flatMap((r: any) => [
        ...[r.configMapRef, r.configMapKeyRef, r.configMap].filter(Boolean).map((x: any) => `ConfigMap/${x.name}`),
        ...[r.secretRef, r.secretKeyRef].filter(Boolean).map((x: any) => `Secret/${x.name}`),
        ...(r.secret ? [`Secret/${r.secret.secretName}`] : []),
      ])
      expect(read.length).toBeGreaterThan(0)
      expect(read.filter((r) => !defined.has(r))).toEqual([])
    },
  )

  it("deploy - every /opt/dagnats path in dagnats.service is one its install line copies from the repository", () => {
    const unit = read("deploy", "systemd", "dagnats.service")
    const copied = /^#\s+cp -r (.+) \/opt\/dagnats\/$/m.exec(unit)![1]!.split(" ")
    const used = [...unit.matchAll(/\/opt\/dagnats\/([A-Za-z0-9_./-]+)/g)].map((m) => m[1]!).filter((p) => p !== "")
    expect(used).toEqual(["docs/operations.md", "bin/dagnats"])
    for (const p of used) {
      expect(copied, p).toContain(p.split("/")[0])
      expect(existsSync(at(p)), p).toBe(true)
    }
  })
})

describe("deploy - Makefile", () => {
  /** `make -n target` in a copy of the Makefile whose npm packages are installed and whose .tools is empty. */
  const dryRun = (target: string): string => {
    const dir = mkdtempSync(join(tmpdir(), "dagnats-make-"))
    try {
      for (const f of ["Makefile", "package.json", "package-lock.json"])
        cpSync(at(f), join(dir, f), { preserveTimestamps: true })
      installedNodeModules(dir)
      // make -n still runs the recipe lines that call $(MAKE); they link under this .tools only.
      mkdirSync(join(dir, ".tools", "bin"), { recursive: true })
      const r = spawnSync("make", ["-n", "--no-print-directory", target], {
        cwd: dir,
        encoding: "utf8",
        env: process.env,
      })
      expect({ target, status: r.status, stderr: r.stderr }).toEqual({ target, status: 0, stderr: "" })
      return r.stdout
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  const haveGo = spawnSync("go", ["version"]).status === 0
  const TEST_TOOLS = /go install|deploy\/tools\.sh|pip/

  it("deploy - `make run` installs only what serve needs (npm packages, Debian's nats-server), builds and serves: no Go builds, no deploy/tools.sh", () => {
    const run = dryRun("run")
    expect(run).not.toMatch(TEST_TOOLS)
    expect(run).toContain("apt-get install -y -qq nats-server")
    expect(run).toMatch(/node_modules\/\.bin\/tsc -p tsconfig\.build\.json\n/)
    expect(run.trimEnd().split("\n").at(-1)).toBe("./bin/dagnats serve")
    expect(dryRun("build")).not.toMatch(TEST_TOOLS)
  })

  it("deploy - `make test` (CI) and `make setup` still install every test tool: the Go builds and deploy/tools.sh", () => {
    for (const target of ["setup", "test"]) {
      const out = dryRun(target)
      expect(out).toContain("bash deploy/tools.sh")
      expect(out).toContain("apt-get install -y -qq nats-server")
      if (haveGo) {
        expect(out).toContain("go install github.com/nats-io/nats-server/v2@v")
        expect(out).toContain("go install github.com/nats-io/natscli/nats@v")
      } else {
        expect(out).toContain("go not found")
      }
    }
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
        /^ExecStart=\/usr\/bin\/node --max-semi-space-size=32 \/opt\/dagnats\/bin\/dagnats serve$/m,
      )
    },
  )
})
