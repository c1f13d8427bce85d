import { describe, expect, it } from 'vitest';
import { LaneManifestSchema, LaneMarkerSchema, parseStateFile, TagStateSchema } from '../../src/config/state-files.js';

describe('state files', () => {
  const marker = { v: 1, session: 'apr5', lane: 'gpu0', main: '/repo', env: { CUDA_VISIBLE_DEVICES: '0' } };

  it('reads a valid file, keeping keys a newer version added', () => {
    const r = parseStateFile(JSON.stringify({ ...marker, later: true }), LaneMarkerSchema);
    expect(r).toEqual({ ok: true, value: { ...marker, later: true } });
  });

  it('names the key that is wrong, in one phrase', () => {
    const r = parseStateFile(JSON.stringify({ ...marker, env: { CUDA_VISIBLE_DEVICES: 0 } }), LaneMarkerSchema);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).toMatch(/^"env\.CUDA_VISIBLE_DEVICES" .*string/);
    const m = parseStateFile(JSON.stringify({ v: 1, session: 's', repo: '/r', base: 'b', created: '', lanes: [{ name: 'x' }] }), LaneManifestSchema);
    expect(!m.ok && m.why).toMatch(/^"lanes\.0\.tag" /);
  });

  it('says what is wrong with text that is not JSON', () => {
    const r = parseStateFile('{"v": 1,', TagStateSchema);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.why).not.toMatch(/\.$/);
  });
});
