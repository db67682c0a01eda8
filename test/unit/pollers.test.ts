// Eager activity execution needs a free activity slot when a workflow task completes; a poll holds a
// slot, so the worker must never poll with all of them (issue 14: activities waited 35–50 ms in the
// task queue because every slot was held by a poll).
import { describe, expect, it } from 'vitest';
import { activityPollerBehavior } from '../../src/temporal/pollers.js';

describe('activity pollers', () => {
  it('leave slots free for eager execution, and poll at least once', () => {
    for (const slots of [1, 2, 3, 4, 8, 16, 100]) {
      const behavior = activityPollerBehavior(slots);
      expect(behavior.type).toBe('simple-maximum');
      const polls = (behavior as { maximum: number }).maximum;
      expect(polls).toBeGreaterThanOrEqual(1);
      if (slots > 1) expect(polls).toBeLessThan(slots);
    }
  });
});
