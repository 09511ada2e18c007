// Validates Kubernetes manifests against the schemas Kubernetes publishes (its OpenAPI
// definitions, as compiled into kubernetes-models' validators), offline.
// Usage: node validate-kubernetes.mjs FILE.yaml...
// Exit 0 when every document of every file is valid; 1 otherwise, naming file, document and error.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";

const require = createRequire(import.meta.url);

/** kubernetes-models' module for an apiVersion and kind: core is "v1", others "group/version". */
function modelFor(apiVersion, kind) {
  if (!/^[a-z0-9.]*\/?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) {
    return undefined;
  }
  try {
    const mod = require(`kubernetes-models/${apiVersion}/${kind}`);
    return mod[kind];
  } catch (e) {
    return undefined;
  }
}

let failures = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  docs.forEach((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length > 0) {
      console.error(`${where}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      failures++;
      return;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) {
      return;
    }
    const name = `${obj.kind}/${obj.metadata?.name}`;
    const Model = modelFor(String(obj.apiVersion), String(obj.kind));
    if (!Model) {
      console.error(`${where}: unknown apiVersion/kind: ${obj.apiVersion} ${obj.kind}`);
      failures++;
      return;
    }
    try {
      new Model(obj).validate();
      checked++;
      console.log(`${where}: ${obj.apiVersion} ${name}: valid`);
    } catch (e) {
      const details = (e.errors ?? [])
        .map((x) => `${x.instancePath || "/"} ${x.message}${x.params ? " " + JSON.stringify(x.params) : ""}`)
        .join("; ");
      console.error(`${where}: ${obj.apiVersion} ${name}: ${e.message}${details ? ": " + details : ""}`);
      failures++;
    }
  });
}
console.log(`kubernetes: ${checked} documents valid, ${failures} invalid`);
process.exit(failures === 0 ? 0 : 1);
