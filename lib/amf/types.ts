/**
 * Shared AMF vocabulary: decode/encode options and their defaults, the symbols that carry wire
 * details JS has no slot for (so a decoded value re-encodes to the same bytes), and small wrapper
 * classes for AMF types with no JS equivalent. See /work/notes/amf-readme.md for the full mapping.
 */

/** Limits applied while decoding. Every one has a finite default (`AMF_DEFAULTS`). */
export interface AmfDecodeOptions {
  /** Deepest nesting of containers (objects, arrays, vectors, dictionaries). → AMF_DEPTH_EXCEEDED */
  maxDepth?: number;
  /** Largest size of any one reference table (AMF0 objects; AMF3 strings, objects, traits). → AMF_TOO_MANY_REFERENCES */
  maxReferences?: number;
  /** Largest byte length of one string / XML / ByteArray, and largest element count of one collection. → AMF_LENGTH_EXCEEDED */
  maxLength?: number;
}

/** Limits applied while encoding. */
export interface AmfEncodeOptions {
  /** Deepest nesting of containers; also stops runaway recursion. → AMF_DEPTH_EXCEEDED */
  maxDepth?: number;
}

export const AMF_DEFAULTS = {
  maxDepth: 64,
  maxReferences: 65536,
  maxLength: 16 * 1024 * 1024,
} as const;

/** Resolved limits: options merged over the defaults. */
export interface AmfLimits {
  maxDepth: number;
  maxReferences: number;
  maxLength: number;
}

export function resolveLimits(options: AmfDecodeOptions | AmfEncodeOptions | undefined): AmfLimits {
  const o = (options ?? {}) as AmfDecodeOptions;
  return {
    maxDepth: o.maxDepth ?? AMF_DEFAULTS.maxDepth,
    maxReferences: o.maxReferences ?? AMF_DEFAULTS.maxReferences,
    maxLength: o.maxLength ?? AMF_DEFAULTS.maxLength,
  };
}

/**
 * Non-enumerable marker on a plain object that came from (or must go out as) an AMF0 ECMA array
 * (0x08), or an AMF3 array with only an associative part. The encoder honours it, so `onMetaData`
 * round-trips byte-exact. Set it with `ecmaArray(obj)`.
 */
export const AMF_ECMA_ARRAY: unique symbol = Symbol.for('rtmp-pipeline.amf.ecmaArray');

/**
 * Non-enumerable `AmfTraits` on a decoded object whose class alias is not registered (or whose
 * AMF3 traits differ from the registered defaults), so it re-encodes with the same alias/traits.
 */
export const AMF_TRAITS: unique symbol = Symbol.for('rtmp-pipeline.amf.traits');

/** Non-enumerable number on a Date decoded from AMF0 with a non-zero time-zone field (AMF0 §2.13). */
export const AMF_DATE_TIMEZONE: unique symbol = Symbol.for('rtmp-pipeline.amf.dateTimeZone');

/** Non-enumerable `true` on an Int32Array/Uint32Array/Float64Array decoded from a fixed AMF3 vector (AMF3 §3.15). */
export const AMF_VECTOR_FIXED: unique symbol = Symbol.for('rtmp-pipeline.amf.vectorFixed');

/** Non-enumerable `true` on a Map decoded from an AMF3 Dictionary with weak keys (AMF3 §3.16). */
export const AMF_DICTIONARY_WEAK: unique symbol = Symbol.for('rtmp-pipeline.amf.dictionaryWeak');

/** An object's class description. AMF0 typed objects only use `className`. */
export interface AmfTraits {
  /** Class alias; '' for an anonymous object. */
  readonly className: string;
  /** AMF3 sealed member names, written in this order before dynamic members. */
  readonly sealed: readonly string[];
  /** AMF3: whether members beyond `sealed` are written (dynamic traits). */
  readonly dynamic: boolean;
  /** AMF3: the object's body is written by a registered externalizable codec. */
  readonly externalizable: boolean;
}

export function createTraits(className: string, sealed: readonly string[] = [], dynamic = true, externalizable = false): AmfTraits {
  return Object.freeze({ className, sealed: Object.freeze([...sealed]), dynamic, externalizable });
}

/** Traits of an anonymous dynamic object: what a plain `{}` is in AMF3. */
export const ANONYMOUS_TRAITS: AmfTraits = createTraits('');

/** Marks `obj` as an ECMA array (see `AMF_ECMA_ARRAY`) and returns it. */
export function ecmaArray<T extends object>(obj: T): T {
  Object.defineProperty(obj, AMF_ECMA_ARRAY, { value: true, configurable: true });
  return obj;
}

export function isEcmaArray(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[AMF_ECMA_ARRAY] === true;
}

/** The traits kept on a decoded object (`AMF_TRAITS`), if any. */
export function traitsOf(value: object): AmfTraits | undefined {
  return (value as Record<symbol, AmfTraits | undefined>)[AMF_TRAITS];
}

/** AMF0 XML document (0x0F) and AMF3 XMLDocument (0x07): the legacy flash.xml.XMLDocument. */
export class AmfXmlDocument {
  constructor(readonly xml: string) {}
}

/** AMF3 XML (0x0B): an E4X XML value. Written as an XML document (0x0F) in AMF0. */
export class AmfXml {
  constructor(readonly xml: string) {}
}

/** AMF0 unsupported (0x0D): a value the sender could not serialize. */
export class AmfUnsupported {}

/** AMF3 Vector.<T> of objects (0x10) with its element type name ('*' or '' for Object). */
export class AmfVectorObject<T = unknown> {
  constructor(
    readonly items: T[] = [],
    readonly typeName = '',
    readonly fixed = false,
  ) {}
}

/**
 * Inside an AMF0 value: write `value` in AMF3 behind the AVM+ marker (0x11, AMF0 §3.1). The
 * decoder returns the inner value itself, not this wrapper.
 */
export class AmfAvmPlus {
  constructor(readonly value: unknown) {}
}

/** Own data property, never a prototype change: `__proto__` from the wire stays a plain key. */
export function setOwn(target: object, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    (target as Record<string, unknown>)[key] = value;
  }
}

/** Defines a hidden (non-enumerable) symbol property. */
export function setHidden(target: object, key: symbol, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true });
}
