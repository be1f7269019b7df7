// Validates Kubernetes objects against the schemas of their kinds; reads JSON on stdin:
//   {"crds": {"<group>/<version>/<Kind>": <openAPIV3Schema>}, "served": {"<group>/<Kind>": ["v1", ...]},
//    "objects": [{"source": "...", "object": {...}}]}
// Kubernetes' own kinds: kubernetes-models (validators compiled from Kubernetes' OpenAPI schemas);
// keda.sh: @kubernetes-models/keda (compiled from KEDA's released CRDs); the kinds in "crds" (Strimzi's):
// their openAPIV3Schema with ajv, strict as kubectl's field validation is (an object that lists its
// properties admits no others unless it preserves unknown fields). Prints one line per object; exits 1
// when any is invalid or has no schema.
import Ajv from "ajv";

const input = JSON.parse(await new Promise((resolve) => {
  let text = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (text += chunk));
  process.stdin.on("end", () => resolve(text));
}));

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addVocabulary(["x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string",
  "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type",
  "x-kubernetes-validations", "x-kubernetes-embedded-resource"]);

function strict(schema) {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === "properties" ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, strict(s)])) : strict(v);
  }
  if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

const compiled = new Map();
async function validatorFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const crd = input.crds[`${group}/${version}/${kind}`];
  if (crd) {
    if (!compiled.has(crd)) compiled.set(crd, ajv.compile(strict(crd)));
    const check = compiled.get(crd);
    return { schema: `CRD ${group}/${version} ${kind}`, errors: (o) => (check(o) ? [] : check.errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ": " + e.params.additionalProperty : ""}`)) };
  }
  const served = input.served[`${group}/${kind}`];
  if (served) {
    return { schema: `CRD ${group} ${kind}`, errors: () => [`${apiVersion} is not served by the CRD (served: ${served.join(", ")})`] };
  }
  const module = group === "keda.sh" ? `@kubernetes-models/keda/keda.sh/${version}` : `kubernetes-models/${apiVersion}`;
  let models;
  try {
    models = await import(module);
  } catch {
    return null;
  }
  const Model = models[kind];
  if (!Model) return null;
  return {
    schema: module,
    errors: (o) => {
      try {
        new Model(o).validate();
        return [];
      } catch (e) {
        return (e.errors || [e]).map((x) => x.instancePath !== undefined ? `${x.instancePath || "/"} ${x.message}` : String(x.message || x));
      }
    },
  };
}

let bad = 0;
for (const { source, object } of input.objects) {
  const what = `${source}: ${object.apiVersion} ${object.kind} ${object.metadata?.name}`;
  const validator = await validatorFor(object.apiVersion, object.kind);
  if (!validator) {
    console.log(`NO SCHEMA ${what}`);
    bad++;
    continue;
  }
  const errors = validator.errors(object);
  if (errors.length) {
    bad++;
    console.log(`INVALID ${what} (${validator.schema}):\n  ${errors.join("\n  ")}`);
  } else {
    console.log(`valid ${what} (${validator.schema})`);
  }
}
process.exit(bad ? 1 : 0);
