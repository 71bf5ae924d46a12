/**
 * A small JSON Schema (2020-12 subset) validator used at the HTTP edge. The same schema objects
 * are published in the OpenAPI document, so what is documented is what is enforced.
 */
/** The JSON Schema keywords the validator enforces (and OpenAPI publishes). */
export interface JsonSchema {
  type?: 'object' | 'string' | 'integer' | 'number' | 'boolean' | 'array';
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: readonly (string | number | boolean)[];
  minimum?: number;
  maximum?: number;
  description?: string;
}

/**
 * A problem found below the top: `rest` is the message after the location, `path` the location's
 * segments innermost first (`.name`, `[3]`), joined only when there is a problem to report, so a
 * conforming body allocates no location strings.
 */
interface Problem {
  path: string[];
  rest: string;
}

/** Each schema's `pattern`, compiled once. */
const patterns = new WeakMap<JsonSchema, RegExp>();
function patternOf(schema: JsonSchema & { pattern: string }): RegExp {
  let re = patterns.get(schema);
  if (!re) {
    re = new RegExp(schema.pattern);
    patterns.set(schema, re);
  }
  return re;
}

const problem = (rest: string): Problem => ({ path: [], rest });
const within = (p: Problem | undefined, seg: string): Problem | undefined => {
  if (p) p.path.push(seg);
  return p;
};

function checkObject(schema: JsonSchema, v: unknown): Problem | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return problem(' must be an object');
  const o = v as Record<string, unknown>;
  for (const r of schema.required ?? []) if (o[r] === undefined) return problem(`.${r} is required`);
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    const ps = schema.properties?.[k];
    if (!ps) {
      if (schema.additionalProperties === false) return problem(`.${k} is not allowed`);
      continue;
    }
    const p = within(check(ps, o[k]), `.${k}`);
    if (p) return p;
  }
  return undefined;
}

function checkArray(schema: JsonSchema, v: unknown): Problem | undefined {
  if (!Array.isArray(v)) return problem(' must be an array');
  if (schema.minItems !== undefined && v.length < schema.minItems)
    return problem(` needs at least ${schema.minItems} items`);
  if (schema.maxItems !== undefined && v.length > schema.maxItems)
    return problem(` allows at most ${schema.maxItems} items`);
  if (schema.items)
    for (let i = 0; i < v.length; i++) {
      const p = within(check(schema.items, v[i]), `[${i}]`);
      if (p) return p;
    }
  return undefined;
}

function checkScalar(schema: JsonSchema, v: unknown): Problem | undefined {
  switch (schema.type) {
    case 'string':
      if (typeof v !== 'string') return problem(' must be a string');
      if (schema.minLength !== undefined && v.length < schema.minLength) return problem(' is too short');
      if (schema.maxLength !== undefined && v.length > schema.maxLength) return problem(' is too long');
      if (schema.pattern !== undefined && !patternOf(schema as JsonSchema & { pattern: string }).test(v))
        return problem(' has an invalid format');
      break;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) return problem(' must be an integer');
      break;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return problem(' must be a number');
      break;
    case 'boolean':
      if (typeof v !== 'boolean') return problem(' must be a boolean');
      break;
    default:
      break;
  }
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) return problem(` must be >= ${schema.minimum}`);
    if (schema.maximum !== undefined && v > schema.maximum) return problem(` must be <= ${schema.maximum}`);
  }
  if (schema.enum && !schema.enum.includes(v as string))
    return problem(` must be one of ${schema.enum.join(', ')}`);
  return undefined;
}

function check(schema: JsonSchema, v: unknown): Problem | undefined {
  if (schema.type === 'object') return checkObject(schema, v);
  if (schema.type === 'array') return checkArray(schema, v);
  return checkScalar(schema, v);
}

/** Returns the first problem found, or undefined when `v` conforms. */
export function validate(schema: JsonSchema, v: unknown, at = '$'): string | undefined {
  const p = check(schema, v);
  return p && `${at}${p.path.reverse().join('')}${p.rest}`;
}

// Reusable pieces ---------------------------------------------------------------------------------

export const str = (maxLength = 256, extra: Partial<JsonSchema> = {}): JsonSchema => ({
  type: 'string',
  maxLength,
  ...extra,
});
export const b64hash: JsonSchema = {
  type: 'string',
  minLength: 16,
  maxLength: 100,
  pattern: '^[A-Za-z0-9+/]+={0,2}$',
};
export const oidStr: JsonSchema = {
  type: 'string',
  maxLength: 100,
  pattern: '^[0-2](\\.(0|[1-9][0-9]{0,18}))+$',
};
export const obj = (
  properties: Record<string, JsonSchema>,
  required: string[] = [],
  additionalProperties = true,
): JsonSchema => ({
  type: 'object',
  properties,
  required,
  additionalProperties,
});

// Text the database cannot store ------------------------------------------------------------------

/** NUL (PostgreSQL text refuses it) or a lone UTF-16 surrogate (not well-formed Unicode). */
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isBadText(s: string): boolean {
  return BAD_TEXT.test(s);
}

/**
 * Finds a string (value or object key) holding NUL or a lone surrogate anywhere in a parsed JSON
 * or form value; returns its location, or undefined. Iterative, so deeply nested input cannot
 * overflow the stack; locations are only spelled out for the value that is reported.
 */
export function findBadText(v: unknown): string | undefined {
  // Each entry: a value and its parent entry's index with the step to it (location on demand).
  const values: unknown[] = [v];
  const parents: number[] = [-1];
  const steps: (string | number)[] = [''];
  const stack: number[] = [0];
  const where = (i: number): string => {
    let at = '';
    for (let j = i; j > 0; j = parents[j]!) {
      const s = steps[j]!;
      at = `${typeof s === 'number' ? `[${s}]` : `.${s}`}${at}`;
    }
    return `$${at}`;
  };
  const push = (x: unknown, parent: number, step: string | number) => {
    values.push(x);
    parents.push(parent);
    steps.push(step);
    stack.push(values.length - 1);
  };
  while (stack.length > 0) {
    const i = stack.pop()!;
    const x = values[i];
    if (typeof x === 'string') {
      if (isBadText(x)) return where(i);
    } else if (Array.isArray(x)) {
      for (let k = 0; k < x.length; k++) push(x[k], i, k);
    } else if (typeof x === 'object' && x !== null) {
      for (const k in x) {
        if (!Object.hasOwn(x, k)) continue;
        if (isBadText(k)) return where(i);
        push((x as Record<string, unknown>)[k], i, k);
      }
    }
  }
  return undefined;
}

/** Characters after which a URL can hold no NUL or ill-formed text once decoded. */
const PLAIN_URL = /^[\x21-\x24\x26-\x7e]*$/;

/**
 * The decoded path segments and query of a request URL that hold NUL or ill-formed Unicode
 * (`%00`, a literal NUL); undefined when the URL is clean. Segments that are not valid
 * percent-encoding are checked as they are (the router leaves them undecoded too). A URL of
 * printable ASCII without `%` decodes to itself and is clean: answered without parsing it.
 */
export function badUrlText(url: string): string | undefined {
  if (PLAIN_URL.test(url)) return undefined;
  const u = new URL(url);
  for (const seg of u.pathname.split('/')) {
    let d = seg;
    try {
      d = decodeURIComponent(seg);
    } catch {
      // left undecoded
    }
    if (isBadText(d)) return 'path';
  }
  for (const [k, v] of u.searchParams) if (isBadText(k) || isBadText(v)) return 'query';
  return undefined;
}
