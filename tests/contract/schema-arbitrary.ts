/**
 * fast-check arbitraries generated from the description's schemas: any object they produce is
 * valid under the schema (each sample is checked by the same validator as the contract tests).
 * Handles the keywords the extract uses: $ref, allOf, type, properties, required, items,
 * additionalProperties, enum, format (uri, date-time), pattern, minimum, minItems, uniqueItems.
 */
import fc from 'fast-check';
import { DESCRIPTION, validatorFor } from './openapi.ts';

type Schema = Record<string, unknown>;

/** Below this depth, only required properties are generated (the schemas are recursive). */
const MAX_DEPTH = 4;

const dateTime = fc
  .integer({ min: Date.UTC(2008, 0, 1), max: Date.UTC(2031, 0, 1) })
  .map((time) => new Date(time).toISOString().replace('Z', '+00:00'));

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  return resolve(DESCRIPTION.components.schemas[ref.replace('#/components/schemas/', '')] as Schema);
}

function fromSchema(raw: Schema, depth: number): fc.Arbitrary<unknown> {
  const schema = resolve(raw);
  if (Array.isArray(schema.allOf)) {
    // Every part describes the same object: generate each and merge them.
    const parts = (schema.allOf as Schema[]).map((part) => fromSchema(part, depth));
    return fc.tuple(...parts).map((values) => Object.assign({}, ...values.map((value) => (isRecord(value) ? value : {}))));
  }
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') return dateTime;
      if (schema.format === 'uri') return fc.webUrl();
      if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(`^${schema.pattern}$`));
      return fc.string({ maxLength: 12 });
    case 'integer':
      return fc.integer({ min: typeof schema.minimum === 'number' ? schema.minimum : -1000, max: 100_000 });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      if (depth >= MAX_DEPTH) return fc.constant([]);
      const items = fromSchema((schema.items ?? {}) as Schema, depth + 1);
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      return schema.uniqueItems === true
        ? fc.uniqueArray(items, { minLength, maxLength: 3, comparator: (a, b) => JSON.stringify(a) === JSON.stringify(b) })
        : fc.array(items, { minLength, maxLength: 3 });
    }
    case 'object':
    case undefined: {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const keys = Object.keys(properties).filter((key) => required.has(key) || depth < MAX_DEPTH);
      const record = Object.fromEntries(keys.map((key) => [key, fromSchema(properties[key] ?? {}, depth + 1)]));
      return fc.record(record, { requiredKeys: keys.filter((key) => required.has(key)) });
    }
    default:
      throw new Error(`schema type ${String(schema.type)} is not generated`);
  }
}

/** Objects valid under the named schema, with `extra` (the fields a test needs) laid over them. */
export function validObject<T extends Record<string, unknown>>(
  name: string,
  extra: fc.Arbitrary<T> = fc.constant({} as T),
): fc.Arbitrary<Record<string, unknown> & T> {
  const validate = validatorFor(name);
  return fc
    .tuple(fromSchema({ $ref: `#/components/schemas/${name}` }, 0), extra)
    .map(([base, fields]) => ({ ...(base as Record<string, unknown>), ...fields }))
    .filter((value) => validate(value) === true);
}

/** A value of the type and format the named schema declares for `property`. */
export function propertyOf(name: string, property: string): fc.Arbitrary<unknown> {
  const schema = resolve({ $ref: `#/components/schemas/${name}` });
  const parts = Array.isArray(schema.allOf) ? (schema.allOf as Schema[]).map(resolve) : [schema];
  for (const part of parts.reverse()) {
    const found = (part.properties as Record<string, Schema> | undefined)?.[property];
    if (found !== undefined) return fromSchema(found, MAX_DEPTH - 1);
  }
  throw new Error(`${name} has no property ${property}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
