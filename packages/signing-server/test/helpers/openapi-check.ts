/**
 * Checks responses against the served OpenAPI 3.1 document: the status must be documented for the
 * operation, and a JSON body must validate against the documented schema (ajv, JSON Schema
 * 2020-12 as OpenAPI 3.1 uses). `startTestServer` (env.ts) runs every response the server test
 * suites receive through `app.request` past this and fails the suite on a mismatch; the setup
 * file test/setup/openapi-fetch.ts does the same for every `fetch` to a loopback server (the
 * real-HTTP suites) and fails the test that received it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument } from '../../src/http/openapi.js';

type Doc = ReturnType<typeof openApiDocument>;
interface Op {
  method: string;
  re: RegExp;
  params: number;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

export class OpenApiChecker {
  readonly violations: string[] = [];
  readonly #ops: Op[] = [];
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #doc: Doc;
  /** How many responses were checked (the test reports it). */
  checked = 0;

  constructor(doc: Doc = openApiDocument('http://127.0.0.1')) {
    this.#doc = doc;
    for (const [p, methods] of Object.entries(doc.paths)) {
      const params = (p.match(/\{/g) ?? []).length;
      const re = new RegExp(
        `^${p
          .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
          .replace(/\{request\}$/, '(.+)')
          .replace(/\{[A-Za-z]+\}/g, '([^/]+)')}$`,
      );
      for (const [method, op] of Object.entries(methods as Record<string, { responses: Op['responses'] }>))
        this.#ops.push({ method: method.toUpperCase(), re, params, responses: op.responses });
    }
    this.#ops.sort((a, b) => a.params - b.params);
  }

  #validator(key: string, schema: unknown): ValidateFunction {
    let v = this.#validators.get(key);
    if (!v) {
      const resolved =
        (schema as { $ref?: string }).$ref === '#/components/schemas/Error'
          ? this.#doc.components.schemas.Error
          : schema;
      v = this.#ajv.compile(resolved as object);
      this.#validators.set(key, v);
    }
    return v;
  }

  /** Checks one response (reads a clone of its body). */
  async check(method: string, url: string, res: Response): Promise<void> {
    const path = new URL(url, 'http://x').pathname;
    const op = this.#ops.find((o) => o.method === method.toUpperCase() && o.re.test(path));
    if (!op) return; // not an operation (404 no such endpoint, wrong method)
    this.checked++;
    const where = `${method.toUpperCase()} ${path} → ${res.status}`;
    const doc = op.responses[String(res.status)];
    if (!doc) {
      this.violations.push(`${where}: status not documented`);
      return;
    }
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!doc.content) {
      const body = await res.clone().text();
      if (body.length > 0 && res.status !== 302 && res.status !== 303)
        this.violations.push(`${where}: documented without a body, got ${body.length} bytes`);
      return;
    }
    const media = doc.content[type];
    if (!media) {
      // An HTML page may also answer with the JSON error body (e.g. 415 from the body parser).
      const jsonError = type === 'application/json' && res.status >= 400;
      if (!jsonError || !Object.keys(doc.content).includes('text/html'))
        this.violations.push(`${where}: content type ${type || '(none)'} not documented`);
      if (!jsonError) return;
    }
    if (type !== 'application/json') return;
    const schema = media?.schema ?? this.#doc.components.schemas.Error;
    const body = await res
      .clone()
      .json()
      .catch(() => undefined);
    const v = this.#validator(`${op.re.source} ${op.method} ${res.status} ${media ? '' : 'err'}`, schema);
    if (!v(body))
      this.violations.push(
        `${where}: body does not match the documented schema: ${this.#ajv.errorsText(v.errors).slice(0, 300)}`,
      );
  }
}

/**
 * The checker of test/setup/openapi-fetch.ts (every loopback `fetch` response of this test file),
 * or undefined outside the signing server's test files.
 */
export function fetchChecker(): OpenApiChecker | undefined {
  return (globalThis as { kysoFetchChecker?: OpenApiChecker }).kysoFetchChecker;
}
