// A real local stage that also records every write and delete in order, so tests can check that a
// result's data files land before its _SUCCESS marker.
import type { LocalStage } from '../../src/adapters/stage/local/localStage.js';
import type { Stage } from '../../src/adapters/stage/stage.js';

export interface StageEvent {
  op: 'put' | 'delete';
  key: string;
}

export function recordingStage(inner: LocalStage): Stage & { events: StageEvent[] } {
  const events: StageEvent[] = [];
  return {
    events,
    remote: inner.remote,
    describe: () => inner.describe(),
    list: (prefix) => inner.list(prefix),
    stat: (key) => inner.stat(key),
    getJson: (key) => inner.getJson(key),
    localCopy: (key) => inner.localCopy(key),
    scratchPath: (name) => inner.scratchPath(name),
    writeFolder: (prefix) => inner.writeFolder(prefix),
    async putJson(key, value) {
      await inner.putJson(key, value);
      events.push({ op: 'put', key });
    },
    async putJsonIfAbsent(key, value) {
      const written = await inner.putJsonIfAbsent(key, value);
      if (written) events.push({ op: 'put', key });
      return written;
    },
    async putFile(localPath, key) {
      await inner.putFile(localPath, key);
      events.push({ op: 'put', key });
    },
    async deletePrefix(prefix) {
      events.push({ op: 'delete', key: prefix });
      await inner.deletePrefix(prefix);
    },
  };
}
