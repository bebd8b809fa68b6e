// Finds fields that the API does not have (a typo such as `restartPolicyy`, a field at the wrong
// level), which the JSON schemas of kubernetes-models let through: they do not forbid
// additional properties. The API server, with kubectl's default strict field validation, would
// refuse them.
//
// The field lists come from the TypeScript declarations (.d.ts) that ship with kubernetes-models
// and @kubernetes-models/prometheus-operator: each type is one file whose `export interface`
// lists its fields, with the types of their values (`Array<…>`, an inline `{…}`, a map
// `{[key: string]: …}`, another imported type). A type this reader cannot follow accepts
// anything, so that it never reports a field that exists.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const ANY = { kind: "any" };

// --- A small reader of the TypeScript type syntax these declarations use ---------------------

function tokenize(text) {
  const tokens = [];
  const re = /\s+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[A-Za-z_$][\w$]*|-?\d+(?:\.\d+)?|=>|[{}()[\]<>|&;:,?.=]/gy;
  let m;
  while (re.lastIndex < text.length) {
    const at = re.lastIndex;
    m = re.exec(text);
    if (m === null) throw new Error(`cannot read type text at ${at}: ${text.slice(at, at + 20)}`);
    if (!/^\s+$/.test(m[0])) tokens.push(m[0]);
  }
  return tokens;
}

class TypeReader {
  constructor(tokens, resolveName) {
    this.t = tokens;
    this.i = 0;
    this.resolveName = resolveName;
  }
  peek() {
    return this.t[this.i];
  }
  next() {
    return this.t[this.i++];
  }
  eat(token) {
    if (this.peek() === token) {
      this.i++;
      return true;
    }
    return false;
  }
  expect(token) {
    const got = this.next();
    if (got !== token) throw new Error(`expected ${token}, got ${got}`);
  }

  type() {
    this.eat("|");
    const members = [this.postfix()];
    while (this.eat("|") || this.eat("&")) members.push(this.postfix());
    return members.length === 1 ? members[0] : { kind: "union", of: members };
  }
  postfix() {
    let type = this.primary();
    while (this.peek() === "[") {
      this.next();
      if (this.eat("]")) {
        type = { kind: "array", of: type };
      } else {
        this.next(); // an indexed access such as IDeployment["apiVersion"]
        this.expect("]");
        type = ANY;
      }
    }
    return type;
  }
  primary() {
    const token = this.next();
    if (token === "{") return this.objectBody("}");
    if (token === "(") {
      const inner = this.type();
      this.expect(")");
      return inner;
    }
    if (/^["'-\d]/.test(token)) return { kind: "scalar" };
    if (["string", "number", "boolean", "null", "undefined"].includes(token)) {
      return { kind: "scalar" };
    }
    if (["any", "unknown", "object", "never"].includes(token)) return ANY;
    if (token === "Array" || token === "ReadonlyArray") {
      this.expect("<");
      const of = this.type();
      this.expect(">");
      return { kind: "array", of };
    }
    if (token === "import") {
      // import("…").Name<…>: a type of another package, not followed.
      this.skipBalanced("(", ")");
      while (this.eat(".")) this.next();
      if (this.peek() === "<") this.skipBalanced("<", ">");
      return ANY;
    }
    if (/^[A-Za-z_$]/.test(token)) {
      let name = token;
      while (this.eat(".")) name += `.${this.next()}`;
      if (this.peek() === "<") {
        this.skipBalanced("<", ">");
        return ANY; // a generic such as Record<…> or ModelData<…>
      }
      return { kind: "ref", resolve: () => this.resolveName(name) };
    }
    throw new Error(`unexpected token ${token}`);
  }
  skipBalanced(open, close) {
    this.expect(open);
    let depth = 1;
    while (depth > 0) {
      const token = this.next();
      if (token === undefined) throw new Error(`unbalanced ${open}`);
      if (token === open) depth++;
      else if (token === close) depth--;
    }
  }
  // Members of an object type up to `end`: "name"?: T; and [key: string]: T;
  objectBody(end) {
    const fields = new Map();
    let index = null;
    while (!this.eat(end)) {
      if (this.peek() === undefined) throw new Error("unterminated object type");
      if (this.eat(";") || this.eat(",")) continue;
      if (this.eat("[")) {
        this.next(); // key
        this.expect(":");
        this.type();
        this.expect("]");
        this.expect(":");
        index = this.type();
        continue;
      }
      let name = this.next();
      if (name === "readonly" && this.peek() !== ":" && this.peek() !== "?") name = this.next();
      if (/^["']/.test(name)) name = JSON.parse(name.replace(/^'|'$/g, '"'));
      this.eat("?");
      this.expect(":");
      fields.set(name, this.type());
    }
    return { kind: "object", fields, index };
  }
}

// --- Declaration files --------------------------------------------------------------------

export class FieldChecker {
  constructor(modulesDir) {
    this.modules = modulesDir;
    this.files = new Map(); // path -> { main: type, names: Map }
  }

  // The .d.ts file an import specifier names, seen from `fromFile`.
  specifierFile(specifier, fromFile) {
    let base;
    if (specifier.startsWith(".")) base = path.resolve(path.dirname(fromFile), specifier);
    else base = path.join(this.modules, specifier);
    base = base.replace(/\.js$/, "");
    for (const candidate of [`${base}.d.ts`, path.join(base, "index.d.ts")]) {
      if (existsSync(candidate)) return candidate;
    }
    return null;
  }

  // The main type of a declaration file: its interface, else its first type alias.
  fileType(file) {
    if (this.files.has(file)) return this.files.get(file);
    const entry = { type: ANY };
    this.files.set(file, entry); // a type that refers to itself meets ANY, not a loop
    let text = readFileSync(file, "utf8");
    text = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, "");
    const imports = new Map();
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"([^"]+)"/g)) {
      for (const part of m[1].split(",")) {
        const [orig, alias] = part.trim().split(/\s+as\s+/);
        if (orig) imports.set((alias ?? orig).trim(), m[2]);
      }
    }
    const resolveName = (name) => {
      const specifier = imports.get(name);
      if (!specifier) return ANY;
      const target = this.specifierFile(specifier, file);
      return target ? this.fileType(target).type : ANY;
    };
    try {
      const iface = /export interface \w+(?:\s+extends[^{]*)?\s*\{/.exec(text);
      if (iface) {
        const reader = new TypeReader(tokenize(text.slice(iface.index + iface[0].length)),
          resolveName);
        entry.type = reader.objectBody("}");
      } else {
        const alias = /export type \w+\s*=\s*([^;]*(?:\{[\s\S]*?\})?[^;]*);/.exec(text);
        if (alias) {
          const reader = new TypeReader(tokenize(alias[1]), resolveName);
          entry.type = reader.type();
        }
      }
    } catch {
      entry.type = ANY;
    }
    return entry;
  }

  // Every path in `value` that `type` has no field for.
  check(value, type, where = "", out = []) {
    while (type.kind === "ref") type = type.resolve();
    if (value === null || value === undefined || type.kind === "any") return out;
    if (type.kind === "union") {
      const objects = type.of.filter((t) => {
        while (t.kind === "ref") t = t.resolve();
        return t.kind === "object" || t.kind === "array" || t.kind === "any";
      });
      if (objects.length === 0) return out;
      let best = null;
      for (const candidate of objects) {
        const found = this.check(value, candidate, where, []);
        if (best === null || found.length < best.length) best = found;
        if (found.length === 0) break;
      }
      out.push(...best);
      return out;
    }
    if (type.kind === "array") {
      if (Array.isArray(value)) value.forEach((v, i) => this.check(v, type.of, `${where}[${i}]`, out));
      return out;
    }
    if (type.kind === "object" && typeof value === "object" && !Array.isArray(value)) {
      for (const [key, v] of Object.entries(value)) {
        const field = type.fields.get(key) ?? type.index;
        if (field === undefined || field === null) out.push(`${where}.${key}`.replace(/^\./, ""));
        else this.check(v, field, `${where}.${key}`, out);
      }
    }
    return out;
  }

  // The unknown fields of one object whose class is declared in `declarationFile`.
  unknownFields(obj, declarationFile) {
    return this.check(obj, this.fileType(declarationFile).type);
  }
}
