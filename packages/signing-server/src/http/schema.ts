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

/** Returns the first problem found, or undefined when `v` conforms. */
export function validate(schema: JsonSchema, v: unknown, at = '$'): string | undefined {
  switch (schema.type) {
    case 'object': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at} must be an object`;
      const o = v as Record<string, unknown>;
      for (const r of schema.required ?? []) if (o[r] === undefined) return `${at}.${r} is required`;
      for (const [k, val] of Object.entries(o)) {
        const ps = schema.properties?.[k];
        if (!ps) {
          if (schema.additionalProperties === false) return `${at}.${k} is not allowed`;
          continue;
        }
        const p = validate(ps, val, `${at}.${k}`);
        if (p) return p;
      }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(v)) return `${at} must be an array`;
      if (schema.minItems !== undefined && v.length < schema.minItems)
        return `${at} needs at least ${schema.minItems} items`;
      if (schema.maxItems !== undefined && v.length > schema.maxItems)
        return `${at} allows at most ${schema.maxItems} items`;
      if (schema.items) {
        for (let i = 0; i < v.length; i++) {
          const p = validate(schema.items, v[i], `${at}[${i}]`);
          if (p) return p;
        }
      }
      return undefined;
    }
    case 'string':
      if (typeof v !== 'string') return `${at} must be a string`;
      if (schema.minLength !== undefined && v.length < schema.minLength) return `${at} is too short`;
      if (schema.maxLength !== undefined && v.length > schema.maxLength) return `${at} is too long`;
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(v))
        return `${at} has an invalid format`;
      break;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) return `${at} must be an integer`;
      break;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${at} must be a number`;
      break;
    case 'boolean':
      if (typeof v !== 'boolean') return `${at} must be a boolean`;
      break;
    default:
      break;
  }
  if (typeof v === 'number') {
    if (schema.minimum !== undefined && v < schema.minimum) return `${at} must be >= ${schema.minimum}`;
    if (schema.maximum !== undefined && v > schema.maximum) return `${at} must be <= ${schema.maximum}`;
  }
  if (schema.enum && !schema.enum.includes(v as string))
    return `${at} must be one of ${schema.enum.join(', ')}`;
  return undefined;
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
 * overflow the stack.
 */
export function findBadText(v: unknown): string | undefined {
  const stack: [unknown, string][] = [[v, '$']];
  while (stack.length > 0) {
    const [x, at] = stack.pop()!;
    if (typeof x === 'string') {
      if (isBadText(x)) return at;
    } else if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) stack.push([x[i], `${at}[${i}]`]);
    } else if (typeof x === 'object' && x !== null) {
      for (const [k, val] of Object.entries(x)) {
        if (isBadText(k)) return at;
        stack.push([val, `${at}.${k}`]);
      }
    }
  }
  return undefined;
}

/**
 * The decoded path segments and query of a request URL that hold NUL or ill-formed Unicode
 * (`%00`, a literal NUL); undefined when the URL is clean. Segments that are not valid
 * percent-encoding are checked as they are (the router leaves them undecoded too).
 */
export function badUrlText(url: string): string | undefined {
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
