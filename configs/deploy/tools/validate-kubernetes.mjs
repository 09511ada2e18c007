// Validates Kubernetes manifests against the schemas Kubernetes publishes, offline: types, enums
// and required fields with kubernetes-models' validators (compiled from Kubernetes' OpenAPI
// definitions), and unknown fields, which those schemas allow (as `kubectl --validate=strict`
// does not), with the field lists that @kubernetes/client-node generates from the same
// definitions.
// Usage: node validate-kubernetes.mjs FILE.yaml...
// Exit 0 when every document of every file is valid; 1 otherwise, naming file, document and error.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";
import * as k8s from "@kubernetes/client-node";

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

/** client-node's model class for an apiVersion and kind: apps/v1 Deployment is V1Deployment. */
function fieldsFor(apiVersion, kind) {
  const version = apiVersion.split("/").pop();
  return k8s[version.charAt(0).toUpperCase() + version.slice(1) + kind];
}

/** Paths of the fields in `value` that its type does not have. */
function unknownFields(value, type, path, out) {
  if (value === null || value === undefined) {
    return out;
  }
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    (Array.isArray(value) ? value : []).forEach((v, i) =>
      unknownFields(v, array[1], `${path}/${i}`, out),
    );
    return out;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value)) {
      unknownFields(v, map[1], `${path}/${k}`, out);
    }
    return out;
  }
  const model = k8s[type];
  if (!model?.attributeTypeMap || typeof value !== "object") {
    return out; // a primitive, IntOrString, or free-form: the schema check covers it
  }
  const fields = new Map(model.attributeTypeMap.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) {
      out.push(`${path}/${k}`);
    } else {
      unknownFields(v, fields.get(k), `${path}/${k}`, out);
    }
  }
  return out;
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
    const fields = fieldsFor(String(obj.apiVersion), String(obj.kind));
    const unknown = fields ? unknownFields(obj, fields.name, "", []) : ["(no field list)"];
    if (unknown.length > 0) {
      console.error(`${where}: ${obj.apiVersion} ${name}: unknown fields: ${unknown.join(", ")}`);
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
