// A tiny anti-aliased rasterizer into an RGBA buffer: rectangles, lines, discs, rings and text.
import { glyph, GLYPH_H, GLYPH_W } from './font.js';

export type Rgb = readonly [number, number, number];

export class Raster {
  readonly data: Uint8ClampedArray;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8ClampedArray(width * height * 4);
    if (background[0] === 255 && background[1] === 255 && background[2] === 255) {
      this.data.fill(255);
      return;
    }
    for (let i = 0; i < this.data.length; i += 4) {
      this.data[i] = background[0];
      this.data[i + 1] = background[1];
      this.data[i + 2] = background[2];
      this.data[i + 3] = 255;
    }
  }

  /** Blend colour c over pixel (x, y) with coverage a in [0, 1]. */
  blend(x: number, y: number, c: Rgb, a: number): void {
    if (a <= 0 || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 4;
    const k = a >= 1 ? 1 : a;
    const d = this.data;
    d[i] = d[i]! + (c[0] - d[i]!) * k;
    d[i + 1] = d[i + 1]! + (c[1] - d[i + 1]!) * k;
    d[i + 2] = d[i + 2]! + (c[2] - d[i + 2]!) * k;
  }

  fillRect(x0: number, y0: number, x1: number, y1: number, c: Rgb, a = 1): void {
    const xa = Math.max(0, Math.floor(Math.min(x0, x1)));
    const xb = Math.min(this.width, Math.ceil(Math.max(x0, x1)));
    const ya = Math.max(0, Math.floor(Math.min(y0, y1)));
    const yb = Math.min(this.height, Math.ceil(Math.max(y0, y1)));
    for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) this.blend(x, y, c, a);
  }

  /** A line of the given width; coverage from the pixel centre's distance to the segment. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1, a = 1): void {
    const h = width / 2;
    const xa = Math.floor(Math.min(x0, x1) - h - 1);
    const xb = Math.ceil(Math.max(x0, x1) + h + 1);
    const ya = Math.floor(Math.min(y0, y1) - h - 1);
    const yb = Math.ceil(Math.max(y0, y1) + h + 1);
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    for (let y = Math.max(0, ya); y <= Math.min(this.height - 1, yb); y++) {
      for (let x = Math.max(0, xa); x <= Math.min(this.width - 1, xb); x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
        const d = Math.hypot(px - (x0 + t * dx), py - (y0 + t * dy));
        this.blend(x, y, c, Math.min(1, h + 0.5 - d) * a);
      }
    }
  }

  disc(cx: number, cy: number, r: number, c: Rgb, a = 1): void {
    this.ringOrDisc(cx, cy, r, c, a, null);
  }

  ring(cx: number, cy: number, r: number, c: Rgb, width = 1.5, a = 1): void {
    this.ringOrDisc(cx, cy, r, c, a, width);
  }

  private ringOrDisc(cx: number, cy: number, r: number, c: Rgb, a: number, ringWidth: number | null): void {
    // Outside `outer` nothing is covered, inside `inner` everything: only the rim needs a sqrt.
    const outer = (ringWidth === null ? r : r + ringWidth / 2) + 0.5;
    const inner = ringWidth === null ? Math.max(0, r - 0.5) : 0;
    for (let y = Math.floor(cy - outer); y <= Math.ceil(cy + outer); y++) {
      for (let x = Math.floor(cx - outer); x <= Math.ceil(cx + outer); x++) {
        const dx = x + 0.5 - cx;
        const dy = y + 0.5 - cy;
        const d2 = dx * dx + dy * dy;
        if (d2 >= outer * outer) continue;
        if (d2 <= inner * inner) {
          this.blend(x, y, c, a);
          continue;
        }
        const d = Math.sqrt(d2);
        const cover = ringWidth === null ? r + 0.5 - d : ringWidth / 2 + 0.5 - Math.abs(d - r);
        this.blend(x, y, c, Math.min(1, cover) * a);
      }
    }
  }

  cross(cx: number, cy: number, r: number, c: Rgb, width = 2): void {
    this.line(cx - r, cy - r, cx + r, cy + r, c, width);
    this.line(cx - r, cy + r, cx + r, cy - r, c, width);
  }

  /** Text width in pixels at a scale. */
  static textWidth(s: string, scale = 1): number {
    return s.length === 0 ? 0 : (s.length * (GLYPH_W + 1) - 1) * scale;
  }

  /** Bitmap text with its top-left at (x, y); `up` draws it rotated to read bottom to top. */
  text(x: number, y: number, s: string, c: Rgb, scale = 1, up = false): void {
    let pen = 0;
    for (const ch of s) {
      const g = glyph(ch);
      for (let gy = 0; gy < GLYPH_H; gy++) {
        for (let gx = 0; gx < GLYPH_W; gx++) {
          if (!g[gy]![gx]) continue;
          const u = (pen + gx) * scale;
          const v = gy * scale;
          // Rotated: advance goes up the page, the glyph's top faces left.
          const px = up ? x + v : x + u;
          const py = up ? y - u - scale : y + v;
          this.fillRect(px, py, px + scale, py + scale, c);
        }
      }
      pen += GLYPH_W + 1;
    }
  }
}
