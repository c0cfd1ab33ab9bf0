// Reads a PNG's size and RGB pixels (8-bit RGB or RGBA, non-interlaced: what
// Chromium's --screenshot writes) so a test can tell charts were actually
// painted, not only present in the DOM.
import { inflateSync } from "node:zlib";

export interface Png {
  width: number;
  height: number;
  /** Count of pixels within `tolerance` of an RGB colour. */
  count(rgb: readonly [number, number, number], tolerance?: number): number;
}

export function readPng(buf: Buffer): Png {
  if (buf.subarray(0, 8).toString("hex") !== "89504e470d0a1a0a") throw new Error("not a PNG");
  let off = 8;
  let width = 0, height = 0, depth = 0, colorType = 0, interlace = 0;
  const idat: Buffer[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.subarray(off + 4, off + 8).toString("latin1");
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      [depth, colorType, interlace] = [data[8]!, data[9]!, data[12]!];
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    off += 12 + len;
  }
  if (depth !== 8 || (colorType !== 2 && colorType !== 6) || interlace !== 0) throw new Error(`PNG layout not handled (depth ${depth}, color type ${colorType}, interlace ${interlace})`);
  const bpp = colorType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp]! : 0;
      const b = y > 0 ? px[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp]! : 0;
      let v = src[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 0xff;
    }
  }
  return {
    width,
    height,
    count(rgb, tolerance = 12) {
      let n = 0;
      for (let i = 0; i < px.length; i += bpp) {
        if (Math.abs(px[i]! - rgb[0]) <= tolerance && Math.abs(px[i + 1]! - rgb[1]) <= tolerance && Math.abs(px[i + 2]! - rgb[2]) <= tolerance) n++;
      }
      return n;
    },
  };
}
