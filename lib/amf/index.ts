/**
 * AMF0 and AMF3 codecs (lib/amf). See /work/notes/amf-readme.md for the JS ⇄ AMF mapping.
 */
export { amf0, Amf0Reader, Amf0Writer, Amf0Marker } from './amf0.js';
export { amf3, Amf3Reader, Amf3Writer, Amf3Marker, AMF3_INT_MIN, AMF3_INT_MAX } from './amf3.js';
export {
  registerClass,
  registerExternalizable,
  unregisterClass,
  type ExternalizableCodec,
  type RegisterClassOptions,
} from './registry.js';
export {
  AMF_DEFAULTS,
  AMF_ECMA_ARRAY,
  AMF_TRAITS,
  AMF_DATE_TIMEZONE,
  AMF_VECTOR_FIXED,
  AMF_DICTIONARY_WEAK,
  AmfXmlDocument,
  AmfXml,
  AmfUnsupported,
  AmfVectorObject,
  AmfAvmPlus,
  ecmaArray,
  isEcmaArray,
  traitsOf,
  createTraits,
  type AmfDecodeOptions,
  type AmfEncodeOptions,
  type AmfTraits,
} from './types.js';
export type { AmfCodec } from './one-shot.js';
