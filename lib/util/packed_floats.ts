/**
 * Float arrays as base64 text, bit for bit: how a page carries a network's weights (a float32
 * weight is 4 bytes instead of ~12 characters of JSON). Works in Node and in the browser (btoa
 * and atob are globals in both); the bytes are little-endian, as every engine nnlab runs on is.
 */
export interface PackedFloats {
  dtype: 'float64' | 'float32';
  length: number;
  base64: string;
}

export function packFloats(values: Float64Array | Float32Array): PackedFloats {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { dtype: values instanceof Float32Array ? 'float32' : 'float64', length: values.length, base64: btoa(binary) };
}

export function unpackFloats(packed: PackedFloats): Float64Array | Float32Array {
  const binary = atob(packed.base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  const out = packed.dtype === 'float32' ? new Float32Array(bytes.buffer) : new Float64Array(bytes.buffer);
  if (out.length !== packed.length) throw new Error(`unpackFloats: ${out.length} values decoded, expected ${packed.length}`);
  return out;
}
