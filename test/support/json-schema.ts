// Validating JSON against a JSON Schema (draft 2020-12) with an independent validator: Python's
// `jsonschema`, which deploy/tools.sh installs into .tools/python (a dependency of
// kubernetes-validate), or the system's own. No npm validator is a dependency of this project.
import { spawnSync } from "node:child_process"
import { fileURLToPath } from "node:url"

const PYTHONPATH = fileURLToPath(new URL("../../.tools/python", import.meta.url))

const SCRIPT = `
import json, sys
from jsonschema import Draft202012Validator
out = []
for case in json.load(sys.stdin):
    try:
        Draft202012Validator.check_schema(case["schema"])
    except Exception as e:
        out.append(["schema: " + str(e).splitlines()[0]])
        continue
    v = Draft202012Validator(case["schema"])
    out.append([("/".join(str(p) for p in e.absolute_path) or "(root)") + ": " + e.message[:300] for e in v.iter_errors(case["instance"])])
print(json.dumps(out))
`

const env = { ...process.env, PYTHONPATH }

/** Whether a validator is at hand (python3 with jsonschema). */
export const haveJsonSchema =
  spawnSync("python3", ["-c", "from jsonschema import Draft202012Validator"], { env }).status === 0

/** For each case, the validation errors ("path: message"); an empty array when the instance is valid. */
export const validateAll = (
  cases: ReadonlyArray<{ readonly schema: unknown; readonly instance: unknown }>,
): Array<Array<string>> => {
  const r = spawnSync("python3", ["-c", SCRIPT], { env, input: JSON.stringify(cases), maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0) throw new Error(`jsonschema failed: ${r.stderr.toString()}`)
  return JSON.parse(r.stdout.toString()) as Array<Array<string>>
}
