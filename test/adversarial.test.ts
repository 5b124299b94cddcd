/**
 * The short run of scripts/adversarial.ts (every case but the report builds, which start
 * Jupyter): each case must end in a clear error or a correct result. The CLI cases run the
 * built dist/ (`npm test` builds first).
 */
import { describe, expect, it } from 'vitest';
import { runCases, outcomeTable } from '../scripts/adversarial.js';

describe('adversarial cases (short run)', () => {
  it('every case gives a clear error or a correct result', async () => {
    const results = await runCases({ short: true });
    expect(results.length).toBeGreaterThanOrEqual(15);
    const failed = results.filter((r) => !r.ok);
    expect(failed, outcomeTable(failed)).toEqual([]);
  }, 600_000);
});
