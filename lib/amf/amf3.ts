/**
 * AMF3 (Adobe AMF 3 Specification, January 2013): reader and writer with the string, object and
 * traits reference tables of §2.2 on both sides. The writer mirrors the reader's table order
 * exactly: every value the reader would add to a table, the writer adds at the same moment.
 */
import { oneShotCodec, type AmfCodec } from './one-shot.js';
import { ByteSink } from './byte-sink.js';
import { AmfCursor } from './cursor.js';
import { amfError, guardUserCode } from './error.js';
import { classByAlias, classByCtor, externalizableByAlias, externalizableByCtor } from './registry.js';
import {
  AMF_DICTIONARY_WEAK,
  AMF_ECMA_ARRAY,
  AMF_TRAITS,
  AMF_VECTOR_FIXED,
  ANONYMOUS_TRAITS,
  AmfAvmPlus,
  AmfUnsupported,
  AmfVectorObject,
  AmfXml,
  AmfXmlDocument,
  setHidden,
  setOwn,
  type AmfDecodeOptions,
  type AmfEncodeOptions,
  type AmfTraits,
} from './types.js';

/** AMF3 §3.1 type markers. */
export const Amf3Marker = {
  Undefined: 0x00,
  Null: 0x01,
  False: 0x02,
  True: 0x03,
  Integer: 0x04,
  Double: 0x05,
  String: 0x06,
  XmlDocument: 0x07,
  Date: 0x08,
  Array: 0x09,
  Object: 0x0a,
  Xml: 0x0b,
  ByteArray: 0x0c,
  VectorInt: 0x0d,
  VectorUint: 0x0e,
  VectorDouble: 0x0f,
  VectorObject: 0x10,
  Dictionary: 0x11,
} as const;

/** AMF3 §3.6: integers in -2^28 .. 2^28-1 travel as U29; anything else as a double. */
export const AMF3_INT_MIN = -0x10000000;
export const AMF3_INT_MAX = 0x0fffffff;

type Hidden = Record<symbol, unknown>;

function sameTraits(a: AmfTraits, b: AmfTraits): boolean {
  if (a.dynamic !== b.dynamic || a.sealed.length !== b.sealed.length) return false;
  for (let i = 0; i < a.sealed.length; i++) if (a.sealed[i] !== b.sealed[i]) return false;
  return true;
}

export class Amf3Reader extends AmfCursor {
  private readonly strings: string[] = [];
  private readonly objects: unknown[] = [];
  private readonly traits: AmfTraits[] = [];

  constructor(buf: Buffer, options?: AmfDecodeOptions) {
    super(buf, options);
  }

  /** Reads one AMF3 value. */
  read(): unknown {
    return this.readValue();
  }

  /** AMF3 §1.3.1: 1 to 4 bytes, 7 bits each with a continuation bit, the 4th byte all 8 bits. */
  readU29(): number {
    const buf = this.buf;
    const end = buf.length;
    let o = this.offset;
    if (o >= end) this.need(1, 'a U29');
    let b = buf[o++]!;
    if (b < 0x80) {
      this.offset = o;
      return b;
    }
    let v = (b & 0x7f) << 7;
    if (o >= end) this.need(2, 'a U29');
    b = buf[o++]!;
    if (b < 0x80) {
      this.offset = o;
      return v | b;
    }
    v = (v | (b & 0x7f)) << 7;
    if (o >= end) this.need(3, 'a U29');
    b = buf[o++]!;
    if (b < 0x80) {
      this.offset = o;
      return v | b;
    }
    v = (v | (b & 0x7f)) << 8;
    if (o >= end) this.need(4, 'a U29');
    b = buf[o++]!;
    this.offset = o;
    return v | b;
  }

  readValue(): unknown {
    const marker = this.readUInt8();
    switch (marker) {
      case 0x00:
        return undefined;
      case 0x01:
        return null;
      case 0x02:
        return false;
      case 0x03:
        return true;
      case 0x04: {
        // AMF3 §3.6: 29-bit two's complement.
        const v = this.readU29();
        return v & 0x10000000 ? v - 0x20000000 : v;
      }
      case 0x05:
        return this.readDouble();
      case 0x06:
        return this.readString();
      case 0x07:
        return this.readXml(true);
      case 0x08:
        return this.readDate();
      case 0x09:
        return this.readArray();
      case 0x0a:
        return this.readObject();
      case 0x0b:
        return this.readXml(false);
      case 0x0c:
        return this.readByteArray();
      case 0x0d:
      case 0x0e:
      case 0x0f:
        return this.readNumberVector(marker);
      case 0x10:
        return this.readObjectVector();
      case 0x11:
        return this.readDictionary();
      default:
        throw amfError(
          'ERR_AMF_UNKNOWN_MARKER',
          `unknown AMF3 type marker 0x${marker.toString(16).padStart(2, '0')} at offset ${this.offset - 1}`,
        );
    }
  }

  /** AMF3 §1.3.2 UTF-8-vr: a string-table reference or an inline string ('' is never a reference). */
  readString(): string {
    const ref = this.readU29();
    if ((ref & 1) === 0) {
      const index = ref >>> 1;
      if (index >= this.strings.length) this.badReference('string', index, this.strings.length);
      return this.strings[index]!;
    }
    const len = ref >>> 1;
    if (len === 0) return '';
    const s = this.readUtf8(len, 'an AMF3 string');
    if (this.strings.length >= this.limits.maxReferences) this.tableFull('AMF3 string');
    this.strings.push(s);
    return s;
  }

  private badReference(table: string, index: number, size: number): never {
    throw amfError(
      'ERR_AMF_BAD_REFERENCE',
      `AMF3 ${table} reference ${index} before offset ${this.offset} points past the table (${size} entries)`,
    );
  }

  private objectReference(ref: number): unknown {
    const index = ref >>> 1;
    if (index >= this.objects.length) this.badReference('object', index, this.objects.length);
    return this.objects[index];
  }

  private addObject(value: unknown): number {
    if (this.objects.length >= this.limits.maxReferences) this.tableFull('AMF3 object');
    return this.objects.push(value) - 1;
  }

  // AMF3 §3.9 / §3.13: XML travels as an inline UTF-8 string (no string table) but is an object.
  private readXml(document: boolean): unknown {
    const ref = this.readU29();
    if ((ref & 1) === 0) return this.objectReference(ref);
    const xml = this.readUtf8(ref >>> 1, 'AMF3 XML');
    const value = document ? new AmfXmlDocument(xml) : new AmfXml(xml);
    this.addObject(value);
    return value;
  }

  // AMF3 §3.10
  private readDate(): unknown {
    const ref = this.readU29();
    if ((ref & 1) === 0) return this.objectReference(ref);
    const date = new Date(this.readDouble());
    this.addObject(date);
    return date;
  }

  // AMF3 §3.11: associative part (name/value pairs up to '') then the dense part.
  private readArray(): unknown {
    const ref = this.readU29();
    if ((ref & 1) === 0) return this.objectReference(ref);
    const dense = ref >>> 1;
    this.checkCount(dense, 1, 'AMF3 array');
    let key = this.readString();
    this.enter('AMF3 array');
    if (dense === 0 && key !== '') {
      // Only an associative part: the AMF3 form of an ECMA array.
      const obj = {};
      setHidden(obj, AMF_ECMA_ARRAY, true);
      this.addObject(obj);
      do {
        setOwn(obj, key, this.readValue());
        key = this.readString();
      } while (key !== '');
      this.leave();
      return obj;
    }
    const arr: unknown[] = [];
    this.addObject(arr);
    while (key !== '') {
      if (key === 'length') {
        throw amfError('ERR_AMF_INVALID', `AMF3 array at offset ${this.offset} has an associative member named 'length'`);
      }
      setOwn(arr, key, this.readValue());
      key = this.readString();
    }
    for (let i = 0; i < dense; i++) arr[i] = this.readValue();
    this.leave();
    return arr;
  }

  // AMF3 §3.12: U29O-ref | U29O-traits-ref | U29O-traits-ext | U29O-traits.
  private readObject(): unknown {
    const ref = this.readU29();
    if ((ref & 1) === 0) return this.objectReference(ref);
    let traits: AmfTraits;
    if ((ref & 2) === 0) {
      const index = ref >>> 2;
      if (index >= this.traits.length) this.badReference('traits', index, this.traits.length);
      traits = this.traits[index]!;
    } else {
      const externalizable = (ref & 4) !== 0;
      const dynamic = (ref & 8) !== 0;
      const count = externalizable ? 0 : ref >>> 4;
      const className = this.readString();
      // Each sealed member costs at least a name byte and a value byte.
      this.checkCount(count, 2, 'AMF3 sealed traits');
      const sealed: string[] = [];
      for (let i = 0; i < count; i++) sealed.push(this.readString());
      traits = { className, sealed, dynamic: externalizable ? false : dynamic, externalizable };
      if (this.traits.length >= this.limits.maxReferences) this.tableFull('AMF3 traits');
      this.traits.push(traits);
    }
    if (traits.externalizable) return this.readExternalizable(traits);

    const entry = traits.className === '' ? undefined : classByAlias(traits.className);
    let obj: object;
    if (entry) {
      obj = guardUserCode(`constructor of '${entry.alias}'`, 'ERR_AMF_INVALID', () => new entry.ctor());
      if (!sameTraits(traits, entry.traits)) setHidden(obj, AMF_TRAITS, traits);
    } else {
      obj = {};
      if (traits.className !== '' || traits.sealed.length > 0 || !traits.dynamic) setHidden(obj, AMF_TRAITS, traits);
    }
    this.addObject(obj);
    this.enter('AMF3 object');
    if (entry) {
      guardUserCode(`setting members of '${entry.alias}'`, 'ERR_AMF_INVALID', () => this.readMembers(obj, traits));
    } else {
      this.readMembers(obj, traits);
    }
    this.leave();
    return obj;
  }

  private readMembers(obj: object, traits: AmfTraits): void {
    const sealed = traits.sealed;
    for (let i = 0; i < sealed.length; i++) setOwn(obj, sealed[i]!, this.readValue());
    if (!traits.dynamic) return;
    for (let key = this.readString(); key !== ''; key = this.readString()) setOwn(obj, key, this.readValue());
  }

  private readExternalizable(traits: AmfTraits): object {
    const entry = externalizableByAlias(traits.className);
    if (!entry) {
      // The body's length is the class's own business: nothing after it can be found.
      throw amfError(
        'ERR_AMF_UNKNOWN_EXTERNALIZABLE',
        `AMF3 externalizable class '${traits.className}' at offset ${this.offset} has no registered codec (registerExternalizable)`,
      );
    }
    const slot = this.addObject(undefined);
    this.enter('AMF3 externalizable object');
    const obj = guardUserCode(`externalizable '${entry.alias}' read()`, 'ERR_AMF_INVALID', () => entry.codec.read(this));
    this.leave();
    if (typeof obj !== 'object' || obj === null) {
      throw amfError('ERR_AMF_INVALID', `externalizable '${entry.alias}' read() returned ${obj === null ? 'null' : typeof obj}, not an object`);
    }
    if (!entry.codec.ctor && Object.isExtensible(obj) && (obj as Hidden)[AMF_TRAITS] === undefined) {
      setHidden(obj, AMF_TRAITS, entry.traits);
    }
    this.objects[slot] = obj;
    return obj;
  }

  // AMF3 §3.14
  private readByteArray(): unknown {
    const ref = this.readU29();
    if ((ref & 1) === 0) return this.objectReference(ref);
    const bytes = this.readBytes(ref >>> 1);
    this.addObject(bytes);
    return bytes;
  }

  // AMF3 §3.15: count, fixed flag, then 4- or 8-byte big-endian items.
  private readNumberVector(marker: number): unknown {
    const ref = this.readU29();
    if ((ref & 1) === 0) return this.objectReference(ref);
    const count = ref >>> 1;
    const size = marker === 0x0f ? 8 : 4;
    this.checkCount(count, size, 'AMF3 vector');
    const fixed = this.readUInt8() !== 0;
    this.need(count * size, 'AMF3 vector items');
    const buf = this.buf;
    let o = this.offset;
    let vec: Int32Array | Uint32Array | Float64Array;
    if (marker === 0x0d) {
      vec = new Int32Array(count);
      for (let i = 0; i < count; i++, o += 4) vec[i] = buf.readInt32BE(o);
    } else if (marker === 0x0e) {
      vec = new Uint32Array(count);
      for (let i = 0; i < count; i++, o += 4) vec[i] = buf.readUInt32BE(o);
    } else {
      vec = new Float64Array(count);
      for (let i = 0; i < count; i++, o += 8) vec[i] = buf.readDoubleBE(o);
    }
    this.offset = o;
    if (fixed) setHidden(vec, AMF_VECTOR_FIXED, true);
    this.addObject(vec);
    return vec;
  }

  private readObjectVector(): unknown {
    const ref = this.readU29();
    if ((ref & 1) === 0) return this.objectReference(ref);
    const count = ref >>> 1;
    this.checkCount(count, 1, 'AMF3 object vector');
    const fixed = this.readUInt8() !== 0;
    const typeName = this.readString();
    const vec = new AmfVectorObject<unknown>([], typeName, fixed);
    this.addObject(vec);
    this.enter('AMF3 object vector');
    for (let i = 0; i < count; i++) vec.items.push(this.readValue());
    this.leave();
    return vec;
  }

  // AMF3 §3.16: count, weak-keys flag, then key/value pairs of any type.
  private readDictionary(): unknown {
    const ref = this.readU29();
    if ((ref & 1) === 0) return this.objectReference(ref);
    const count = ref >>> 1;
    this.checkCount(count, 2, 'AMF3 dictionary');
    const weak = this.readUInt8() !== 0;
    const map = new Map<unknown, unknown>();
    if (weak) setHidden(map, AMF_DICTIONARY_WEAK, true);
    this.addObject(map);
    this.enter('AMF3 dictionary');
    for (let i = 0; i < count; i++) {
      const key = this.readValue();
      map.set(key, this.readValue());
    }
    this.leave();
    return map;
  }
}

export class Amf3Writer {
  /** @internal The output; shared with the Amf0Writer that switched here. */
  readonly out: ByteSink;
  /** @internal Container nesting, carried over from an Amf0Writer. */
  depth = 0;
  private readonly maxDepth: number;
  private readonly strings = new Map<string, number>();
  private readonly objects = new Map<object, number>();
  private readonly traitsRefs = new Map<AmfTraits, number>();

  constructor(options?: AmfEncodeOptions, out?: ByteSink) {
    this.maxDepth = options?.maxDepth ?? 64;
    this.out = out ?? new ByteSink();
  }

  /** Appends one AMF3 value. */
  write(value: unknown): this {
    this.writeValue(value);
    return this;
  }

  /** The bytes written so far. */
  toBuffer(): Buffer {
    return this.out.toBuffer();
  }

  // Raw helpers for externalizable codecs (IDataOutput-style).
  writeUInt8(v: number): this {
    this.out.u8(v & 0xff);
    return this;
  }
  writeUInt32(v: number): this {
    this.out.u32(v);
    return this;
  }
  writeInt32(v: number): this {
    this.out.i32(v);
    return this;
  }
  writeDouble(v: number): this {
    this.out.double(v);
    return this;
  }
  writeU29(v: number): this {
    this.out.u29(v);
    return this;
  }
  writeBytes(bytes: Uint8Array): this {
    this.out.bytes(bytes);
    return this;
  }

  writeValue(value: unknown): void {
    switch (typeof value) {
      case 'undefined':
        this.out.u8(0x00);
        return;
      case 'boolean':
        this.out.u8(value ? 0x03 : 0x02);
        return;
      case 'number':
        this.writeNumber(value);
        return;
      case 'string':
        this.out.u8(0x06);
        this.writeString(value);
        return;
      case 'object':
        if (value === null) this.out.u8(0x01);
        else this.writeObjectValue(value);
        return;
      default:
        throw amfError('ERR_AMF_UNENCODABLE', `a ${typeof value} has no AMF3 encoding`);
    }
  }

  private writeNumber(v: number): void {
    // AMF3 §3.6: integral, in the 29-bit signed range, and not -0 → integer; else double.
    if (v === (v | 0) && v >= AMF3_INT_MIN && v <= AMF3_INT_MAX && (v !== 0 || 1 / v > 0)) {
      this.out.u8(0x04);
      this.out.u29(v & 0x1fffffff);
    } else {
      this.out.u8(0x05);
      this.out.double(v);
    }
  }

  /** AMF3 §1.3.2 UTF-8-vr: '' inline always, other strings by reference after their first time. */
  writeString(s: string): void {
    if (s === '') {
      this.out.u8(0x01);
      return;
    }
    const index = this.strings.get(s);
    if (index !== undefined) {
      this.out.u29(index << 1);
      return;
    }
    this.strings.set(s, this.strings.size);
    this.writeInlineUtf8(s);
  }

  private writeInlineUtf8(s: string): void {
    const out = this.out;
    if (s.length <= 21) {
      // At most 63 bytes: the U29 header is one byte, so write the text first and the header after.
      out.ensure(1 + s.length * 3);
      const n = out.utf8At(s, out.pos + 1);
      out.buf[out.pos] = (n << 1) | 1;
      out.pos += 1 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    if (n > AMF3_INT_MAX) throw amfError('ERR_AMF_LENGTH_EXCEEDED', `a ${n}-byte string exceeds the AMF3 limit of 2^28-1 bytes`);
    out.u29((n << 1) | 1);
    out.ensure(n);
    out.pos += out.buf.write(s, out.pos, 'utf8');
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) {
      throw amfError('ERR_AMF_DEPTH_EXCEEDED', `value nests deeper than maxDepth ${this.maxDepth} (a cycle of unreferenceable values?)`);
    }
  }

  /** Writes the marker, then a reference if `o` was written before (true), else registers it. */
  private writeReference(marker: number, o: object): boolean {
    this.out.u8(marker);
    const index = this.objects.get(o);
    if (index !== undefined) {
      this.out.u29(index << 1);
      return true;
    }
    this.objects.set(o, this.objects.size);
    return false;
  }

  private writeObjectValue(o: object): void {
    if (Array.isArray(o)) {
      if (!this.writeReference(0x09, o)) this.writeArray(o);
      return;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) {
      if ((o as Hidden)[AMF_ECMA_ARRAY] === true) {
        if (!this.writeReference(0x09, o)) this.writeAssociative(o);
      } else {
        this.writeTraitsObject(o, ((o as Hidden)[AMF_TRAITS] as AmfTraits | undefined) ?? ANONYMOUS_TRAITS);
      }
      return;
    }
    if (o instanceof Date) {
      if (!this.writeReference(0x08, o)) {
        this.out.u29(0x01);
        this.out.double(o.getTime());
      }
      return;
    }
    if (o instanceof Map) {
      if (!this.writeReference(0x11, o)) this.writeDictionary(o);
      return;
    }
    if (ArrayBuffer.isView(o)) {
      this.writeView(o);
      return;
    }
    if (o instanceof AmfVectorObject) {
      if (!this.writeReference(0x10, o)) this.writeObjectVector(o);
      return;
    }
    if (o instanceof AmfXmlDocument || o instanceof AmfXml) {
      if (!this.writeReference(o instanceof AmfXml ? 0x0b : 0x07, o)) this.writeXml(o.xml);
      return;
    }
    if (o instanceof AmfAvmPlus) {
      this.writeValue(o.value);
      return;
    }
    if (o instanceof AmfUnsupported) {
      throw amfError('ERR_AMF_UNENCODABLE', 'AmfUnsupported is an AMF0 type (0x0D) with no AMF3 encoding');
    }
    const ctor = proto?.constructor as Function | undefined;
    const external = ctor && externalizableByCtor(ctor);
    if (external) {
      this.writeTraitsObject(o, external.traits);
      return;
    }
    const cls = ctor && classByCtor(ctor);
    const traits = ((o as Hidden)[AMF_TRAITS] as AmfTraits | undefined) ?? cls?.traits ?? ANONYMOUS_TRAITS;
    this.writeTraitsObject(o, traits);
  }

  private writeView(o: ArrayBufferView): void {
    if (o instanceof Uint8Array) {
      if (!this.writeReference(0x0c, o)) {
        this.out.u29((o.length << 1) | 1);
        this.out.bytes(o);
      }
      return;
    }
    let marker: number;
    if (o instanceof Int32Array) marker = 0x0d;
    else if (o instanceof Uint32Array) marker = 0x0e;
    else if (o instanceof Float64Array) marker = 0x0f;
    else throw amfError('ERR_AMF_UNENCODABLE', `${o.constructor.name} has no AMF3 encoding (use Uint8Array, Int32Array, Uint32Array or Float64Array)`);
    if (this.writeReference(marker, o)) return;
    const vec = o as Int32Array | Uint32Array | Float64Array;
    const out = this.out;
    const count = vec.length;
    out.u29((count << 1) | 1);
    out.u8((vec as unknown as Hidden)[AMF_VECTOR_FIXED] === true ? 1 : 0);
    const size = marker === 0x0f ? 8 : 4;
    out.ensure(count * size);
    const buf = out.buf;
    let p = out.pos;
    if (marker === 0x0d) for (let i = 0; i < count; i++, p += 4) buf.writeInt32BE(vec[i]!, p);
    else if (marker === 0x0e) for (let i = 0; i < count; i++, p += 4) buf.writeUInt32BE(vec[i]!, p);
    else for (let i = 0; i < count; i++, p += 8) buf.writeDoubleBE(vec[i]!, p);
    out.pos = p;
  }

  private writeXml(xml: string): void {
    const n = Buffer.byteLength(xml, 'utf8');
    if (n > AMF3_INT_MAX) throw amfError('ERR_AMF_LENGTH_EXCEEDED', `a ${n}-byte XML value exceeds the AMF3 limit of 2^28-1 bytes`);
    this.out.u29((n << 1) | 1);
    this.out.ensure(n);
    this.out.pos += this.out.buf.write(xml, this.out.pos, 'utf8');
  }

  private writeMemberName(key: string): void {
    // AMF3 §3.11/§3.12: the empty string ends a member list, so it cannot name a member.
    if (key === '') throw amfError('ERR_AMF_UNENCODABLE', 'a property named "" cannot be written in AMF3 (the empty name ends the member list)');
    this.writeString(key);
  }

  // AMF3 §3.11. Dense part: elements up to the first hole; the rest (indices after a hole and
  // named properties) goes in the associative part, as AVM+ does for sparse arrays.
  private writeArray(arr: unknown[]): void {
    this.enter();
    const len = arr.length;
    let dense = 0;
    while (dense < len && dense in arr) dense++;
    if (dense > AMF3_INT_MAX) throw amfError('ERR_AMF_LENGTH_EXCEEDED', `an array of ${dense} elements exceeds the AMF3 limit`);
    this.out.u29((dense << 1) | 1);
    const keys = Object.keys(arr);
    // Object.keys lists indices first, ascending: the first `dense` keys are exactly 0..dense-1.
    for (let i = dense; i < keys.length; i++) {
      const key = keys[i]!;
      this.writeMemberName(key);
      this.writeValue((arr as unknown as Record<string, unknown>)[key]);
    }
    this.out.u8(0x01);
    for (let i = 0; i < dense; i++) this.writeValue(arr[i]);
    this.depth--;
  }

  private writeAssociative(o: object): void {
    this.enter();
    this.out.u29(0x01); // no dense part
    const keys = Object.keys(o);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.writeMemberName(key);
      this.writeValue((o as Record<string, unknown>)[key]);
    }
    this.out.u8(0x01);
    this.depth--;
  }

  private writeTraitsObject(o: object, traits: AmfTraits): void {
    if (this.writeReference(0x0a, o)) return;
    this.enter();
    const out = this.out;
    const traitsIndex = this.traitsRefs.get(traits);
    if (traitsIndex !== undefined) {
      out.u29((traitsIndex << 2) | 0x01);
    } else {
      this.traitsRefs.set(traits, this.traitsRefs.size);
      if (traits.externalizable) {
        out.u29(0x07);
      } else {
        out.u29(0x03 | (traits.dynamic ? 0x08 : 0) | (traits.sealed.length << 4));
      }
      this.writeString(traits.className);
      if (!traits.externalizable) for (const name of traits.sealed) this.writeString(name);
    }
    if (traits.externalizable) {
      const entry = externalizableByAlias(traits.className);
      if (!entry) {
        throw amfError('ERR_AMF_UNKNOWN_EXTERNALIZABLE', `no codec registered for externalizable class '${traits.className}'`);
      }
      guardUserCode(`externalizable '${entry.alias}' write()`, 'ERR_AMF_UNENCODABLE', () => entry.codec.write(o, this));
      this.depth--;
      return;
    }
    const record = o as Record<string, unknown>;
    const sealed = traits.sealed;
    for (let i = 0; i < sealed.length; i++) this.writeValue(record[sealed[i]!]);
    if (traits.dynamic) {
      const keys = Object.keys(o);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        if (sealed.length > 0 && sealed.includes(key)) continue;
        this.writeMemberName(key);
        this.writeValue(record[key]);
      }
      out.u8(0x01);
    }
    this.depth--;
  }

  private writeObjectVector(vec: AmfVectorObject): void {
    this.enter();
    this.out.u29((vec.items.length << 1) | 1);
    this.out.u8(vec.fixed ? 1 : 0);
    this.writeString(vec.typeName);
    for (let i = 0; i < vec.items.length; i++) this.writeValue(vec.items[i]);
    this.depth--;
  }

  private writeDictionary(map: Map<unknown, unknown>): void {
    this.enter();
    this.out.u29((map.size << 1) | 1);
    this.out.u8((map as unknown as Hidden)[AMF_DICTIONARY_WEAK] === true ? 1 : 0);
    for (const [key, value] of map) {
      this.writeValue(key);
      this.writeValue(value);
    }
    this.depth--;
  }
}

/** One-shot AMF3: all values share one set of reference tables. */
export const amf3: AmfCodec = oneShotCodec(() => new Amf3Writer(), (buf, options) => new Amf3Reader(buf, options));
