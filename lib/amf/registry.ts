/**
 * Class aliases (AMF0 typed objects §2.18, AMF3 traits §3.12) and AMF3 externalizable codecs.
 * One process-wide registry, like flash.net.registerClassAlias.
 */
import type { Amf3Reader, Amf3Writer } from './amf3.js';
import { amfError } from './error.js';
import { createTraits, type AmfTraits } from './types.js';

export interface RegisterClassOptions {
  /** AMF3 sealed member names, written first and in this order (default: none). */
  sealed?: readonly string[];
  /** AMF3: write other own enumerable properties as dynamic members (default: true). */
  dynamic?: boolean;
}

export interface ExternalizableCodec {
  /** Reads the object's body (after its traits); use `reader.read()` for nested AMF3 values. */
  read(reader: Amf3Reader): object;
  /** Writes the object's body; use `writer.write()` for nested AMF3 values. */
  write(value: object, writer: Amf3Writer): void;
  /** Instances of this constructor are written with this codec. */
  ctor?: Function;
}

export interface ClassEntry {
  readonly alias: string;
  readonly ctor: new () => object;
  readonly traits: AmfTraits;
}

export interface ExternalizableEntry {
  readonly alias: string;
  readonly codec: ExternalizableCodec;
  readonly traits: AmfTraits;
}

const classesByAlias = new Map<string, ClassEntry>();
const classesByCtor = new Map<Function, ClassEntry>();
const externalsByAlias = new Map<string, ExternalizableEntry>();
const externalsByCtor = new Map<Function, ExternalizableEntry>();

function checkAlias(alias: string): void {
  if (typeof alias !== 'string' || alias === '') {
    throw amfError('ERR_AMF_INVALID', 'a class alias must be a non-empty string');
  }
}

/**
 * Decoding an object with this alias builds `new ctor()` and assigns its members; encoding an
 * instance of `ctor` writes an AMF0 typed object / AMF3 object with these traits.
 */
export function registerClass(alias: string, ctor: new () => object, options: RegisterClassOptions = {}): void {
  checkAlias(alias);
  if (typeof ctor !== 'function') throw amfError('ERR_AMF_INVALID', `registerClass('${alias}'): ctor must be a constructor`);
  unregisterClass(alias);
  const entry: ClassEntry = { alias, ctor, traits: createTraits(alias, options.sealed ?? [], options.dynamic ?? true) };
  classesByAlias.set(alias, entry);
  classesByCtor.set(ctor, entry);
}

/** Registers an AMF3 externalizable class (traits flag 0x04): its body format is the codec's. */
export function registerExternalizable(alias: string, codec: ExternalizableCodec): void {
  checkAlias(alias);
  if (typeof codec?.read !== 'function' || typeof codec.write !== 'function') {
    throw amfError('ERR_AMF_INVALID', `registerExternalizable('${alias}'): codec needs read() and write()`);
  }
  unregisterClass(alias);
  const entry: ExternalizableEntry = { alias, codec, traits: createTraits(alias, [], false, true) };
  externalsByAlias.set(alias, entry);
  if (codec.ctor) externalsByCtor.set(codec.ctor, entry);
}

/** Forgets an alias registered by either function. */
export function unregisterClass(alias: string): void {
  const cls = classesByAlias.get(alias);
  if (cls) {
    classesByAlias.delete(alias);
    if (classesByCtor.get(cls.ctor) === cls) classesByCtor.delete(cls.ctor);
  }
  const ext = externalsByAlias.get(alias);
  if (ext) {
    externalsByAlias.delete(alias);
    if (ext.codec.ctor && externalsByCtor.get(ext.codec.ctor) === ext) externalsByCtor.delete(ext.codec.ctor);
  }
}

export function classByAlias(alias: string): ClassEntry | undefined {
  return classesByAlias.get(alias);
}

export function classByCtor(ctor: Function): ClassEntry | undefined {
  return classesByCtor.get(ctor);
}

export function externalizableByAlias(alias: string): ExternalizableEntry | undefined {
  return externalsByAlias.get(alias);
}

export function externalizableByCtor(ctor: Function): ExternalizableEntry | undefined {
  return externalsByCtor.get(ctor);
}
